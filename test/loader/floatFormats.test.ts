import { describe, expect, it } from 'vitest';
import { decodeBfloat16, decodeFloat16, decodeFloat32, decodeFloat64, float32ToBfloat16Bits, float32ToFloat16Bits } from '../../src/main/loader/floatFormats';
import { bfloat16Value, float16Value, nearestFloat16 } from './floatRounding';

describe('float16 encoding, exhaustively', () => {
  it('every finite float16 value encodes to its own bits, and every midpoint rounds to the even neighbour', () => {
    let checked = 0;
    for (let h = 0; h < 0x7c00; h++) {
      for (const sign of [0, 0x8000]) {
        const v = float16Value(h | sign);
        if (float32ToFloat16Bits(v) !== (h | sign)) throw new Error(`value ${v} encoded as ${float32ToFloat16Bits(v).toString(16)}, expected ${(h | sign).toString(16)}`);
        const next = float16Value((h + 1) | sign); // for h = 0x7bff the next is Infinity: no midpoint
        if (Number.isFinite(next)) {
          const mid = (v + next) / 2; // exactly representable in float32
          expect(Math.fround(mid)).toBe(mid);
          const want = nearestFloat16(mid);
          const got = float32ToFloat16Bits(mid);
          if (float16Value(got) !== want) throw new Error(`midpoint ${mid} encoded as ${float16Value(got)}, expected ${want}`);
          expect(got & 1).toBe(0);
        }
        checked++;
      }
    }
    expect(checked).toBe(2 * 0x7c00);
  });

  it('decodes every bit pattern to the value of the IEEE formula', () => {
    const bytes = new Uint8Array(2 * 65536);
    for (let h = 0; h < 65536; h++) [bytes[2 * h], bytes[2 * h + 1]] = [h & 0xff, h >> 8];
    const out = new Float32Array(65536);
    decodeFloat16(bytes, out);
    for (let h = 0; h < 65536; h++) {
      const want = float16Value(h);
      if (!(Object.is(out[h], want) || (Number.isNaN(want) && Number.isNaN(out[h])))) throw new Error(`bits ${h.toString(16)}: ${out[h]} != ${want}`);
    }
  });
});

describe('bfloat16 encoding', () => {
  it('every finite bfloat16 value encodes to its own bits; decoding matches the formula', () => {
    const bytes = new Uint8Array(2 * 65536);
    for (let h = 0; h < 65536; h++) [bytes[2 * h], bytes[2 * h + 1]] = [h & 0xff, h >> 8];
    const out = new Float32Array(65536);
    decodeBfloat16(bytes, out);
    for (let h = 0; h < 65536; h++) {
      const want = bfloat16Value(h);
      if (Number.isNaN(want)) {
        expect(Number.isNaN(out[h])).toBe(true);
        expect(Number.isNaN(bfloat16Value(float32ToBfloat16Bits(want)))).toBe(true);
        continue;
      }
      if (!Object.is(out[h], want)) throw new Error(`bits ${h.toString(16)}: ${out[h]} != ${want}`);
      if (float32ToBfloat16Bits(want) !== h) throw new Error(`value ${want} encoded as ${float32ToBfloat16Bits(want).toString(16)}, expected ${h.toString(16)}`);
    }
  });
});

describe('decoding from unaligned bytes (the copy path)', () => {
  it('gives the same values as from aligned bytes, for every format', () => {
    const values = [1, -2.5, 0.1, 65504, 1e-5, -0];
    const f16 = values.map(float32ToFloat16Bits);
    const bf16 = values.map(float32ToBfloat16Bits);
    const pack16 = (bits: number[], offset: number): Uint8Array => {
      const buf = new Uint8Array(offset + bits.length * 2);
      bits.forEach((b, i) => [buf[offset + 2 * i], buf[offset + 2 * i + 1]] = [b & 0xff, b >> 8]);
      return buf.subarray(offset);
    };
    for (const [decode, bits] of [[decodeFloat16, f16], [decodeBfloat16, bf16]] as const) {
      const aligned = new Float32Array(values.length);
      const unaligned = new Float32Array(values.length);
      decode(pack16(bits, 0), aligned);
      decode(pack16(bits, 1), unaligned);
      expect(Array.from(unaligned)).toEqual(Array.from(aligned));
    }
    const f32 = new Uint8Array(1 + 4 * values.length);
    const f64 = new Uint8Array(1 + 8 * values.length);
    values.forEach((v, i) => {
      new DataView(f32.buffer).setFloat32(1 + 4 * i, v, true);
      new DataView(f64.buffer).setFloat64(1 + 8 * i, v, true);
    });
    const out32 = new Float32Array(values.length);
    const out64 = new Float32Array(values.length);
    decodeFloat32(f32.subarray(1), out32);
    decodeFloat64(f64.subarray(1), out64);
    expect(Array.from(out32)).toEqual(values.map(Math.fround));
    expect(Array.from(out64)).toEqual(values.map(Math.fround));
  });
});
