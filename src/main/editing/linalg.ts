/**
 * Small dense linear algebra in Float64, in plain TypeScript: the ROME key solve u = C^-1 k
 * (C symmetric positive semi-definite, so a ridge makes it definite and Cholesky applies).
 */

export class LinalgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinalgError';
  }
}

/** Cholesky factor L (row-major, lower) of a symmetric positive-definite n x n matrix. */
export function cholesky(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new LinalgError(`cholesky: matrix has ${a.length} entries, expected ${n} x ${n}`);
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new LinalgError(`cholesky: matrix is not positive definite (pivot ${i} is ${s}); raise the ridge`);
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j];
      }
    }
  }
  return l;
}

/** Solve (A + ridge * mean(diag A) * I) x = b for symmetric positive semi-definite A. */
export function solveSpd(a: Float64Array, b: ArrayLike<number>, n: number, ridge = 1e-4): Float64Array {
  if (b.length !== n) throw new LinalgError(`solveSpd: right-hand side has ${b.length} entries, expected ${n}`);
  if (!(ridge >= 0)) throw new LinalgError(`solveSpd: ridge must be >= 0, got ${ridge}`);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i];
  const shift = ridge * (trace > 0 ? trace / n : 1);
  const reg = Float64Array.from(a);
  for (let i = 0; i < n; i++) reg[i * n + i] += shift;
  const l = cholesky(reg, n);
  const y = new Float64Array(n); // L y = b
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * y[k];
    y[i] = s / l[i * n + i];
  }
  const x = new Float64Array(n); // L^T x = y
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
  return x;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new LinalgError(`dot: lengths ${a.length} and ${b.length} differ`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}
