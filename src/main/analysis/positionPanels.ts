/**
 * Position-resolved analyses on datasets that mix templates: one panel per template group
 * (positionGroups), each labelled with the template's named positions. Every dataset row lands in
 * exactly one panel. Wraps activationPatching and directLogitAttribution without changing them.
 */
import { POSITIONAL_PATCH_TARGET_NAMES } from '../../shared/api/analysisKinds';
import type { HookedGPT2 } from '../engine/model';
import { directLogitAttribution, type DlaResult } from './dla';
import { activationPatching, type PatchOptions, type PatchResult } from './patching';
import type { PositionGroup } from './positionGroups';
import type { PromptBatch } from './promptBatch';

export interface PanelInfo {
  /** Template id (with the length when a template spans several lengths). */
  key: string;
  template: string;
  length: number;
  /** Dataset rows in this panel. */
  rows: number[];
  /** Position labels: named positions (IO, S1, S2, END, ...) or "t:token". */
  positions: string[];
}

export interface PatchPanel extends PanelInfo {
  result: PatchResult;
}

export interface PatchPanelsResult {
  kind: 'patch-groups';
  target: PatchResult['target'];
  direction: PatchResult['direction'];
  metric: PatchResult['metric'];
  /** Prompts over all panels (= the dataset's items). */
  prompts: number;
  panels: PatchPanel[];
}

const info = (g: PositionGroup): PanelInfo => ({ key: g.key, template: g.template, length: g.length, rows: g.rows, positions: g.positions });

/** Positional patching, once per group; progress runs over all groups. */
export async function patchingPanels(model: HookedGPT2, groups: readonly PositionGroup[], opts: PatchOptions): Promise<PatchPanelsResult> {
  const UNITS = 1000;
  const panels: PatchPanel[] = [];
  for (const [i, g] of groups.entries()) {
    const result = await activationPatching(model, g.batch, {
      ...opts,
      positionLabels: () => g.positions,
      onProgress: opts.onProgress && ((done, total) => opts.onProgress!(i * UNITS + Math.round((UNITS * done) / Math.max(1, total)), groups.length * UNITS)),
    });
    panels.push({ ...info(g), result });
  }
  const first = panels[0].result;
  return { kind: 'patch-groups', target: first.target, direction: first.direction, metric: first.metric, prompts: groups.reduce((s, g) => s + g.rows.length, 0), panels };
}

/** The groups as one batch whose groups are the panels, rows as in the dataset (so per-item results keep their order). */
export function batchOfGroups(groups: readonly PositionGroup[], size: number): PromptBatch {
  return { groups: groups.map((g) => ({ ...g.batch.groups[0], rows: g.rows })), size };
}

export interface DlaPanelsResult extends DlaResult {
  /** byPosition has one entry per panel, in this order. */
  panels: PanelInfo[];
}

/** DLA with its by-source-position tables split per template group and labelled by named positions. */
export async function dlaPanels(
  model: HookedGPT2,
  groups: readonly PositionGroup[],
  size: number,
  opts: Parameters<typeof directLogitAttribution>[2] = {},
): Promise<DlaPanelsResult> {
  const result = await directLogitAttribution(model, batchOfGroups(groups, size), opts);
  result.byPosition.forEach((table, i) => (table.positions = groups[i].positions));
  return { ...result, panels: groups.map(info) };
}

/** Patching targets whose result has a position axis (they need prompts of one length). */
export const POSITIONAL_PATCH_TARGETS: readonly PatchResult['target'][] = POSITIONAL_PATCH_TARGET_NAMES;

export function isPositionalTarget(target: PatchResult['target']): boolean {
  return POSITIONAL_PATCH_TARGETS.includes(target);
}
