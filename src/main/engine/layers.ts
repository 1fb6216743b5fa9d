/** Stateless pieces of the GPT-2 forward pass, each a plain function over tensors. */
import type { Activation } from './config';
import { tf, type Tensor } from './tf';
import { take } from './take';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GPT-2's activation ('gelu_new' is the tanh approximation), the exact erf GELU, or ReLU. */
export function activate(kind: Activation, x: Tensor): Tensor {
  switch (kind) {
    case 'gelu_new': {
      // 0.5 x (1 + tanh(u)) = x sigmoid(2u): the same function, and wasm's sigmoid is ~3x faster than its tanh.
      const twiceInner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(2 * SQRT_2_OVER_PI); // same shape as x
      return x.mul(twiceInner.sigmoid());
    }
    case 'gelu':
      return x.mul(0.5).mul(x.div(Math.SQRT2).erf().add(1));
    case 'relu':
      return x.relu();
  }
}

/** Additive causal mask: 0 where the destination may see the source, -Infinity above the diagonal. */
export function causalMaskBias(T: number): Tensor {
  const allowed = tf.linalg.bandPart(tf.ones([T, T]), -1, 0); // [Tq, Tk], 1 on and below the diagonal
  return tf.where(allowed.cast('bool'), tf.zerosLike(allowed), tf.fill([T, T], -Infinity)); // [Tq, Tk]
}

/** A [D, H*dh] projection (columns head-major) as per-head matrices. */
export function headMatrices(w: Tensor, nHead: number, dHead: number): Tensor {
  const D = w.shape[0] as number;
  return w.reshape([D, nHead, dHead]).transpose([1, 0, 2]); // [H, D, dh]
}

/** Per-head linear map: x [B, T, H, K] with w [H, K, N] -> [B, T, H, N] (any leading group axis H). */
export function perHeadMatMul(x: Tensor, w: Tensor): Tensor {
  const [B, T, H, K] = x.shape;
  const N = w.shape[2] as number;
  const xh = x.reshape([B * T, H, K]).transpose([1, 0, 2]); // [H, B*T, K]
  const y = tf.matMul(xh, w); // [H, B*T, N]
  return y.transpose([1, 0, 2]).reshape([B, T, H, N]); // [B, T, H, N]
}

/** From this many positions on, attention runs one 2-D matMul per (row, head) (see batchedOrPerSlice). */
export const PER_SLICE_ATTENTION_MIN_T = 64;

/**
 * a [..., M, K] x b [..., K, N] over equal leading axes. tfjs-wasm runs a batched matMul (and a
 * 2-D one with a transpose flag) ~10-20x slower per FLOP than a plain 2-D one, so long sequences
 * loop over the leading axes with plain 2-D matMuls; short ones keep the one batched call, whose
 * per-operation overhead is then the larger cost.
 */
export function batchedOrPerSlice(a: Tensor, b: Tensor, perSlice: boolean): Tensor {
  if (!perSlice) return tf.matMul(a, b);
  const lead = a.shape.slice(0, -2);
  const [M, K] = a.shape.slice(-2) as [number, number];
  const N = b.shape[b.rank - 1] as number;
  const n = lead.reduce((x, y) => x * y, 1);
  const a3 = a.reshape([n, M, K]); // [n, M, K]
  const b3 = b.reshape([n, K, N]); // [n, K, N]
  const parts = Array.from({ length: n }, (_, i) => tf.matMul(take(a3, 0, i).reshape([M, K]), take(b3, 0, i).reshape([K, N]))); // n x [M, N]
  return tf.stack(parts).reshape([...lead, M, N]); // [..., M, N]
}
