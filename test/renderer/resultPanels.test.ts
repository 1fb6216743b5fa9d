/** Result views: chart data, orientation and CSV, checked against direct indexing of the results. */
import { describe, expect, it } from 'vitest';
import { matrixCsv, toCsv } from '../../src/renderer/src/lib/csv';
import { attentionMatrix, resultPanels, tokenShade } from '../../src/renderer/src/lib/resultPanels';
import type { AttentionView, CopyScoresView, DlaView, LogitLensView, PatchGroupsView, PatchView } from '../../src/renderer/src/lib/resultTypes';
import { metricDefinition } from '../../src/shared/metrics/definitions';

describe('CSV', () => {
  it('quotes fields that need it and ends rows with CRLF', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], [1.5, null]])).toBe('a,b\r\n"x,y","say ""hi"""\r\n1.5,\r\n');
    expect(matrixCsv('layer', 'head', ['L0', 'L1'], ['H0', 'H1'], [1, 2, 3, 4]).split('\r\n').slice(1, 5)).toEqual(['L0,H0,1', 'L0,H1,2', 'L1,H0,3', 'L1,H1,4']);
  });
});

describe('result panels', () => {
  it('draws the logit lens mean over its stages, with every prompt in the CSV', () => {
    const r: LogitLensView = { kind: 'logit-lens', side: 'clean', convention: '', stages: ['embed', 'L0 post'], perPrompt: [[1, 2], [3, 6]], mean: [2, 4] };
    const [panel] = resultPanels(r);
    expect(panel.type).toBe('chart');
    if (panel.type !== 'chart') return;
    const series = panel.option.series as { name: string; data: number[] }[];
    expect(series.at(-1)).toMatchObject({ name: 'mean', data: [2, 4] });
    expect(panel.csv).toBe('stage,mean,prompt 0,prompt 1\r\nembed,2,1,3\r\nL0 post,4,2,6\r\n');
  });

  it('puts a head pattern in the heatmap with the first destination token on top', () => {
    // [L=1, H=2, T=2, T=2]: values[((l * H + h) * T + q) * T + k]
    const r: AttentionView = { kind: 'attention', tokens: ['A', 'B'], shape: [1, 2, 2, 2], values: [1, 0, 0.5, 0.5, 1, 0, 0.25, 0.75] };
    // Head 1 rows (q=0: [1, 0], q=1: [0.25, 0.75]) with q reversed for bottom-up heatmap rows.
    expect(attentionMatrix(r, 0, 1)).toEqual([0.25, 0.75, 1, 0]);
    const [panel] = resultPanels(r, { layer: 0, head: 1 });
    expect(panel.title).toBe('Attention pattern L0H1');
    if (panel.type !== 'chart') throw new Error('expected a chart');
    const yAxis = panel.option.yAxis as { data: string[] };
    expect(yAxis.data).toEqual(['1:B', '0:A']);
    const data = (panel.option.series as { data: number[][] }[])[0].data;
    // The cell at (x = source 0, y = top row = destination 0) holds pattern[q=0][k=0].
    expect(data.find(([x, y]) => x === 0 && y === 1)?.[2]).toBe(1);
  });

  it('sums DLA by source position over the heads of each layer', () => {
    const L = 2;
    const H = 2;
    const T = 3;
    const values = Array.from({ length: L * H * T }, (_, i) => i);
    const r: DlaView = { kind: 'dla', side: 'clean', components: ['embed'], mean: [0.5], heads: { shape: [L, H], values: [1, 2, 3, 4] }, byPosition: [{ length: T, positions: ['a', 'b', 'c'], shape: [L, H, T], values, prompts: 4 }] };
    const panels = resultPanels(r);
    const byPos = panels.find((p) => p.id === 'dla-positions');
    if (byPos?.type !== 'chart') throw new Error('expected the by-position chart');
    const cells = (byPos.option.series as { data: number[][] }[])[0].data;
    for (let l = 0; l < L; l++) {
      for (let t = 0; t < T; t++) {
        let expected = 0;
        for (let h = 0; h < H; h++) expected += values[(l * H + h) * T + t];
        expect(cells.find(([x, y]) => x === t && y === l)?.[2]).toBe(expected);
      }
    }
    expect(panels.find((p) => p.id === 'dla-heads')?.csv.split('\r\n')[4]).toBe('L1,H1,4');
  });

  it('shows head-by-position patching as one row per head', () => {
    const r: PatchView = { kind: 'patch', target: 'head-pos', direction: 'denoise', metric: 'logit-diff', axes: ['layer', 'head', 'position'], shape: [1, 2, 3], labels: { position: ['x', 'y', 'z'] }, values: [0, 1, 2, 3, 4, 5], hookPoint: '' };
    const [panel] = resultPanels(r);
    if (panel.type !== 'chart') throw new Error('expected a chart');
    expect((panel.option.yAxis as { data: string[] }).data).toEqual(['L0H0', 'L0H1']);
    expect(panel.csv.split('\r\n')[6]).toBe('L0H1,z,5');
  });

  it('sorts copy scores by copying score, highest first', () => {
    const r: CopyScoresView = { kind: 'copy-scores', k: 5, shape: [1, 3], copying: [0.1, 0.9, 0.5], negative: [0, 0, 0.2], chance: 0.02 };
    const [panel] = resultPanels(r);
    if (panel.type !== 'table') throw new Error('expected a table');
    expect(panel.rows.map((row) => row[0])).toEqual(['L0H1', 'L0H2', 'L0H0']);
  });

  it('ranks copy scores by antonym score when antonym pairs were scored, with the average head as the last row and the input in the title', () => {
    const r: CopyScoresView = {
      kind: 'copy-scores',
      k: 5,
      shape: [1, 3],
      copying: [0.9, 0.1, 0.5],
      negative: [0, 0.3, 0],
      antonym: [0.2, 0.7, 0.4],
      chance: 0.02,
      input: 'mlp0',
      averageHead: { copying: 0.6, negative: 0.05, antonym: 0.1 },
    };
    const [panel] = resultPanels(r);
    if (panel.type !== 'table') throw new Error('expected a table');
    expect(panel.title).toBe('Copy scores (top-5, input after MLP0, chance 0.020)');
    expect(panel.columns).toEqual(['head', 'copying', 'negative', 'antonym']);
    expect(panel.rows).toEqual([
      ['L0H1', 0.1, 0.3, 0.7],
      ['L0H2', 0.5, 0, 0.4],
      ['L0H0', 0.9, 0, 0.2],
      ['average head (all OV matrices averaged)', 0.6, 0.05, 0.1],
    ]);
  });

  it('shades tokens by activation sign and size', () => {
    expect(tokenShade(2, 4)).toBe('rgba(110, 168, 254, 0.500)');
    expect(tokenShade(-8, 4)).toBe('rgba(242, 139, 130, 1.000)');
  });

  it('shows patching by position on mixed templates as one panel per template, columns named by the template', () => {
    const panel = (template: string, positions: string[], rows: number[]): PatchGroupsView['panels'][number] => ({
      key: template,
      template,
      length: positions.length,
      rows,
      positions,
      result: { kind: 'patch', target: 'resid', direction: 'denoise', metric: 'logit-diff', axes: ['layer', 'position'], shape: [1, positions.length], labels: { layer: ['L0'], position: positions }, values: positions.map((_, i) => i / 10), hookPoint: 'resid_pre' },
    });
    const r: PatchGroupsView = { kind: 'patch-groups', target: 'resid', direction: 'denoise', metric: 'logit-diff', prompts: 5, panels: [panel('ioi-a', ['IO', 'S1', 'S2', 'END'], [0, 2, 4]), panel('ioi-b', ['S1', 'IO', 'S2', 'END'], [1, 3])] };
    const panels = resultPanels(r);
    expect(panels.map((p) => p.title)).toEqual([
      'Activation patching: resid (denoise, logit-diff) — template ioi-a (3 prompts)',
      'Activation patching: resid (denoise, logit-diff) — template ioi-b (2 prompts)',
    ]);
    const second = panels[1];
    if (second.type !== 'chart') throw new Error('expected a chart');
    expect((second.option.xAxis as { data: string[] }).data).toEqual(['S1', 'IO', 'S2', 'END']);
    // The colour bar names the metric and its unit, from the definitions registry.
    expect((second.option.title as { subtext: string }).subtext).toBe(`colour: ${metricDefinition('normalised-patching-effect').label} (${metricDefinition('normalised-patching-effect').unit})`);
  });

  it('lists the logit lens top tokens per layer and position, most probable first', () => {
    const top = (a: string, pa: number, b: string, pb: number) => [{ token: a, id: 1, prob: pa }, { token: b, id: 2, prob: pb }];
    const r: LogitLensView = {
      kind: 'logit-lens', side: 'clean', convention: '', stages: ['embed', 'L0 post'], perPrompt: [[1, 2]], mean: [1, 2],
      topTokens: { k: 2, stages: ['embed', 'L0 post'], tokens: ['When', ' Mary'], top: [[top(' the', 0.5, ',', 0.25), top(' and', 0.4, ' John', 0.1)], [top(' Mary', 0.9, ' the', 0.05), top(' John', 0.7, ' Mary', 0.2)]], item: 0 },
    };
    const table = resultPanels(r)[1];
    if (table.type !== 'table') throw new Error('expected a table');
    expect(table.columns).toEqual(['stage', '0:When', '1: Mary']);
    expect(table.rows[1]).toEqual(['L0 post', ' Mary 90% ·  the 5%', ' John 70% ·  Mary 20%']);
    expect(table.csv.split('\r\n')[1]).toBe('embed,0,When,1, the,0.5');
  });

  it('shows DLA by source position one panel per template group, none dropped, positions named by the template', () => {
    const table = (positions: string[], prompts: number) => ({ length: positions.length, positions, shape: [1, 1, positions.length] as [number, number, number], values: positions.map(() => 1), prompts });
    const r: DlaView = {
      kind: 'dla', side: 'clean', components: ['embed'], mean: [0], heads: { shape: [1, 1], values: [0] },
      byPosition: [table(['IO', 'S1', 'S2', 'END'], 3), table(['S1', 'IO', 'X', 'S2', 'END'], 2)],
      panels: [
        { key: 'a', template: 'ioi/a', length: 4, rows: [0, 1, 2], positions: ['IO', 'S1', 'S2', 'END'] },
        { key: 'b', template: 'ioi/b', length: 5, rows: [3, 4], positions: ['S1', 'IO', 'X', 'S2', 'END'] },
      ],
    };
    const charts = resultPanels(r).filter((p) => p.id.startsWith('dla-positions'));
    expect(charts.map((p) => p.title)).toEqual([
      'Direct logit attribution by source position — template ioi/a (3 prompts)',
      'Direct logit attribution by source position — template ioi/b (2 prompts)',
    ]);
    const second = charts[1];
    if (second.type !== 'chart') throw new Error('expected a chart');
    expect((second.option.xAxis as { data: string[] }).data).toEqual(['S1', 'IO', 'X', 'S2', 'END']);
  });
});
