/**
 * Writing .safetensors files from float32 tensors, stored as F32, F16 or BF16 (rounded to
 * nearest even). Written to a temporary file and renamed, so a failure never leaves half a file.
 */
import { open, rename, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import type { ParamTensor } from '../engine/params';
import { throwIfAborted } from './errors';
import { float32ToBfloat16Bits, float32ToFloat16Bits } from './floatFormats';
import { formatShape, shapeSize } from './safetensorsFormat';

export type WriteDtype = 'F32' | 'F16' | 'BF16';

export interface WriteSafetensorsOptions {
  dtype?: WriteDtype;
  /** String-to-string metadata stored under `__metadata__`. */
  metadata?: Record<string, string>;
  signal?: AbortSignal;
  /** Fraction of bytes written, 0..1. */
  onProgress?: (fraction: number) => void;
}

const BYTES_PER_ELEMENT: Record<WriteDtype, number> = { F32: 4, F16: 2, BF16: 2 };
/** Elements encoded per write, so big tensors need no second full-size buffer. */
const CHUNK_ELEMENTS = 4 * 1024 * 1024;

const HOST_IS_LITTLE_ENDIAN = endianness() === 'LE';

function encodeChunk(src: Float32Array, dtype: WriteDtype): Uint8Array {
  // float32 on a little-endian host is already the file's byte layout: write it without copying.
  if (dtype === 'F32' && HOST_IS_LITTLE_ENDIAN) return new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  const out = new Uint8Array(src.length * BYTES_PER_ELEMENT[dtype]);
  const view = new DataView(out.buffer);
  if (dtype === 'F32') for (let i = 0; i < src.length; i++) view.setFloat32(i * 4, src[i], true);
  else if (dtype === 'F16') for (let i = 0; i < src.length; i++) view.setUint16(i * 2, float32ToFloat16Bits(src[i]), true);
  else for (let i = 0; i < src.length; i++) view.setUint16(i * 2, float32ToBfloat16Bits(src[i]), true);
  return out;
}

/** The header bytes, padded with spaces so the data region starts 8-byte aligned. */
export function buildHeaderBytes(entries: [string, ParamTensor][], dtype: WriteDtype, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    const bytes = shapeSize(t.shape) * BYTES_PER_ELEMENT[dtype];
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  return padded;
}

export async function writeSafetensors(
  path: string,
  tensors: Map<string, ParamTensor> | Iterable<[string, ParamTensor]>,
  opts: WriteSafetensorsOptions = {},
): Promise<void> {
  const dtype = opts.dtype ?? 'F32';
  const entries = [...tensors];
  const names = new Set<string>();
  for (const [name, t] of entries) {
    if (name === '__metadata__' || names.has(name)) throw new Error(`writeSafetensors(${path}): tensor name "${name}" is reserved or repeated`);
    names.add(name);
    if (t.data.length !== shapeSize(t.shape)) {
      throw new Error(`writeSafetensors(${path}): tensor "${name}" has ${t.data.length} values but shape ${formatShape(t.shape)}`);
    }
  }
  const headerBytes = buildHeaderBytes(entries, dtype, opts.metadata);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  const totalBytes = entries.reduce((s, [, t]) => s + t.data.length * BYTES_PER_ELEMENT[dtype], 0);

  const tmp = `${path}.partial-${process.pid}`;
  const handle = await open(tmp, 'w');
  try {
    await handle.write(prefix);
    await handle.write(headerBytes);
    let written = 0;
    for (const [, t] of entries) {
      for (let i = 0; i < t.data.length; i += CHUNK_ELEMENTS) {
        throwIfAborted(opts.signal);
        const chunk = encodeChunk(t.data.subarray(i, i + CHUNK_ELEMENTS), dtype);
        await handle.write(chunk);
        written += chunk.length;
        opts.onProgress?.(totalBytes === 0 ? 1 : written / totalBytes);
      }
    }
    await handle.close();
    await rename(tmp, path);
  } catch (e) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
}
