import { beforeAll, describe, expect, it } from 'vitest';
import { defaultTokenizerJson } from '../../src/main/datasets';
import { initBackend } from '../../src/main/engine/backend';
import { tf } from '../../src/main/engine/tf';
import { tokenizerFromJson } from '../../src/main/tokenizer';
import type { TrainingRecipe } from '../../src/main/training/recipe';
import { configFor, initialParams, train, type TrainProgress } from '../../src/main/training/train';

const tokenizer = tokenizerFromJson(defaultTokenizerJson());

function tinyRecipe(seed: number, steps = 6): TrainingRecipe {
  return {
    seed,
    architecture: { nLayer: 1, nHead: 2, dModel: 16, dMlp: 32, nCtx: 32 },
    data: { tasks: { ioi: 1, comparison: 1, latest: 1 }, filler: 0.5, fillerSentencesPerRow: 2, contrastPairs: 0.5, answerWeight: 4, bucketBatches: 2, fixedPremiseSteps: 0 },
    optimiser: {
      steps,
      batchSize: 8,
      learningRate: 3e-3,
      warmupSteps: 2,
      finalLrFraction: 0.1,
      beta1: 0.9,
      beta2: 0.98,
      epsilon: 1e-8,
      weightDecay: 0.01,
      clipNorm: 1,
    },
    init: { std: 0.1, embeddingStd: 0.3, positionStd: 0.3 },
  };
}

beforeAll(async () => {
  await initBackend();
});

describe('train', () => {
  it('gives the same loss sequence and weights for the same seed, different ones for another seed', async () => {
    const before = tf.memory().numTensors;
    const a = await train(tinyRecipe(11), { tokenizer });
    const b = await train(tinyRecipe(11), { tokenizer });
    const c = await train(tinyRecipe(12), { tokenizer });
    expect(a.log.losses).toHaveLength(6);
    expect(a.log.losses.every(Number.isFinite)).toBe(true);
    expect(b.log.losses).toEqual(a.log.losses); // exact, not close
    expect(b.log.gradNorms).toEqual(a.log.gradNorms);
    for (const [name, p] of a.params) expect(b.params.get(name)!.data, name).toEqual(p.data);
    expect(c.log.losses).not.toEqual(a.log.losses);
    // Every variable, optimiser slot and intermediate is freed.
    expect(tf.memory().numTensors).toBe(before);
  });

  it('lowers the loss on the task corpus within a few dozen steps', async () => {
    const base = tinyRecipe(3, 60);
    const recipe: TrainingRecipe = {
      ...base,
      architecture: { nLayer: 1, nHead: 2, dModel: 32, dMlp: 64, nCtx: 32 },
      data: { ...base.data, bucketBatches: 1 },
      optimiser: { ...base.optimiser, learningRate: 1e-2, warmupSteps: 5 },
    };
    const r = await train(recipe, { tokenizer });
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    // The initial loss is about ln(vocab) = 5.5 and more; unigram statistics alone bring it well down.
    expect(mean(r.log.losses.slice(-5))).toBeLessThan(0.7 * mean(r.log.losses.slice(0, 5)));
  });

  it('reports progress every step and exports exactly the parameters the config needs', async () => {
    const seen: TrainProgress[] = [];
    const r = await train(tinyRecipe(5, 3), { tokenizer, onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(seen.map((p) => p.loss)).toEqual(r.log.losses);
    expect(seen[0].lr).toBeCloseTo(1.5e-3, 12); // warm-up: (0 + 1) / 2 of the peak
    const init = initialParams(configFor(tinyRecipe(5), tokenizer.vocabSize), tinyRecipe(5));
    expect([...r.params.keys()].sort()).toEqual([...init.keys()].sort());
    for (const [name, p] of init) expect(r.params.get(name)!.shape, name).toEqual(p.shape);
    expect(r.config.prependBos).toBe(true);
    expect(r.config.vocabSize).toBe(tokenizer.vocabSize);
  });

  it('stops with an AbortError when cancelled and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const steps: number[] = [];
    const run = train(tinyRecipe(7, 50), {
      tokenizer,
      signal: controller.signal,
      onProgress: (p) => {
        steps.push(p.step);
        if (p.step === 2) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError', message: 'training aborted after 2 steps' });
    expect(steps).toEqual([1, 2]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
