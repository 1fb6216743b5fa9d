/** The main area's tabs: which views are open and which one is shown. */

export type TabKind = 'predict' | 'diagnostics';

export interface Tab {
  id: string;
  kind: TabKind;
  title: string;
}

const TITLES: Record<TabKind, string> = { predict: 'Predict', diagnostics: 'Diagnostics' };

export class TabsState {
  tabs = $state<Tab[]>([]);
  activeId = $state<string | null>(null);
  active = $derived(this.tabs.find((t) => t.id === this.activeId) ?? null);

  /** Show the tab of this kind, opening it if needed (one tab per kind for now). */
  open(kind: TabKind): void {
    const existing = this.tabs.find((t) => t.kind === kind);
    if (existing) {
      this.activeId = existing.id;
      return;
    }
    const tab = { id: kind, kind, title: TITLES[kind] };
    this.tabs.push(tab);
    this.activeId = tab.id;
  }

  close(id: string): void {
    const index = this.tabs.findIndex((t) => t.id === id);
    if (index < 0) return;
    this.tabs.splice(index, 1);
    if (this.activeId === id) this.activeId = this.tabs[Math.min(index, this.tabs.length - 1)]?.id ?? null;
  }

  activate(id: string): void {
    if (this.tabs.some((t) => t.id === id)) this.activeId = id;
  }
}
