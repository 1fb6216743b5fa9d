/**
 * Result tabs are capped rather than left to pile up: opening one more tab of a capped kind
 * closes the oldest of that kind that is not on screen (plain TS, no framework).
 */
export const TAB_CAPS: Readonly<Partial<Record<string, number>>> = { run: 5, circuit: 5, dataset: 4 };

/** The ids of the tabs to close before opening one more tab of `kind` (oldest first). */
export function tabsOverCap(tabs: readonly { id: string; kind: string }[], kind: string, activeId: string | null, caps: Readonly<Partial<Record<string, number>>> = TAB_CAPS): string[] {
  const cap = caps[kind];
  if (cap === undefined) return [];
  const same = tabs.filter((t) => t.kind === kind && t.id !== activeId);
  const open = tabs.filter((t) => t.kind === kind).length;
  const excess = open + 1 - cap;
  return excess > 0 ? same.slice(0, excess).map((t) => t.id) : [];
}
