/**
 * Position-resolved analyses need prompts of one token length whose positions mean the same
 * thing. A dataset mixes templates (and lengths), so it is split into groups of one template and
 * one length, every row in exactly one group, each group labelled by the template's named
 * positions (IO, S1, S2, END, ...) where every prompt of the group agrees, else by its tokens.
 */
import { itemSlots, type TaskItem } from '../datasets';
import type { Tokenizer } from '../tokenizer/types';
import type { PromptBatch, PromptGroup } from './promptBatch';

/** Named positions of one prompt, e.g. { END: 14, IO: 2, S1: 4, S2: 10 }. */
export type NamedPositions = Record<string, number>;

/** Token ids that spell a word in a prompt: with and without the leading space, single tokens only. */
function wordIds(tokenizer: Tokenizer, word: string): Set<number> {
  const ids = new Set<number>();
  for (const spelling of [` ${word}`, word]) {
    const enc = tokenizer.encode(spelling);
    if (enc.length === 1) ids.add(enc[0]);
  }
  return ids;
}

/**
 * Named positions from the item's template (its slots), END always; undefined when the item has
 * no known template. A slot whose word is not one token is left out.
 */
export function slotPositions(item: TaskItem, ids: readonly number[], tokenizer: Tokenizer): NamedPositions | undefined {
  const slots = itemSlots(item);
  if (!slots) return undefined;
  const out: NamedPositions = { END: ids.length - 1 };
  for (const slot of slots) {
    const spell = wordIds(tokenizer, slot.word);
    const at: number[] = [];
    ids.forEach((id, i) => spell.has(id) && at.push(i));
    if (at[slot.occurrence] !== undefined) out[slot.name] = at[slot.occurrence];
  }
  return out;
}

export interface PositionGroup {
  /** Template id, with the length when a template spans several lengths. */
  key: string;
  template: string;
  length: number;
  /** Dataset rows of the group's prompts, in dataset order. */
  rows: number[];
  /** The group alone as a batch (rows renumbered 0..n-1), for analyses that need one length. */
  batch: PromptBatch;
  /** One label per position: the position name all prompts agree on, else "t:token" of the first prompt. */
  positions: string[];
  /** Names that were left unlabelled because prompts of the group disagree on their position. */
  ambiguous: string[];
}

/** Rows of a group taken out as their own group (renumbered from 0). */
function subGroup(g: PromptGroup, picks: number[]): PromptGroup {
  const take = <T>(a: readonly T[]): T[] => picks.map((i) => a[i]);
  return { length: g.length, rows: picks.map((_, i) => i), items: take(g.items), clean: take(g.clean), corrupted: take(g.corrupted), correct: take(g.correct), incorrect: take(g.incorrect) };
}

/**
 * Split a batch by (length, template). `positionsOf` names the positions of one prompt (e.g.
 * slotPositions); `tokenLabels` labels the positions no name covers.
 */
export function positionGroups(
  batch: PromptBatch,
  positionsOf: (item: TaskItem, ids: readonly number[]) => NamedPositions | undefined,
  tokenLabels: (ids: number[]) => string[],
): PositionGroup[] {
  const groups: PositionGroup[] = [];
  for (const g of batch.groups) {
    const byTemplate = new Map<string, number[]>();
    g.items.forEach((item, i) => {
      const list = byTemplate.get(item.template) ?? [];
      list.push(i);
      byTemplate.set(item.template, list);
    });
    for (const [template, picks] of byTemplate) {
      const group = subGroup(g, picks);
      const { positions, ambiguous } = groupLabels(group, positionsOf, tokenLabels);
      groups.push({ key: template, template, length: g.length, rows: picks.map((i) => g.rows[i]), batch: { groups: [group], size: picks.length }, positions, ambiguous });
    }
  }
  const perTemplate = new Map<string, number>();
  for (const p of groups) perTemplate.set(p.template, (perTemplate.get(p.template) ?? 0) + 1);
  for (const p of groups) if ((perTemplate.get(p.template) ?? 0) > 1) p.key = `${p.template} (${p.length} tokens)`;
  return groups.sort((a, b) => a.rows[0] - b.rows[0]);
}

function groupLabels(
  g: PromptGroup,
  positionsOf: (item: TaskItem, ids: readonly number[]) => NamedPositions | undefined,
  tokenLabels: (ids: number[]) => string[],
): { positions: string[]; ambiguous: string[] } {
  const positions = tokenLabels(g.clean[0]).map((label, t) => (/^\d+:/.test(label) ? label : `${t}:${label}`));
  const agreed = new Map<string, number>();
  const ambiguous = new Set<string>();
  g.items.forEach((item, i) => {
    const named = positionsOf(item, g.clean[i]) ?? {};
    const names = new Set([...agreed.keys(), ...Object.keys(named)]);
    for (const name of names) {
      if (ambiguous.has(name)) continue;
      const at = named[name];
      if (i === 0 && at !== undefined) agreed.set(name, at);
      else if (agreed.get(name) !== at) {
        agreed.delete(name);
        ambiguous.add(name);
      }
    }
  });
  const named = new Map<number, string[]>();
  for (const [name, t] of agreed) named.set(t, [...(named.get(t) ?? []), name]);
  for (const [t, names] of named) positions[t] = names.join('/');
  return { positions, ambiguous: [...ambiguous].sort() };
}
