/**
 * The held-out split rule.
 *
 * Every generated item has name-pair keys (the unordered pair of each two names in its clean
 * prompt, e.g. "John|Mary") and one word-combination key (the task's non-name content words:
 * IOI place|object|verb, comparison antonym pair|connective, latest verb|objects). A key is
 * held out when the FNV-1a hash of "<kind>:<key>" is divisible by 5 (about 20% of keys).
 * An item belongs to 'heldout' when all its keys are held out, to 'train' when none is, and
 * to neither ('mixed') otherwise. So training and held-out items never share a name pair or
 * a word combination, while every single word still occurs in both splits.
 */

export type ItemSplit = 'train' | 'heldout' | 'mixed';

export const HELDOUT_MODULUS = 5;

/** 32-bit FNV-1a over UTF-16 code units (keys are ASCII). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function namePairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

export function isHeldOutKey(kind: 'names' | 'words', key: string): boolean {
  return fnv1a(`${kind}:${key}`) % HELDOUT_MODULUS === 0;
}

/** Split of a name pair. */
export function namePairSplit(a: string, b: string): 'train' | 'heldout' {
  return isHeldOutKey('names', namePairKey(a, b)) ? 'heldout' : 'train';
}

/** Split of a word-combination key (already prefixed by the task, e.g. "ioi:store|book|gave"). */
export function comboSplit(comboKey: string): 'train' | 'heldout' {
  return isHeldOutKey('words', comboKey) ? 'heldout' : 'train';
}

/** Every unordered pair of distinct names in a list, as keys. */
export function allNamePairs(names: readonly string[]): string[] {
  const keys: string[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) keys.push(namePairKey(names[i], names[j]));
  }
  return keys;
}

/** The split an item with these names and this word combination belongs to. */
export function itemSplit(names: readonly string[], comboKey: string): ItemSplit {
  const splits = new Set<'train' | 'heldout'>([comboSplit(comboKey)]);
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) splits.add(namePairSplit(names[i], names[j]));
  }
  return splits.size === 1 ? [...splits][0] : 'mixed';
}
