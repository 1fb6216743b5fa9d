/**
 * A prompt of the model's full context runs block by block (one scope per block when no hook
 * holds tensors across blocks): its logits equal the `cpu` backend's, which runs the same
 * weights with its own kernels, and cached activations survive the per-block scopes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { HookedGPT2 } from '../../src/main/engine/model';
import { randomParams } from '../../src/main/engine/params';
import { blockHook } from '../../src/main/engine/hookNames';
import { batchedOrPerSlice, PER_SLICE_ATTENTION_MIN_T } from '../../src/main/engine/layers';
import { mulberry32 } from '../../src/main/engine/params';
import { randomTokens, startBackend, tinyConfig } from '../helpers/engine';

const CTX = 96;
const config = tinyConfig({ n_layer: 3, n_head: 4, n_embd: 32, n_positions: CTX, vocab_size: 50 });
const params = randomParams(config, 8, 0.3);
const tokens = randomTokens(2, CTX, 50, 4);
let live: string;

beforeAll(async () => {
  await startBackend();
  live = tf.getBackend();
});
afterAll(async () => {
  await tf.setBackend(live);
});

async function logitsOn(backend: string): Promise<{ all: Float32Array; last: Float32Array; resid: Float32Array }> {
  await tf.setBackend(backend);
  const model = HookedGPT2.fromParams(config, params);
  try {
    const before = tf.memory().numTensors;
    const all = model.forward(tokens, 'all'); // [B, T, V]
    const name = blockHook(1, 'hook_resid_post');
    const { logits, cache } = model.runWithCache(tokens, [name], { logits: 'last' });
    const out = { all: (await all.data()) as Float32Array, last: (await logits!.data()) as Float32Array, resid: (await cache.get(name).data()) as Float32Array };
    tf.dispose([all, logits!]);
    cache.dispose();
    expect(tf.memory().numTensors).toBe(before);
    return out;
  } finally {
    model.dispose();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('full-context prompts', () => {
  it('per-slice 2-D matMuls (long-sequence attention) equal a plain-loop product', async () => {
    expect(CTX).toBeGreaterThanOrEqual(PER_SLICE_ATTENTION_MIN_T); // the model test below takes the per-slice path
    const rand = mulberry32(3);
    const [B, H, M, K, N] = [2, 3, 5, 4, 6];
    const a = Float32Array.from({ length: B * H * M * K }, () => rand() - 0.5);
    const b = Float32Array.from({ length: B * H * K * N }, () => rand() - 0.5);
    const got = tf.tidy(() => batchedOrPerSlice(tf.tensor4d(a, [B, H, M, K]), tf.tensor4d(b, [B, H, K, N]), true));
    expect(got.shape).toEqual([B, H, M, N]);
    const v = (await got.data()) as Float32Array;
    got.dispose();
    for (let s = 0; s < B * H; s++) {
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let want = 0;
          for (let k = 0; k < K; k++) want += a[s * M * K + i * K + k] * b[s * K * N + k * N + j];
          expect(Math.abs(v[s * M * N + i * N + j] - want)).toBeLessThan(1e-5);
        }
      }
    }
  });

  it(`a ${CTX}-token prompt (the whole context) gives the cpu backend's logits within 1e-4, cached activations intact`, async () => {
    const got = await logitsOn(live);
    const want = await logitsOn('cpu');
    expect(maxAbsDiff(got.all, want.all)).toBeLessThan(1e-4);
    expect(maxAbsDiff(got.last, want.last)).toBeLessThan(1e-4);
    expect(maxAbsDiff(got.resid, want.resid)).toBeLessThan(1e-4);
    // The last-position logits are the last row of every position's logits (the same run, unembedded twice).
    const V = config.vocabSize;
    for (let b = 0; b < tokens.length; b++) {
      const row = got.all.subarray((b * CTX + CTX - 1) * V, (b * CTX + CTX) * V);
      expect(maxAbsDiff(row, got.last.subarray(b * V, (b + 1) * V))).toBeLessThan(1e-4);
    }
    expect(Math.max(...Array.from(got.all, Math.abs))).toBeGreaterThan(0.1); // not a vacuous comparison
  });
});
