/**
 * Data-parallel training (training/gradientPool.ts): the gradient of a batch computed in shares
 * on this thread and worker threads equals the one-thread gradient of the whole batch, and a run
 * with two threads follows the one-thread run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTokenizerJson } from '../../src/main/datasets';
import { initBackend } from '../../src/main/engine/backend';
import { HookedGPT2 } from '../../src/main/engine/model';
import { tf } from '../../src/main/engine/tf';
import { tokenizerFromJson } from '../../src/main/tokenizer';
import { BatchStream } from '../../src/main/training/corpus';
import { GradientPool, splitBatch } from '../../src/main/training/gradientPool';
import type { TrainingRecipe } from '../../src/main/training/recipe';
import { batchGradients, configFor, initialParams, train } from '../../src/main/training/train';
import { makeTrainable } from '../../src/main/training/trainableWeights';

const tokenizer = tokenizerFromJson(defaultTokenizerJson());

const recipe = (steps: number): TrainingRecipe => ({
  seed: 21,
  architecture: { nLayer: 2, nHead: 2, dModel: 16, dMlp: 32, nCtx: 32 },
  data: { tasks: { ioi: 1, comparison: 1, latest: 1 }, filler: 0.5, fillerSentencesPerRow: 2, contrastPairs: 0.5, answerWeight: 4, bucketBatches: 2, fixedPremiseSteps: 0 },
  optimiser: { steps, batchSize: 9, learningRate: 3e-3, warmupSteps: 2, finalLrFraction: 0.1, beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: 0.01, clipNorm: 1 },
  init: { std: 0.1, embeddingStd: 0.3, positionStd: 0.3 },
});

let pool: GradientPool | undefined;
beforeAll(async () => {
  await initBackend();
});
afterAll(() => pool?.dispose());

describe('data-parallel training', () => {
  it('cuts a batch into shares of whole rows that cover it once', () => {
    const r = recipe(1);
    const batch = new BatchStream(tokenizer, r.data, r.architecture.nCtx, 9, r.seed).next();
    const T = batch.targets.length / 9;
    const shares = splitBatch(batch, 2);
    expect(shares.map((s) => s.inputs.length)).toEqual([5, 4]);
    expect(shares.flatMap((s) => s.inputs)).toEqual(batch.inputs);
    expect(Array.from(shares[1].targets)).toEqual(Array.from(batch.targets.slice(5 * T)));
    expect(shares[0].weightSum + shares[1].weightSum).toBeCloseTo(batch.weights.reduce((s, w) => s + w, 0), 4);
    expect(splitBatch(batch, 20)).toHaveLength(9); // never an empty share
  });

  it('gives the whole batch\'s gradient, from this thread and two workers', async () => {
    const r = recipe(1);
    const config = configFor(r, tokenizer.vocabSize);
    const params = initialParams(config, r);
    const trainable = makeTrainable(config, params);
    const model = new HookedGPT2(config, trainable.weights);
    model.embeddingMode = 'onehot';
    const batch = new BatchStream(tokenizer, r.data, config.nCtx, 9, r.seed).next();
    pool = await GradientPool.start(config, params, 2);
    const before = tf.memory().numTensors;
    const whole = await batchGradients(model, trainable, batch);
    const shared = await batchGradients(model, trainable, batch, pool);
    expect(shared.loss).toBeCloseTo(whole.loss, 5);
    for (let j = 0; j < whole.grads.length; j++) {
      const [a, b] = [await whole.grads[j].data(), await shared.grads[j].data()];
      const scale = Math.max(...Array.from(a, Math.abs));
      expect(scale, `variable ${j}`).toBeGreaterThan(0); // a gradient that could be wrong
      const diff = Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));
      expect(diff, `variable ${j}`).toBeLessThan(1e-5 * scale + 1e-7);
    }
    tf.dispose([...whole.grads, ...shared.grads]);
    expect(tf.memory().numTensors).toBe(before);
    pool.dispose();
    pool = undefined;
    trainable.dispose();
  });

  it('trains with two threads as with one, to float rounding, and leaves no tensor or thread behind', async () => {
    const before = tf.memory().numTensors;
    const one = await train(recipe(4), { tokenizer });
    const two = await train(recipe(4), { tokenizer, workers: 2 });
    expect(tf.memory().numTensors).toBe(before);
    for (let s = 0; s < 4; s++) expect(Math.abs(two.log.losses[s] - one.log.losses[s]), `step ${s + 1}`).toBeLessThan(1e-4);
    expect(one.log.losses[3]).not.toBeCloseTo(one.log.losses[0], 2); // the weights did move
    await expect(train(recipe(1), { tokenizer, workers: 0 })).rejects.toThrow('workers must be a whole number, at least 1 (got 0)');
  });
});
