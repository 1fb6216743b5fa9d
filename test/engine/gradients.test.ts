/**
 * Gradients flow through the engine on the live backend (wasm has no gather gradient): through
 * every logit-position mode and through the split q/k/v inputs, checked against central finite
 * differences (float32: tolerance 2e-2 relative on a smooth scalar).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import type { LogitPositions } from '../../src/main/engine/model';
import { randomModel, randomTokens, startBackend, tinyConfig } from '../helpers/engine';

beforeAll(startBackend);

describe('gradients through the engine', () => {
  const modes: [string, LogitPositions, string][] = [
    ['last position', 'last', 'blocks.1.hook_resid_pre'],
    ['per-row positions', [1, 3], 'blocks.1.hook_resid_pre'],
    ['all positions', 'all', 'blocks.1.hook_resid_pre'],
    ['split key inputs', 'last', 'blocks.1.hook_k_input'],
  ];
  for (const [label, logits, point] of modes) {
    it(`${label}: d(sum of logits)/d(probe at ${point}) matches finite differences`, async () => {
      const config = tinyConfig();
      const { model } = randomModel(config, 5);
      const tokens = randomTokens(2, 5, config.vocabSize, 9);
      const shape = point.endsWith('_input') ? [2, 5, config.nHead, config.dModel] : [2, 5, config.dModel];
      const f = (probe: tf.Tensor): tf.Scalar => {
        const out = model.runWithHooks(tokens, [{ name: point, fn: (x) => x.add(probe) }], { logits });
        return out.mul(tf.linspace(-1, 1, config.vocabSize)).sum() as tf.Scalar; // a smooth scalar of the logits
      };
      const zero = tf.zeros(shape);
      const grad = tf.grad(f)(zero);
      const g = await grad.data();
      // finite differences along a few coordinates
      const h = 1e-2;
      for (const i of [0, 7, g.length - 1]) {
        const e = tf.tidy(() => tf.oneHot(tf.tensor1d([i], 'int32'), g.length).reshape(shape).mul(h));
        const [plus, minus] = [f(e), f(tf.neg(e))];
        const fd = ((await plus.data())[0] - (await minus.data())[0]) / (2 * h);
        expect(Math.abs(g[i] - fd), `coordinate ${i}`).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
        tf.dispose([e, plus, minus]);
      }
      expect(Math.max(...Array.from(g, Math.abs))).toBeGreaterThan(1e-4); // the probe matters
      tf.dispose([zero, grad]);
      model.dispose();
    });
  }
});
