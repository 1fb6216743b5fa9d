/**
 * Independent reference for float16 / bfloat16 rounding, by arithmetic on doubles (no bit tricks):
 * the nearest representable value with ties to even, overflow to Infinity.
 */

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function exponentOf(a: number): number {
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  return e;
}

/** Format: `mantBits` stored mantissa bits, `minExp` the smallest normal exponent, `maxExp` the largest. */
function nearest(x: number, mantBits: number, minExp: number, maxExp: number): number {
  if (Number.isNaN(x) || !Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  const ulp = 2 ** (Math.max(exponentOf(a), minExp) - mantBits);
  const q = roundHalfEven(a / ulp) * ulp;
  return Math.sign(x) * (q >= 2 ** (maxExp + 1) ? Infinity : q);
}

export const nearestFloat16 = (x: number): number => nearest(x, 10, -14, 15);
export const nearestBfloat16 = (x: number): number => nearest(x, 7, -126, 127);

/** Half the spacing of representable values around x's rounded value. */
export function halfUlp(x: number, format: 'F16' | 'BF16'): number {
  const [mantBits, minExp] = format === 'F16' ? [10, -14] : [7, -126];
  return 2 ** (Math.max(exponentOf(Math.abs(x)), minExp) - mantBits) / 2;
}

/** Decode binary16 bits by the formula of the IEEE format. */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * (frac / 1024) * 2 ** -14;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Decode bfloat16 bits by the formula (8 exponent bits, 7 mantissa bits). */
export function bfloat16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 7) & 0xff;
  const frac = bits & 0x7f;
  if (exp === 0) return sign * (frac / 128) * 2 ** -126;
  if (exp === 255) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 128) * 2 ** (exp - 127);
}
