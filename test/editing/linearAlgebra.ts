/** Test-side numerics, independent of the code under test: singular-value spectrum of a matrix via its Gram matrix. */

/**
 * For a row-major [rows, cols] matrix A: sigma_1^2 by power iteration on G = A^T A, and the
 * energy beyond it, trace(G) - sigma_1^2 = sum_{i>1} sigma_i^2.
 */
export function spectrumBeyondFirst(a: ArrayLike<number>, rows: number, cols: number): { sigma1: number; rest: number } {
  const g = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) g[i * cols + j] += a[r * cols + i] * a[r * cols + j];
  let trace = 0;
  for (let i = 0; i < cols; i++) trace += g[i * cols + i];
  let x = Float64Array.from({ length: cols }, (_, i) => 1 + ((i * 7919) % 13) / 13);
  let lambda = 0;
  for (let it = 0; it < 500; it++) {
    const y = new Float64Array(cols);
    for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) y[i] += g[i * cols + j] * x[j];
    const n = Math.sqrt(y.reduce((s, v) => s + v * v, 0));
    if (n === 0) break;
    lambda = n;
    x = y.map((v) => v / n);
  }
  // Rayleigh quotient for the converged vector.
  let rq = 0;
  for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) rq += x[i] * g[i * cols + j] * x[j];
  lambda = Math.max(lambda, rq);
  return { sigma1: Math.sqrt(lambda), rest: Math.sqrt(Math.max(0, trace - lambda)) };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return a.length === b.length ? m : Infinity;
}
