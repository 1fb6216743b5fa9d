/** Small tensor helpers shared by the analyses. */
import { tf, type Tensor } from '../engine/tf';

/** The last position of [B, T, ...] -> [B, ...]. */
export function lastPosition(x: Tensor): Tensor {
  const T = x.shape[1] as number;
  return tf.tidy(() => tf.squeeze(tf.slice(x, [0, T - 1], [-1, 1]), [1]));
}

/** Read a tensor into a plain number array and dispose it. */
export async function take(t: Tensor): Promise<number[]> {
  try {
    return Array.from(await t.data());
  } finally {
    t.dispose();
  }
}

/** Mean of the rows of a row-major [N, K] array: [K]. */
export function meanRows(rows: readonly (readonly number[])[]): number[] {
  if (rows.length === 0) return [];
  const K = rows[0].length;
  const out = new Array<number>(K).fill(0);
  for (const r of rows) for (let k = 0; k < K; k++) out[k] += r[k];
  return out.map((v) => v / rows.length);
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Split a flat array into rows of length K. */
export function rowsOf(flat: ArrayLike<number>, K: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < flat.length; i += K) out.push(Array.from({ length: K }, (_, k) => flat[i + k]));
  return out;
}
