/**
 * Named positions of a generated item, from its template: every slot of the pattern ({A},
 * {PLACE}, ...) with the word it holds in the clean prompt and its word index, under the
 * template's position name (IOI: IO, S1, S2; comparison: A, B, X (premise adjective), Y (conclusion
 * adjective), S, CONN; latest: N1, O1, VERBED, ...). Token positions follow from the tokenizer (src/main/analysis/positionGroups).
 */
import { GENERATORS } from './generate';
import type { TemplateSpec } from './sampling';
import { splitWords } from './text';
import type { TaskItem } from './types';

export interface SlotWord {
  /** Position name (IO, S1, S2, ADJ1, PLACE, ...). */
  name: string;
  /** The word the slot holds in the clean prompt. */
  word: string;
  /** Index of the word among the clean prompt's words (splitWords). */
  wordIndex: number;
  /** How many times the same word occurs before it (0 = first occurrence). */
  occurrence: number;
}

const SLOT = /\{(\w+)\}/g;

/** The template spec of an item, when its task and template id are known. */
export function templateOf(item: Pick<TaskItem, 'task' | 'template'>): TemplateSpec | undefined {
  return GENERATORS[item.task]?.templates.find((t) => t.id === item.template);
}

/**
 * The slots of an item's clean prompt, in prompt order; undefined when the template is unknown
 * or the prompt does not follow it (an imported item that reuses a template id with other words).
 */
export function itemSlots(item: Pick<TaskItem, 'task' | 'template' | 'clean'>): SlotWord[] | undefined {
  const spec = templateOf(item);
  if (!spec) return undefined;
  const words = splitWords(item.clean);
  const slots: SlotWord[] = [];
  let index = 0;
  let last = 0;
  for (const match of spec.pattern.matchAll(SLOT)) {
    index += splitWords(spec.pattern.slice(last, match.index)).length;
    last = match.index + match[0].length;
    const word = words[index];
    if (word === undefined) return undefined;
    slots.push({ name: spec.positionNames?.[match[1]] ?? match[1], word, wordIndex: index, occurrence: words.slice(0, index).filter((w) => w === word).length });
    index++;
  }
  // The literal words must match too, or the item only borrows the template's id.
  const literal = splitWords(spec.pattern.replace(SLOT, ' '));
  const rest = words.filter((_, i) => !slots.some((s) => s.wordIndex === i));
  if (index + splitWords(spec.pattern.slice(last)).length !== words.length || rest.join(' ') !== literal.join(' ')) return undefined;
  return slots;
}
