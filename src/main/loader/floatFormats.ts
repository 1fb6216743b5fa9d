/**
 * Conversions between float32 and the 16-bit float formats checkpoints are stored in.
 * Bit-level, so rounding is exactly IEEE round-to-nearest-even and NaN/Inf survive.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 bits of every float16 bit pattern, built once (256 KiB) so decoding is one lookup. */
let f16Table: Float32Array | undefined;

function float16BitsToFloat32Slow(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function float16Table(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = float16BitsToFloat32Slow(h);
  }
  return f16Table;
}

/** IEEE binary16 bits of a number, rounded to nearest even (overflow gives Inf, NaN stays NaN). */
export function float32ToFloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15; // the binary16 biased exponent
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal in binary16: value = M * 2^(e - 14 - 10) with M the 24-bit significand.
    const shift = 14 - e;
    if (shift > 25) return sign;
    const m = mant | 0x800000;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h; // h === 0x400 is the smallest normal: the encoding carries over correctly
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // carry into the exponent may give Inf: correct
  return sign | h;
}

/** bfloat16 bits of a number, rounded to nearest even (NaN stays a quiet NaN). */
export function float32ToBfloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) return ((bits >>> 16) | 0x40) & 0xffff;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The 16-bit words of little-endian bytes: a view when the host and alignment allow (4x faster), else a copy. */
function littleEndianWords(bytes: Uint8Array, count: number): Uint16Array {
  if (HOST_IS_LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, count);
  const words = new Uint16Array(count);
  for (let i = 0, j = 0; i < count; i++, j += 2) words[i] = bytes[j] | (bytes[j + 1] << 8);
  return words;
}

/** Decode little-endian float16 bytes into float32. */
export function decodeFloat16(bytes: Uint8Array, out: Float32Array): void {
  const table = float16Table();
  const words = littleEndianWords(bytes, out.length);
  for (let i = 0; i < out.length; i++) out[i] = table[words[i]];
}

/** Decode little-endian bfloat16 bytes into float32 (exact: bf16 is the top half of a float32). */
export function decodeBfloat16(bytes: Uint8Array, out: Float32Array): void {
  const outBits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  const words = littleEndianWords(bytes, out.length);
  for (let i = 0; i < out.length; i++) outBits[i] = words[i] << 16;
}

/** Decode little-endian float64 bytes into float32 (rounded to nearest). */
export function decodeFloat64(bytes: Uint8Array, out: Float32Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
}

/** Decode little-endian float32 bytes (a copy; used when the bytes are not already the output buffer). */
export function decodeFloat32(bytes: Uint8Array, out: Float32Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
}
