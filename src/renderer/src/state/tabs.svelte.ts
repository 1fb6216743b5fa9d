/** The main area's tabs: which views are open and which one is shown. */
import { tabsOverCap } from '../lib/tabCap';

export type TabKind = 'predict' | 'diagnostics' | 'dataset' | 'new-dataset' | 'new-study' | 'analysis' | 'run' | 'circuit' | 'diff' | 'edit';

export interface Tab {
  id: string;
  kind: TabKind;
  title: string;
  /** The record the tab shows (dataset, run or circuit id). */
  ref?: number;
}

const TITLES: Record<TabKind, string> = {
  predict: 'Predict',
  diagnostics: 'Diagnostics',
  dataset: 'Dataset',
  'new-dataset': 'New dataset',
  'new-study': 'New study',
  analysis: 'Analyses',
  run: 'Run',
  circuit: 'Circuit',
  diff: 'Compare circuits',
  edit: 'Edit model',
};

export class TabsState {
  tabs = $state<Tab[]>([]);
  activeId = $state<string | null>(null);
  active = $derived(this.tabs.find((t) => t.id === this.activeId) ?? null);

  /** Show the tab of this kind (and record), opening it if needed. */
  open(kind: TabKind, ref?: number, title?: string): void {
    const id = ref === undefined ? kind : `${kind}:${ref}`;
    const existing = this.tabs.find((t) => t.id === id);
    if (existing) {
      if (title) existing.title = title;
      this.activeId = existing.id;
      return;
    }
    for (const old of tabsOverCap(this.tabs, kind, this.activeId)) this.close(old);
    this.tabs.push({ id, kind, title: title ?? TITLES[kind], ...(ref === undefined ? {} : { ref }) });
    this.activeId = id;
  }

  rename(kind: TabKind, ref: number, title: string): void {
    const tab = this.tabs.find((t) => t.id === `${kind}:${ref}`);
    if (tab) tab.title = title;
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
