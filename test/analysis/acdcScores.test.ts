/**
 * ACDC keeps, for every edge it tries, the metric change it measured: the metric of the graph
 * without the edge minus the metric of the current graph. Checked against a replay that evaluates
 * those two graphs directly (full forwards, no prefix cache, no speculation), and through the
 * stored circuit document whose edges carry the scores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchFromTokens, type PromptBatch } from '../../src/main/analysis/promptBatch';
import { EdgeRunner } from '../../src/main/circuits/intervene';
import { acdcInitialState, acdcOrder, acdcStep, decodeScores, runAcdc } from '../../src/main/circuits/acdc';
import { decodeMask } from '../../src/main/circuits/maskCodec';
import { acdcCircuit } from '../../src/main/circuits/service';
import { startBackend } from '../helpers/engine';
import { inductionTask, PLANTED_EDGES, plantedModel } from '../circuits/planted';

let planted: ReturnType<typeof plantedModel>;
let batch: PromptBatch;

beforeAll(async () => {
  await startBackend();
  planted = plantedModel({ normalization: 'LN' });
  batch = batchFromTokens(inductionTask(24));
});
afterAll(() => planted?.model.dispose());

describe('ACDC edge scores', () => {
  it('equal the metric change of removing the edge from the graph it was tried on (replayed serially)', async () => {
    const runner = await EdgeRunner.create(planted.model, batch);
    const g = runner.graph;
    const order = acdcOrder(g);
    let state = acdcInitialState(runner, { tau: 0.5 }, runner.baseline.clean);
    const expected = new Map<number, number>();
    while (!state.done) {
      const before = decodeMask(state.present, g.edgeCount);
      const next = await acdcStep(runner, state, { maxBatch: 1 });
      // The one edge this step tried (maxBatch 1): the first present edge from state.next on.
      const tried = next.tried - state.tried;
      if (tried === 1) {
        let p = state.next;
        while (!before[order.edges[p]]) p++;
        const e = order.edges[p];
        const without = before.slice();
        without[e] = 0;
        const [withEdge, withoutEdge] = await runner.evaluate([before, without]);
        expected.set(e, withoutEdge - withEdge);
      }
      state = next;
    }
    const scores = decodeScores(state);
    expect(expected.size).toBe(state.tried);
    for (let e = 0; e < g.edgeCount; e++) {
      if (expected.has(e)) expect(scores[e], g.edgeName(e)).toBeCloseTo(expected.get(e)!, 4);
      else expect(scores[e], `${g.edgeName(e)} was never tried`).toBeNaN();
    }
    runner.dispose();
  });

  it('do not depend on the batch of trials, and the planted edges carry large changes while the others carry none', async () => {
    const runner = await EdgeRunner.create(planted.model, batch);
    const g = runner.graph;
    const serial = await runAcdc(runner, { tau: 0.5, maxBatch: 1 });
    const batched = await runAcdc(runner, { tau: 0.5, maxBatch: 64 });
    for (let e = 0; e < g.edgeCount; e++) {
      if (Number.isNaN(serial.scores[e])) expect(batched.scores[e]).toBeNaN();
      else expect(batched.scores[e], g.edgeName(e)).toBeCloseTo(serial.scores[e], 4);
      if (!serial.mask[e]) continue;
      // Kept edges: removing one moved the logit difference by more than tau (it fell, hence negative).
      expect(serial.scores[e], g.edgeName(e)).toBeLessThan(-0.5);
    }
    for (let e = 0; e < g.edgeCount; e++) if (!serial.mask[e] && !Number.isNaN(serial.scores[e])) expect(Math.abs(serial.scores[e]), g.edgeName(e)).toBeLessThan(0.5);
    runner.dispose();
  });

  it('are written on the edges of the circuit ACDC reports', async () => {
    const report = await acdcCircuit(planted.model, batch, { tau: 0.5 });
    const runner = await EdgeRunner.create(planted.model, batch);
    const g = runner.graph;
    const direct = await runAcdc(runner, { tau: 0.5 });
    const edges = report.circuit.graph.edges;
    expect(edges.map((e) => `${e.source}->${e.target}${e.input ? `:${e.input}` : ''}`).sort()).toEqual([...PLANTED_EDGES].sort());
    for (const edge of edges) {
      const e = g.edgeByName(`${edge.source}->${edge.target}${edge.input ? `:${edge.input}` : ''}`);
      expect(edge.score).toBeCloseTo(direct.scores[e], 5);
      expect(edge.score!).toBeLessThan(-0.5);
    }
    expect(JSON.stringify(report.state)).toContain('"scores"');
    runner.dispose();
  });

  it('a checkpoint without scores (older format) resumes, with NaN for the edges tried before', async () => {
    const runner = await EdgeRunner.create(planted.model, batch);
    let state = acdcInitialState(runner, { tau: 0.5 }, runner.baseline.clean);
    for (let i = 0; i < 3; i++) state = await acdcStep(runner, state, { maxBatch: 1 });
    const { scores: _dropped, ...old } = state;
    const resumed = await runAcdc(runner, { tau: 0.5, maxBatch: 1, resumeState: JSON.parse(JSON.stringify(old)) });
    const tried = Array.from(resumed.scores).filter((x) => !Number.isNaN(x)).length;
    expect(tried).toBe(resumed.state.tried - state.tried);
    await expect(runAcdc(runner, { tau: 0.5, resumeState: { ...state, scores: 'AAAA' } })).rejects.toThrow(/edge scores hold 3 bytes; 46 edges need 184/);
    runner.dispose();
  });
});
