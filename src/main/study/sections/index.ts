/** The per-model sections in the order they run (patching first: later sections read its top heads and MLP). */
import type { SectionRunner } from '../context';
import type { SectionKind } from '../types';
import { attentionSection } from './attention';
import { circuitSection } from './circuit';
import { congruenceSection } from './congruence';
import { editSection } from './edit';
import { headsSection } from './heads';
import { lensSection } from './lens';
import { patchingSection } from './patching';
import { trackingSection } from './tracking';

export const MODEL_SECTIONS: readonly { kind: Exclude<SectionKind, 'predictions'>; run: SectionRunner }[] = [
  { kind: 'lens', run: lensSection },
  { kind: 'patching', run: patchingSection },
  { kind: 'attention', run: attentionSection },
  { kind: 'heads', run: headsSection },
  { kind: 'congruence', run: congruenceSection },
  { kind: 'circuit', run: circuitSection },
  { kind: 'tracking', run: trackingSection },
  { kind: 'edit', run: editSection },
];
