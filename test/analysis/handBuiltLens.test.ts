/**
 * Hand-built models whose answers are written down from their construction (handBuilt.ts): the
 * logit lens and the logit difference on the copy model, and the neuroscope on the neuron model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { logitDifference, logitLens } from '../../src/main/analysis/logitLens';
import { neuroscope } from '../../src/main/analysis/neuroscope';
import { batchFromTokens } from '../../src/main/analysis/promptBatch';
import { startBackend } from '../helpers/engine';
import { DEAD_NEURON, GAIN, NEURON, copyTask, dot, handBuiltModel, neuronActivation, neuronModel, type HandBuilt } from './handBuilt';

let hb: HandBuilt;
beforeAll(async () => {
  await startBackend();
  hb = handBuiltModel();
});
afterAll(() => hb.model.dispose());

describe('logit lens on the hand-built copy model', () => {
  const pairs = copyTask(10, 23);
  const batch = batchFromTokens(pairs);
  const e = (t: number): number[] => hb.embedding[t];
  const diff = (a: number, b: number): number[] => e(a).map((x, i) => x - e(b)[i]);

  it('stage "embed" is the last token against the answer direction; the layer adds the copy head\'s GAIN e[A].(e[A] - e[B])', async () => {
    const before = tf.memory().numTensors;
    const lens = await logitLens(hb.model, batch);
    expect(tf.memory().numTensors).toBe(before);
    expect(lens.stages).toEqual(['embed', 'L0 post']);
    pairs.forEach((p, i) => {
      const last = p.clean[p.clean.length - 1];
      const dir = diff(p.correct, p.incorrect);
      // Positions live on dims 32.. and tokens on dims 0..31: the position adds nothing.
      const embedStage = dot(e(last), dir);
      expect(lens.perPrompt[i][0]).toBeCloseTo(embedStage, 4);
      const copied = GAIN * dot(e(p.correct), dir);
      // The other heads are small and random: at most a tenth of the copy head's share.
      expect(Math.abs(lens.perPrompt[i][1] - embedStage - copied)).toBeLessThan(0.1 * copied);
      expect(lens.perPrompt[i][1]).toBeCloseTo(lens.logitDiff[i], 4);
    });
  });

  it('the logit difference flips sign on the corrupted prompts (the copy head copies B there)', async () => {
    const r = await logitDifference(hb.model, batch);
    pairs.forEach((p, i) => {
      const last = p.clean[p.clean.length - 1];
      const dir = diff(p.correct, p.incorrect);
      const base = dot(e(last), dir);
      const clean = base + GAIN * dot(e(p.correct), dir);
      const corrupted = base + GAIN * dot(e(p.incorrect), dir);
      expect(Math.abs(r.clean[i] - clean)).toBeLessThan(0.1 * Math.abs(clean - base));
      expect(Math.abs(r.corrupted[i] - corrupted)).toBeLessThan(0.1 * Math.abs(corrupted - base));
      expect(r.corrupted[i]).toBeLessThan(r.clean[i]);
    });
  });
});

describe('neuroscope on the hand-built neuron model', () => {
  it('ranks positions by 0.1 x token + 0.01 x position, across lengths and chunks; a dead neuron stays at 0', async () => {
    const { model } = neuronModel();
    const prompts = [[1, 5, 2], [7, 3, 7, 0], [4, 19, 6], [19, 1, 1, 2]];
    const before = tf.memory().numTensors;
    const r = await neuroscope(model, prompts, 0, NEURON, { k: 4, rowsPerRun: 1 });
    expect(tf.memory().numTensors).toBe(before);
    // By construction: token 19 at position 1 of prompt 2 (1.91), token 19 at position 0 of
    // prompt 3 (1.90), then token 7 at position 2 of prompt 1 (0.72) and at position 0 (0.70).
    expect(r.top.map((t) => [t.prompt, t.position])).toEqual([[2, 1], [3, 0], [1, 2], [1, 0]]);
    r.top.forEach((t) => expect(t.activation).toBeCloseTo(neuronActivation(prompts[t.prompt][t.position], t.position), 5));
    expect(r.top[2].activations.map((a) => Number(a.toFixed(5)))).toEqual(prompts[1].map((tok, p) => Number(neuronActivation(tok, p).toFixed(5))));
    expect(r.max).toBeCloseTo(1.91, 5);
    const all = prompts.flatMap((row) => row.map((tok, p) => neuronActivation(tok, p)));
    expect(r.positions).toBe(14);
    expect(r.mean).toBeCloseTo(all.reduce((a, b) => a + b, 0) / all.length, 5);
    const dead = await neuroscope(model, prompts, 0, DEAD_NEURON, { k: 3 });
    expect(dead.max).toBe(0);
    expect(dead.mean).toBe(0);
    model.dispose();
  });
});
