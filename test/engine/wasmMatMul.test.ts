/**
 * The wasm BatchMatMul wrapper (src/main/engine/wasmMatMul.ts) rewrites transposed products with
 * copies; every flag combination, both rewrites (copy the flagged operands, or flip the product)
 * and the batched pass-through must equal a plain Float64 product, values and gradients, and
 * leave no backend data behind. Its speed is measured by `npm run bench`, not here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { startBackend } from '../helpers/engine';

beforeAll(startBackend);

type Matrix = number[][];

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

const randomMatrix = (rows: number, cols: number, next: () => number): Matrix => Array.from({ length: rows }, () => Array.from({ length: cols }, next));
const transposed = (m: Matrix): Matrix => m[0].map((_, j) => m.map((row) => row[j]));
const product = (x: Matrix, y: Matrix): Matrix => x.map((row) => y[0].map((_, j) => row.reduce((s, v, k) => s + v * y[k][j], 0)));

function expectClose(actual: ArrayLike<number>, expected: Matrix, what: string): void {
  const flat = expected.flat();
  expect(actual.length, what).toBe(flat.length);
  for (let i = 0; i < flat.length; i++) expect(Math.abs(actual[i] - flat[i]), `${what} [${i}]`).toBeLessThan(1e-5 * (1 + Math.abs(flat[i])));
}

// [rows of op(A), inner, cols of op(B)], flags; the comment says which rewrite the copy counts pick
const CASES: [number, number, number, boolean, boolean, string][] = [
  [40, 3, 2, false, true, 'NT, small B: copy B'],
  [2, 3, 40, false, true, 'NT, large B (the unembedding): flip the product'],
  [40, 3, 2, true, false, 'TN, large A: flip the product'],
  [2, 3, 40, true, false, 'TN, small A: copy A'],
  [7, 5, 6, true, true, 'TT'],
  [9, 4, 11, false, false, 'NN (not rewritten)'],
];

describe('wasm BatchMatMul with transposed operands', () => {
  it('is the wrapper on the wasm backend', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc.name).toBe('fastTransposedBatchMatMul');
  });

  it.each(CASES)('%i x %i x %i, transposeA %s, transposeB %s (%s): values and gradients equal a Float64 product', async (M, K, N, tA, tB) => {
    const next = seeded(M * 1000 + K * 10 + N + (tA ? 7 : 0) + (tB ? 13 : 0));
    const opA = randomMatrix(M, K, next);
    const opB = randomMatrix(K, N, next);
    const w = randomMatrix(M, N, next);
    const backend = tf.backend();
    const dataBefore = backend.numDataIds();
    const a = tf.tensor2d(tA ? transposed(opA) : opA); // [K, M] or [M, K]
    const b = tf.tensor2d(tB ? transposed(opB) : opB); // [N, K] or [K, N]
    const weights = tf.tensor2d(w); // [M, N]
    const c = tf.matMul(a, b, tA, tB); // [M, N]
    expect(c.shape).toEqual([M, N]);
    expectClose(await c.data(), product(opA, opB), 'op(A) op(B)');
    // L = sum(W * op(A) op(B)): dL/dop(A) = W op(B)^T, dL/dop(B) = op(A)^T W
    const [gA, gB] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, tA, tB).mul(weights).sum())([a, b]);
    const dOpA = product(w, transposed(opB));
    const dOpB = product(transposed(opA), w);
    expectClose(await gA.data(), tA ? transposed(dOpA) : dOpA, 'dL/dA');
    expectClose(await gB.data(), tB ? transposed(dOpB) : dOpB, 'dL/dB');
    tf.dispose([a, b, weights, c, gA, gB]);
    expect(backend.numDataIds()).toBe(dataBefore);
  });

  it('keeps a leading axis of 1 and passes batched products through unchanged', async () => {
    const next = seeded(99);
    const x = [randomMatrix(6, 4, next), randomMatrix(6, 4, next)];
    const y = [randomMatrix(5, 4, next), randomMatrix(5, 4, next)];
    const one = tf.matMul(tf.tensor3d([x[0]]), tf.tensor3d([y[0]]), false, true); // [1, 6, 5]
    expect(one.shape).toEqual([1, 6, 5]);
    expectClose(await one.data(), product(x[0], transposed(y[0])), 'batch of 1');
    const two = tf.matMul(tf.tensor3d(x), tf.tensor3d(y), false, true); // [2, 6, 5]
    expectClose(await two.data(), [...product(x[0], transposed(y[0])), ...product(x[1], transposed(y[1]))], 'batch of 2');
    tf.dispose([one, two]);
  });
});
