/**
 * An AtP* result on screen: computed by the real analysis on a small model, sent through JSON as a
 * run's summary is, and drawn as exact patching's heatmap (with the AtP* colour legend) plus the
 * verified cells (estimate beside exact) and the cost and bound, each column naming its metric.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HookedGPT2 } from '../../src/main/engine/model';
import { attributionPatching } from '../../src/main/analysis/attribution/atpStar';
import { batchFromTokens } from '../../src/main/analysis/promptBatch';
import { resultPanels } from '../../src/renderer/src/lib/resultPanels';
import type { PatchView } from '../../src/renderer/src/lib/resultTypes';
import { metricDefinition } from '../../src/shared/metrics/definitions';
import { randomModel, randomTokens, startBackend, tinyConfig } from '../helpers/engine';

let model: HookedGPT2;
const config = tinyConfig({ n_layer: 2, n_head: 3, n_embd: 12 });

beforeAll(async () => {
  await startBackend();
  model = randomModel(config, 8, 0.4).model;
});
afterAll(() => model.dispose());

describe('AtP* result panels', () => {
  it('draws the estimates like exact patching, then the verified cells and the cost', async () => {
    const clean = randomTokens(3, 5, config.vocabSize, 1);
    const batch = batchFromTokens(clean.map((c, b) => ({ clean: c, corrupted: c.map((t, i) => (i === 1 ? (t + 2 + b) % config.vocabSize : t)), correct: c[1], incorrect: (c[1] + 2 + b) % config.vocabSize })));
    const result = await attributionPatching(model, batch, { target: 'heads', verifyTop: 4 });
    const r = JSON.parse(JSON.stringify(result)) as PatchView;
    const panels = resultPanels(r);
    expect(panels.map((p) => p.type)).toEqual(['chart', 'table', 'table']);

    const [heatmap, verified, cost] = panels;
    if (heatmap.type !== 'chart' || verified.type !== 'table' || cost.type !== 'table') throw new Error('unexpected panel types');
    expect(heatmap.title).toBe('Attribution patching (AtP*): heads (denoise, logit-diff)');
    expect(heatmap.metric).toBe('atp-estimate');
    const cells = (heatmap.option.series as { data: number[][] }[])[0].data;
    for (let l = 0; l < 2; l++) for (let h = 0; h < 3; h++) expect(cells.find(([x, y]) => x === h && y === l)?.[2]).toBeCloseTo(result.values[l * 3 + h], 9);

    expect(verified.columnMetrics).toEqual([null, 'atp-estimate', 'normalised-patching-effect', 'normalised-patching-effect']);
    expect(verified.rows).toHaveLength(4);
    result.attribution.verified.forEach((v, i) => {
      expect(verified.rows[i][0]).toBe(`L${Math.floor(v.cell / 3)}H${v.cell % 3}`);
      expect(verified.rows[i][1]).toBeCloseTo(result.values[v.cell], 9);
      expect(verified.rows[i][2]).toBe(v.exactNormalised);
    });
    expect(verified.title).toContain('mean over 3 prompts');

    const byName = new Map(cost.rows.map((row) => [String(row[0]), row[1]]));
    expect(byName.get('AtP* total')).toBe(result.attribution.forwardEquivalents.total);
    expect(byName.get('exact patching of all 6 cells')).toBe(result.attribution.forwardEquivalents.exactAll);
    expect(byName.get('bound on each of the 2 skipped cells (heuristic)')).toBe(result.attribution.bound.normalised);
    expect(cost.columnMetrics?.[1]).toBe('forward-equivalents');
    expect(metricDefinition('atp-bound').definition).toMatch(/not a guarantee/);
  });
});
