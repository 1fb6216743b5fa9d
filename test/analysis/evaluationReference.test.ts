/**
 * The evaluation's reference values against independent runs of the planted model: F(M) is the
 * clean run's logit difference and F(∅) the corrupted run's (with corrupted ablation, every
 * receiver of the empty circuit sees the corrupted run), both from plain forwards; the planted
 * circuit reproduces the full model (every other edge has no effect by construction).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchFromTokens, type PromptBatch } from '../../src/main/analysis/promptBatch';
import { logitDifference } from '../../src/main/analysis/logitLens';
import { EdgeRunner } from '../../src/main/circuits/intervene';
import { completeness, evaluationScores, faithfulness, minimality } from '../../src/main/circuits/evaluation';
import { startBackend } from '../helpers/engine';
import { inductionTask, PLANTED_EDGES, plantedModel } from '../circuits/planted';

let planted: ReturnType<typeof plantedModel>;
let batch: PromptBatch;
const N = 16;

beforeAll(async () => {
  await startBackend();
  planted = plantedModel();
  batch = batchFromTokens(inductionTask(N));
});
afterAll(() => planted?.model.dispose());

describe('evaluation reference values', () => {
  it('F(C), F(M), F(∅), the ratios, completeness and minimality of the planted circuit, with n, dataset and ablation', async () => {
    const runner = await EdgeRunner.create(planted.model, batch);
    const g = runner.graph;
    const mask = g.fullMask(false);
    for (const n of PLANTED_EDGES) mask[g.edgeByName(n)] = 1;
    const faith = await faithfulness(runner, mask);
    const complete = await completeness(runner, mask, { samples: 3, greedySteps: 1 });
    const minimal = await minimality(runner, mask);
    const view = evaluationScores(faith, complete, minimal, { metric: runner.metricKind, ablation: runner.ablation, n: batch.size, dataset: { id: 3, name: 'induction' } });
    runner.dispose();

    const plain = await logitDifference(planted.model, batch);
    expect(view.fFull).toBeCloseTo(plain.meanClean, 4);
    expect(view.fEmpty).toBeCloseTo(plain.meanCorrupted, 4);
    expect(view.fCircuit).toBeCloseTo(plain.meanClean, 3);
    expect(view.faithfulness).toBeCloseTo(view.fCircuit / plain.meanClean, 4);
    expect(view.faithfulnessNormalised).toBeCloseTo((view.fCircuit - plain.meanCorrupted) / (plain.meanClean - plain.meanCorrupted), 4);
    expect(view.faithfulness).toBeCloseTo(1, 3);
    const knockOuts = [...complete.random, ...complete.classes, ...complete.greedy];
    expect(view.knockOutSets).toBe(knockOuts.length);
    expect(view.completeness).toBe(Math.max(0, ...knockOuts.map((k) => Math.abs(k.circuit - k.full))));
    const smallest = minimal.reduce((a, b) => (b.drop < a.drop ? b : a));
    expect(view.minimality).toBeCloseTo(smallest.drop / Math.abs(view.fCircuit), 6);
    expect(view.minimalityNode).toBe(smallest.node);
    expect(view).toMatchObject({ metric: 'logit-diff', ablation: 'corrupted', n: N, dataset: { id: 3, name: 'induction' }, edges: PLANTED_EDGES.length, nodes: minimal.length });
    // Every inner node of the planted circuit (a0.h0, a1.h0) matters.
    expect(minimal.map((m) => m.node).sort()).toEqual(['a0.h0', 'a1.h0']);
    expect(view.minimality!).toBeGreaterThan(0.1);
  });

  it('an evaluation with no inner nodes has no minimality', async () => {
    const runner = await EdgeRunner.create(planted.model, batch, { ablation: 'mean' });
    const g = runner.graph;
    const mask = g.fullMask(false);
    mask[g.edgeByName('input->logits')] = 1;
    const view = evaluationScores(await faithfulness(runner, mask), await completeness(runner, mask, { samples: 1, greedySteps: 1 }), await minimality(runner, mask), { metric: runner.metricKind, ablation: runner.ablation, n: batch.size });
    runner.dispose();
    expect(view.minimality).toBeNull();
    expect(view.minimalityNode).toBeNull();
    expect(view.ablation).toBe('mean');
    expect(view.dataset).toEqual({});
  });
});
