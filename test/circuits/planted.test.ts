/**
 * The planted induction circuit (planted.ts): every method must find exactly the five planted
 * edges, and the planted circuit must score as the whole model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { batchFromTokens, type PromptBatch } from '../../src/main/analysis/promptBatch';
import { EdgeRunner } from '../../src/main/circuits/intervene';
import { acdcInitialState, acdcStep, runAcdc, type AcdcState } from '../../src/main/circuits/acdc';
import { edgeAttribution } from '../../src/main/circuits/eap';
import { pathPatching } from '../../src/main/circuits/pathPatching';
import { completeness, faithfulness, faithfulnessCurve, minimality, overlap } from '../../src/main/circuits/evaluation';
import { selectEdges } from '../../src/main/circuits/select';
import { decodeMask } from '../../src/main/circuits/maskCodec';
import type { ModelGraph } from '../../src/main/circuits/graph';
import { startBackend } from '../helpers/engine';
import { inductionTask, PLANTED_EDGES, plantedModel } from './planted';

type Planted = ReturnType<typeof plantedModel>;
let ln: Planted;
let plain: Planted;
let batch: PromptBatch;

beforeAll(async () => {
  await startBackend();
  ln = plantedModel({ normalization: 'LN' });
  plain = plantedModel({ normalization: 'none' });
  batch = batchFromTokens(inductionTask(24));
});
afterAll(() => {
  ln?.model.dispose();
  plain?.model.dispose();
});

const names = (g: ModelGraph, mask: Uint8Array): string[] => Array.from({ length: g.edgeCount }, (_, e) => e).filter((e) => mask[e]).map((e) => g.edgeName(e)).sort();
const plantedMask = (g: ModelGraph): Uint8Array => {
  const m = g.fullMask(false);
  for (const n of PLANTED_EDGES) m[g.edgeByName(n)] = 1;
  return m;
};

describe('the planted model', () => {
  it('solves its task, and each planted edge alone matters while every other edge does not', async () => {
    const runner = await EdgeRunner.create(ln.model, batch);
    const g = runner.graph;
    expect(runner.baseline.clean).toBeGreaterThan(4);
    expect(runner.baseline.corrupted).toBeLessThan(-4);
    const single = await runner.evaluate(Array.from({ length: g.edgeCount }, (_, e) => {
      const m = g.fullMask();
      m[e] = 0;
      return m;
    }));
    for (let e = 0; e < g.edgeCount; e++) {
      const effect = Math.abs(single[e] - runner.baseline.clean);
      if (PLANTED_EDGES.includes(g.edgeName(e))) expect(effect, g.edgeName(e)).toBeGreaterThan(1);
      else expect(effect, g.edgeName(e)).toBeLessThan(1e-4);
    }
    runner.dispose();
  });
});

describe('ACDC on the planted circuit', () => {
  it.each([['logit-diff', 0.5], ['kl', 0.02]] as const)('recovers exactly the planted edges (%s, tau %s), whatever the batch of trials', async (metric, tau) => {
    const runner = await EdgeRunner.create(ln.model, batch, { metric });
    const serial = await runAcdc(runner, { tau, maxBatch: 1 });
    const batched = await runAcdc(runner, { tau, maxBatch: 64 });
    expect(names(runner.graph, serial.mask)).toEqual([...PLANTED_EDGES].sort());
    expect({ ...batched.state, steps: 0 }).toEqual({ ...serial.state, steps: 0 });
    expect(batched.stepsThisRun).toBeLessThan(serial.stepsThisRun);
    expect(serial.state.tried).toBe(serial.state.kept + serial.state.removed);
    expect(serial.state.kept).toBe(PLANTED_EDGES.length);
    runner.dispose();
  });

  it('a run interrupted and resumed from its JSON checkpoint reaches the same circuit', async () => {
    const tau = 0.5;
    const reference = await (async () => {
      const runner = await EdgeRunner.create(ln.model, batch);
      const r = await runAcdc(runner, { tau, maxBatch: 4 });
      runner.dispose();
      return r.state;
    })();
    let checkpoint = '';
    {
      const runner = await EdgeRunner.create(ln.model, batch);
      let state = acdcInitialState(runner, { tau }, runner.baseline.clean);
      for (let i = 0; i < 5; i++) state = await acdcStep(runner, state, { maxBatch: 4 });
      expect(state.done).toBe(false);
      checkpoint = JSON.stringify(state);
      runner.dispose(); // the "process" dies here
    }
    const runner = await EdgeRunner.create(ln.model, batch);
    const resumed = await runAcdc(runner, { tau, maxBatch: 4, resumeState: JSON.parse(checkpoint) as AcdcState });
    expect(resumed.state).toEqual(reference);
    await expect(runAcdc(runner, { tau, resumeState: { ...(JSON.parse(checkpoint) as AcdcState), edgeCount: 3 } })).rejects.toThrow(/made for a graph of 3 edges, this model has 46/);
    runner.dispose();
  });

  it('is cancellable, and leaves no tensors behind', async () => {
    const runner = await EdgeRunner.create(ln.model, batch);
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let calls = 0;
    await expect(runAcdc(runner, { tau: 0.5, maxBatch: 1, signal: controller.signal, onState: () => void (++calls === 3 && controller.abort()) })).rejects.toThrow(/cancelled/);
    expect(calls).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
    runner.dispose();
  });

  it('EAP first, then ACDC on what survives, ends at the planted circuit', async () => {
    const runner = await EdgeRunner.create(ln.model, batch);
    const { scores } = await edgeAttribution(ln.model, batch, { steps: 5 });
    const start = selectEdges(runner.graph, scores, { topN: 15 });
    const r = await runAcdc(runner, { tau: 0.5, initialMask: start });
    expect(names(runner.graph, r.mask)).toEqual([...PLANTED_EDGES].sort());
    expect(r.state.tried).toBeLessThan(15);
    runner.dispose();
  });
});

describe('edge attribution on the planted circuit', () => {
  const ranksPlantedFirst = (g: ModelGraph, scores: Float32Array): { worstPlanted: number; bestOther: number } => {
    let worstPlanted = Infinity;
    let bestOther = 0;
    for (let e = 0; e < g.edgeCount; e++) {
      const s = Math.abs(scores[e]);
      if (PLANTED_EDGES.includes(g.edgeName(e))) worstPlanted = Math.min(worstPlanted, s);
      else bestOther = Math.max(bestOther, s);
    }
    return { worstPlanted, bestOther };
  };

  it.each([['EAP', 0], ['EAP-IG', 10]] as const)('%s ranks every planted edge above every other edge (no LayerNorm)', async (_name, steps) => {
    const { scores, graph } = await edgeAttribution(plain.model, batch, { steps });
    const { worstPlanted, bestOther } = ranksPlantedFirst(graph, scores);
    expect(worstPlanted).toBeGreaterThan(2 * bestOther);
    expect(overlap(selectEdges(graph, scores, { topN: 5 }), plantedMask(graph), scores).rocAuc).toBe(1);
  });

  it.each([['EAP', 0], ['EAP-IG', 10]] as const)('%s ranks every planted edge above every other edge (LayerNorm)', async (_name, steps) => {
    const { scores, graph } = await edgeAttribution(ln.model, batch, { steps });
    const { worstPlanted, bestOther } = ranksPlantedFirst(graph, scores);
    expect(worstPlanted).toBeGreaterThan(bestOther);
  });

  it('EAP-IG estimates the planted edges far better than EAP where attention saturates', async () => {
    const runner = await EdgeRunner.create(ln.model, batch);
    const g = runner.graph;
    const eap = await edgeAttribution(ln.model, batch, {});
    const ig = await edgeAttribution(ln.model, batch, { steps: 10 });
    const edge = g.edgeByName('input->a0.h0:v');
    const m = g.fullMask();
    m[edge] = 0;
    const [removed] = await runner.evaluate([m]);
    const truth = removed - runner.baseline.clean;
    expect(Math.abs(ig.scores[edge] - truth)).toBeLessThan(Math.abs(eap.scores[edge] - truth));
    runner.dispose();
  });
});

describe('path patching on the planted circuit', () => {
  it("singles out the previous-token head as the sender into the induction head's key", async () => {
    const r = await pathPatching(ln.model, batch, { receivers: [{ node: 'a1.h0', inputs: ['k'] }] });
    expect(r.shape).toEqual([2, 2]);
    const [prev, junk, l1h0, l1h1] = r.raw;
    expect(r.baseline.clean - (prev as number)).toBeGreaterThan(1);
    expect(Math.abs(r.baseline.clean - (junk as number))).toBeLessThan(1e-4);
    expect(l1h0).toBeNull();
    expect(l1h1).toBeNull();
    const out = r.receiverOutputs[0];
    expect(out.receiver).toBe('a1.h0');
    expect(out.values[0]).toBeGreaterThan(0.1 * out.cleanNorm);
    expect(out.values[1]).toBeLessThan(1e-4 * out.cleanNorm);
  });

  it('singles out the induction head as the sender into the logits, and no sender into its query', async () => {
    const logits = await pathPatching(ln.model, batch, { receivers: [{ node: 'logits' }] });
    const drops = logits.raw.map((v) => Math.abs(logits.baseline.clean - (v as number)));
    expect(drops[2]).toBeGreaterThan(5);
    for (const i of [0, 1, 3]) expect(drops[i]).toBeLessThan(1e-4);
    expect(logits.values[2]).toBeCloseTo(0, 1); // patching a1.h0 -> logits alone is the whole corrupted effect
    const query = await pathPatching(ln.model, batch, { receivers: [{ node: 'a1.h0', inputs: ['q'] }] });
    for (const v of query.raw.slice(0, 2)) expect(Math.abs(query.baseline.clean - (v as number))).toBeLessThan(1e-4);
  });
});

describe('circuit evaluation on the planted circuit', () => {
  it('the planted circuit is faithful, the empty circuit is not', async () => {
    const runner = await EdgeRunner.create(ln.model, batch);
    const g = runner.graph;
    const planted = await faithfulness(runner, plantedMask(g));
    expect(planted.ratio).toBeCloseTo(1, 3);
    expect(planted.normalized).toBeCloseTo(1, 3);
    expect(planted.edges).toBe(5);
    const empty = await faithfulness(runner, g.fullMask(false));
    expect(empty.normalized).toBe(0);
    runner.dispose();
    // Mean ablation over a balanced set (each pair also mirrored) leaves no answer preferred.
    const mirrored = inductionTask(24);
    const balanced = batchFromTokens([...mirrored, ...mirrored.map((p) => ({ clean: p.corrupted, corrupted: p.clean, correct: p.incorrect, incorrect: p.correct }))]);
    const mean = await EdgeRunner.create(ln.model, balanced, { ablation: 'mean' });
    const plantedMean = await faithfulness(mean, plantedMask(g));
    const emptyMean = await faithfulness(mean, g.fullMask(false));
    expect(plantedMean.ratio).toBeGreaterThan(0.9);
    expect(plantedMean.ratio).toBeLessThan(1.1);
    expect(Math.abs(emptyMean.ratio)).toBeLessThan(0.15);
    mean.dispose();
  });

  it('the planted circuit is complete and minimal', async () => {
    const runner = await EdgeRunner.create(ln.model, batch);
    const g = runner.graph;
    const mask = plantedMask(g);
    const c = await completeness(runner, mask, { samples: 6, greedySteps: 2 });
    expect(c.random).toHaveLength(6);
    expect(c.classes.map((k) => k.name).sort()).toEqual(['layer 0', 'layer 1']);
    expect(c.greedy).toHaveLength(2);
    expect(c.worst).toBeLessThan(1e-3); // nothing outside the circuit matters, so knocking out K hurts C and M alike
    // an incomplete circuit (the query edge missing) is caught by the greedy search
    const partial = mask.slice();
    partial[g.edgeByName('input->a1.h0:q')] = 0;
    const cp = await completeness(runner, partial, { samples: 2, greedySteps: 1 });
    expect(cp.worst).toBeGreaterThan(0.5);
    const mini = await minimality(runner, mask);
    expect(mini.map((m) => m.node).sort()).toEqual(['a0.h0', 'a1.h0']);
    for (const m of mini) expect(m.drop).toBeGreaterThan(1);
    runner.dispose();
  });

  it('the faithfulness curve of EAP-IG scores reaches 1 once the planted edges are in, with CPR and CMD as areas', async () => {
    const runner = await EdgeRunner.create(ln.model, batch);
    const { scores } = await edgeAttribution(ln.model, batch, { steps: 10 });
    const fractions = [0.05, 0.1, 0.2, 0.5, 1];
    const curve = await faithfulnessCurve(runner, scores, { fractions });
    expect(curve.points.map((p) => p.requested)).toEqual([3, 5, 10, 23, 46]);
    const at = (f: number): number => curve.points.find((p) => p.fraction === f)!.faithfulness;
    for (const f of [0.1, 0.2, 0.5, 1]) expect(at(f)).toBeCloseTo(1, 3);
    expect(at(0.05)).toBeLessThan(0.9); // three edges cannot carry the circuit
    // From the construction: f = 1 from fraction 0.1 on (the planted edges are in), f3 = f(0.05)
    // below it. The areas over [0.05, 1] in closed form (trapezoids on 0.05..0.1, then f = 1):
    //   CPR = 0.05 (f3 + 1) / 2 + (1 - 0.1) = 0.9 + 0.025 (f3 + 1),   CMD = 0.025 |1 - f3|.
    // Each point with f = 1 is within 1e-3 of it, so the areas are within 1e-3 too.
    const f3 = at(0.05);
    expect(Math.abs(curve.cpr - (0.9 + 0.025 * (f3 + 1)))).toBeLessThan(1e-3);
    expect(Math.abs(curve.cmd - 0.025 * Math.abs(1 - f3))).toBeLessThan(1e-3);
    expect(curve.cmd).toBeGreaterThan(0.025 * 0.1); // f3 < 0.9 above
    runner.dispose();
  });

  it('overlap of the ACDC circuit with the planted one is perfect', async () => {
    const runner = await EdgeRunner.create(ln.model, batch);
    const r = await runAcdc(runner, { tau: 0.5 });
    const o = overlap(r.mask, plantedMask(runner.graph));
    expect(o).toMatchObject({ precision: 1, recall: 1, intersection: 5 });
    expect(decodeMask(r.state.present, runner.graph.edgeCount)).toEqual(r.mask);
    runner.dispose();
  });
});
