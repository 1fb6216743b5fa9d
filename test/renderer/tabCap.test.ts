import { describe, expect, it } from 'vitest';
import { TAB_CAPS, tabsOverCap } from '../../src/renderer/src/lib/tabCap';

const runTabs = (n: number): { id: string; kind: string }[] => Array.from({ length: n }, (_, i) => ({ id: `run:${i}`, kind: 'run' }));

describe('result tabs are capped', () => {
  it('closes nothing below the cap, and the oldest run tab once one more would pass it', () => {
    const cap = TAB_CAPS.run!;
    expect(tabsOverCap(runTabs(cap - 1), 'run', null)).toEqual([]);
    expect(tabsOverCap(runTabs(cap), 'run', null)).toEqual(['run:0']);
  });

  it('never closes the tab on screen, and leaves other kinds alone', () => {
    const tabs = [{ id: 'predict', kind: 'predict' }, ...runTabs(TAB_CAPS.run!)];
    expect(tabsOverCap(tabs, 'run', 'run:0')).toEqual(['run:1']);
    expect(tabsOverCap(tabs, 'predict', null)).toEqual([]);
  });
});
