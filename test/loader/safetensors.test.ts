import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/main/engine/params';
import { ModelLoadError, readSafetensors, readSafetensorsHeader, SafetensorsReader, writeSafetensors } from '../../src/main/loader/safetensors';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { bfloat16Value, float16Value, halfUlp, nearestBfloat16, nearestFloat16 } from './floatRounding';
import { f32Bytes, rawSafetensors, splitSafetensors, u16Bytes } from './rawSafetensors';

afterAll(removeTmpDirs);

async function tmpFile(name: string, bytes?: Uint8Array): Promise<string> {
  const file = join(await makeTmpDir(), name);
  if (bytes) await writeFile(file, bytes);
  return file;
}

/** Expect a ModelLoadError for `file` whose message matches `problem`. */
async function expectLoadError(promise: Promise<unknown>, file: string, problem: RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelLoadError);
  const e = err as ModelLoadError;
  expect(e.file).toBe(file);
  expect(e.message).toContain(file);
  expect(e.message).toMatch(problem);
}

/** Values that exercise every rounding path: many scales, ties, subnormals, overflow, signed zero. */
function testValues(seed: number, scales: number[]): Float32Array {
  const rand = mulberry32(seed);
  const values: number[] = [0, -0, 1, -1, 0.1, 1 / 3, 65504, 65519.99, 65520, 1e6, -1e6, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 2 ** -26, 6e-8, 1e-10, 1e30, 3e38];
  values.push(1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -8, 1 + 3 * 2 ** -8); // exact f16 / bf16 ties
  for (const s of scales) for (let i = 0; i < 200; i++) values.push((rand() * 2 - 1) * s);
  return Float32Array.from(values);
}

describe('safetensors write -> read', () => {
  it('is bit-exact for F32, including -0, NaN, Inf and float32 subnormals; metadata is kept apart from tensors', async () => {
    const data = Float32Array.from([0, -0, NaN, Infinity, -Infinity, 1e-45, 3.4028234e38, Math.PI, -2.5]);
    const file = await tmpFile('a.safetensors');
    await writeSafetensors(file, new Map([['x', { shape: [3, 3], data }], ['empty', { shape: [0, 4], data: new Float32Array(0) }]]), { metadata: { format: 'pt' } });
    const { tensors, metadata } = await readSafetensors(file);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()]).toEqual(['x', 'empty']);
    const x = tensors.get('x')!;
    expect(x.shape).toEqual([3, 3]);
    expect(new Uint32Array(x.data.buffer)).toEqual(new Uint32Array(data.buffer));
    expect(tensors.get('empty')!.shape).toEqual([0, 4]);
  });

  it('pads the header with spaces so the data region is 8-byte aligned', async () => {
    const file = await tmpFile('pad.safetensors');
    await writeSafetensors(file, new Map([['odd_name_x', { shape: [1], data: Float32Array.of(1) }]]));
    const bytes = new Uint8Array(await readFile(file));
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(header.trimEnd().endsWith('}')).toBe(true);
    expect(header.slice(header.trimEnd().length)).toMatch(/^ *$/);
    expect(bytes.length).toBe(8 + n + 4);
  });

  it.each([
    ['F16', nearestFloat16, [1e-7, 1e-4, 1, 100, 6e4]],
    ['BF16', nearestBfloat16, [1e-39, 1e-20, 1, 1e20, 3e38]],
  ] as const)('%s stores each value as the nearest representable value (ties to even), within half an ulp', async (dtype, nearestRef, scales) => {
    const values = testValues(7, [...scales]);
    const file = await tmpFile(`${dtype}.safetensors`);
    await writeSafetensors(file, new Map([['v', { shape: [values.length], data: values }]]), { dtype });
    expect((await readSafetensorsHeader(file)).entries.get('v')!.dtype).toBe(dtype);
    const read = (await readSafetensors(file)).tensors.get('v')!.data;
    for (let i = 0; i < values.length; i++) {
      const want = nearestRef(values[i]);
      if (!Object.is(read[i], want)) throw new Error(`${dtype} value ${values[i]}: read ${read[i]}, expected ${want}`);
      if (Number.isFinite(want)) expect(Math.abs(read[i] - values[i])).toBeLessThanOrEqual(halfUlp(values[i], dtype));
    }
    // Values the format represents come back exactly.
    const representable = Array.from(read).filter(Number.isFinite);
    const again = await tmpFile('again.safetensors');
    await writeSafetensors(again, new Map([['v', { shape: [representable.length], data: Float32Array.from(representable) }]]), { dtype });
    expect(Array.from((await readSafetensors(again)).tensors.get('v')!.data)).toEqual(representable);
  });

  it('rounds NaN to NaN and overflow to Infinity', async () => {
    const file = await tmpFile('nan.safetensors');
    await writeSafetensors(file, new Map([['v', { shape: [3], data: Float32Array.of(NaN, 1e5, -1e5) }]]), { dtype: 'F16' });
    const v = (await readSafetensors(file)).tensors.get('v')!.data;
    expect(Number.isNaN(v[0])).toBe(true);
    expect([v[1], v[2]]).toEqual([Infinity, -Infinity]);
  });

  it('refuses a tensor whose data does not fill its shape', async () => {
    const file = await tmpFile('bad.safetensors');
    await expect(writeSafetensors(file, new Map([['w', { shape: [2, 3], data: new Float32Array(5) }]]))).rejects.toThrow(/tensor "w" has 5 values but shape \[2, 3\]/);
  });
});

describe('safetensors reading of hand-built files', () => {
  it('decodes F16, BF16 and F64 bit patterns to the values of their formulas', async () => {
    const f16Bits = [0x3c00, 0xc000, 0x3555, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x8000, 0xfc00, 0x7c00];
    const bf16Bits = [0x3f80, 0x4049, 0xc2f7, 0x0001, 0x7f7f, 0x8000, 0xff80];
    const f64 = new Float64Array([Math.PI, -1e-300, 1e300, 0.1]);
    const data = new Uint8Array([...u16Bytes(f16Bits), ...u16Bytes(bf16Bits), ...new Uint8Array(f64.buffer)]);
    const a = f16Bits.length * 2;
    const b = a + bf16Bits.length * 2;
    const header = {
      __metadata__: { note: 'hand built' },
      h: { dtype: 'F16', shape: [f16Bits.length], data_offsets: [0, a] },
      b: { dtype: 'BF16', shape: [bf16Bits.length], data_offsets: [a, b] },
      d: { dtype: 'F64', shape: [2, 2], data_offsets: [b, b + 32] },
    };
    const file = await tmpFile('hand.safetensors', rawSafetensors(header, data));
    const { tensors } = await readSafetensors(file);
    expect(Array.from(tensors.get('h')!.data)).toEqual(f16Bits.map(float16Value));
    expect(Array.from(tensors.get('b')!.data)).toEqual(bf16Bits.map(bfloat16Value));
    expect(tensors.get('d')!.shape).toEqual([2, 2]);
    expect(Array.from(tensors.get('d')!.data)).toEqual(Array.from(f64, Math.fround));
  });

  it('reads the header alone, listing integer tensors, but refuses to read them as weights', async () => {
    const header = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, ids: { dtype: 'I32', shape: [2], data_offsets: [8, 16] } };
    const file = await tmpFile('int.safetensors', rawSafetensors(header, new Uint8Array(16)));
    const reader = await SafetensorsReader.open(file);
    try {
      expect([...reader.entries.keys()]).toEqual(['w', 'ids']);
      await expectLoadError(reader.readTensor('ids'), file, /tensor "ids" has unsupported dtype I32; weights must be one of F32, F16, BF16, F64/);
      expect(Array.from((await reader.readTensor('w')).data)).toEqual([0, 0]);
    } finally {
      await reader.close();
    }
  });

  it('stops reading when cancelled', async () => {
    const file = await tmpFile('c.safetensors', rawSafetensors({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32Bytes([1])));
    const reader = await SafetensorsReader.open(file);
    const controller = new AbortController();
    controller.abort();
    await expect(reader.readTensor('w', { signal: controller.signal })).rejects.toThrow(/abort/i);
    await reader.close();
  });
});

describe('safetensors validation names the file and the problem', () => {
  const one = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };

  it('file shorter than 8 bytes', async () => {
    const file = await tmpFile('short.safetensors', new Uint8Array([1, 2, 3]));
    await expectLoadError(readSafetensorsHeader(file), file, /truncated safetensors file: 3 bytes, shorter than the 8-byte header length/);
  });

  it('header length larger than the file', async () => {
    const file = await tmpFile('long.safetensors', rawSafetensors(one, f32Bytes([1, 2]), { headerLength: 10_000n }));
    await expectLoadError(readSafetensorsHeader(file), file, /header length 10000 is larger than the file allows/);
  });

  it('header that is not JSON', async () => {
    const bytes = rawSafetensors(one, f32Bytes([1, 2]));
    bytes[8] = 0x3c; // '<' instead of '{'
    const file = await tmpFile('nojson.safetensors', bytes);
    await expectLoadError(readSafetensorsHeader(file), file, /safetensors header is not valid JSON/);
  });

  it('header that is JSON but not an object', async () => {
    const file = await tmpFile('arr.safetensors', rawSafetensors([1, 2], new Uint8Array(0)));
    await expectLoadError(readSafetensorsHeader(file), file, /safetensors header is not a JSON object/);
  });

  it('data truncated: offsets beyond the end of the file', async () => {
    const full = rawSafetensors({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32Bytes([1, 2, 3, 4]));
    const file = await tmpFile('trunc.safetensors', full.subarray(0, full.length - 6));
    await expectLoadError(readSafetensorsHeader(file), file, /tensor "a": data_offsets \[0, 16\] lie outside the data region \(10 bytes\); the file is truncated/);
  });

  it('data_offsets that end before they start', async () => {
    const file = await tmpFile('rev.safetensors', rawSafetensors({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, f32Bytes([1, 2])));
    await expectLoadError(readSafetensorsHeader(file), file, /tensor "w": data_offsets \[8, 0\] end before they start/);
  });

  it('overlapping tensors', async () => {
    const header = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } };
    const file = await tmpFile('overlap.safetensors', rawSafetensors(header, f32Bytes([1, 2, 3])));
    await expectLoadError(readSafetensorsHeader(file), file, /tensor "b": data_offsets \[4, 12\] overlap tensor "a" \[0, 8\]/);
  });

  it('byte length that does not match the shape and dtype', async () => {
    const file = await tmpFile('size.safetensors', rawSafetensors({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32Bytes([1, 2])));
    await expectLoadError(readSafetensorsHeader(file), file, /tensor "w": data_offsets \[0, 8\] span 8 bytes, but shape \[3\] of F32 needs 12/);
  });

  it('bytes that belong to no tensor', async () => {
    const file = await tmpFile('hole.safetensors', rawSafetensors({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32Bytes([1, 2])));
    await expectLoadError(readSafetensorsHeader(file), file, /data region bytes \[0, 4\) belong to no tensor/);
    const tail = await tmpFile('tail.safetensors', rawSafetensors({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32Bytes([1, 2])));
    await expectLoadError(readSafetensorsHeader(tail), tail, /4 trailing bytes belong to no tensor/);
  });

  it('an unknown dtype', async () => {
    const file = await tmpFile('dtype.safetensors', rawSafetensors({ w: { dtype: 'Q7', shape: [2], data_offsets: [0, 8] } }, f32Bytes([1, 2])));
    await expectLoadError(readSafetensorsHeader(file), file, /tensor "w": unknown dtype "Q7"/);
  });

  it('a missing file', async () => {
    const file = join(await makeTmpDir(), 'none.safetensors');
    await expectLoadError(readSafetensorsHeader(file), file, /file not found/);
  });

  it('a file written by the writer and then cut short', async () => {
    const file = await tmpFile('cut.safetensors');
    await writeSafetensors(file, new Map([['w', { shape: [8], data: new Float32Array(8).fill(1) }]]));
    const { header } = await splitSafetensors(file);
    expect(header.w.data_offsets).toEqual([0, 32]);
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 1));
    await expectLoadError(readSafetensorsHeader(file), file, /lie outside the data region \(31 bytes\)/);
  });
});
