/**
 * The safetensors layout (https://huggingface.co/docs/safetensors): 8 bytes little-endian u64 N,
 * N bytes of JSON header (padded with spaces), then the data region. Offsets in the header are
 * relative to the data region, which the tensors must cover exactly (no overlaps, no holes).
 * Pure functions: validation of a header against the file size, no I/O.
 */
import { ModelLoadError } from './errors';

/** Byte size of every dtype the safetensors spec names. */
export const DTYPE_SIZES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
  C64: 8,
};

/** The dtypes weights may be stored in; each is read into float32. */
export const FLOAT_DTYPES = ['F32', 'F16', 'BF16', 'F64'] as const;
export type FloatDtype = (typeof FLOAT_DTYPES)[number];

export function isFloatDtype(dtype: string): dtype is FloatDtype {
  return (FLOAT_DTYPES as readonly string[]).includes(dtype);
}

/** Header lengths above this are refused before allocating (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** Absolute byte range in the file. */
  start: number;
  end: number;
}

export interface SafetensorsHeader {
  file: string;
  fileSize: number;
  /** Absolute offset of the data region. */
  dataStart: number;
  /** Tensors in header order. */
  entries: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Read the header length from the first 8 bytes and check it fits the file. */
export function parseHeaderLength(file: string, prefix: Uint8Array, fileSize: number): number {
  if (fileSize < 8) {
    throw new ModelLoadError(file, `truncated safetensors file: ${fileSize} bytes, shorter than the 8-byte header length`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(fileSize - 8)) {
    throw new ModelLoadError(file, `safetensors header length ${n} is larger than the file allows (${fileSize - 8} bytes after the length); the file is truncated or not a safetensors file`);
  }
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new ModelLoadError(file, `safetensors header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  if (n < 2n) throw new ModelLoadError(file, `safetensors header length ${n} is too short to hold a JSON object`);
  return Number(n);
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Parse and validate the JSON header; every tensor's byte range is checked against the data region. */
export function parseHeader(file: string, headerBytes: Uint8Array, fileSize: number): SafetensorsHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new ModelLoadError(file, `safetensors header is not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ModelLoadError(file, 'safetensors header is not a JSON object');
  }
  const dataStart = 8 + headerBytes.length;
  const dataLength = fileSize - dataStart;
  const entries = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) metadata = value as Record<string, string>;
      continue;
    }
    const where = `tensor "${name}"`;
    if (typeof value !== 'object' || value === null) throw new ModelLoadError(file, `${where}: header entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (typeof dtype !== 'string' || DTYPE_SIZES[dtype] === undefined) {
      throw new ModelLoadError(file, `${where}: unknown dtype ${JSON.stringify(dtype)} (the safetensors dtypes are ${Object.keys(DTYPE_SIZES).join(', ')})`);
    }
    if (!Array.isArray(shape) || !shape.every(isNonNegInt)) {
      throw new ModelLoadError(file, `${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegInt)) {
      throw new ModelLoadError(file, `${where}: data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) throw new ModelLoadError(file, `${where}: data_offsets [${begin}, ${end}] end before they start`);
    if (end > dataLength) {
      throw new ModelLoadError(file, `${where}: data_offsets [${begin}, ${end}] lie outside the data region (${dataLength} bytes); the file is truncated or the header is wrong`);
    }
    const expectedBytes = shapeSize(shape) * DTYPE_SIZES[dtype];
    if (end - begin !== expectedBytes) {
      throw new ModelLoadError(file, `${where}: data_offsets [${begin}, ${end}] span ${end - begin} bytes, but shape ${formatShape(shape)} of ${dtype} needs ${expectedBytes}`);
    }
    entries.set(name, { name, dtype, shape: shape.slice(), start: dataStart + begin, end: dataStart + end });
  }
  checkCoverage(file, [...entries.values()], dataStart, dataLength);
  return { file, fileSize, dataStart, entries, metadata };
}

/** The spec requires the tensors to tile the data region: no overlaps, no holes, nothing after. */
function checkCoverage(file: string, entries: SafetensorsEntry[], dataStart: number, dataLength: number): void {
  const sorted = entries.filter((e) => e.end > e.start).sort((a, b) => a.start - b.start);
  let cursor = 0;
  let previous: SafetensorsEntry | undefined;
  for (const e of sorted) {
    const begin = e.start - dataStart;
    if (begin < cursor && previous) {
      throw new ModelLoadError(file, `tensor "${e.name}": data_offsets [${begin}, ${e.end - dataStart}] overlap tensor "${previous.name}" [${previous.start - dataStart}, ${cursor}]`);
    }
    if (begin > cursor) {
      throw new ModelLoadError(file, `data region bytes [${cursor}, ${begin}) belong to no tensor (before "${e.name}"); the header is inconsistent`);
    }
    cursor = e.end - dataStart;
    previous = e;
  }
  if (cursor !== dataLength) {
    throw new ModelLoadError(file, `data region is ${dataLength} bytes but the tensors cover only ${cursor}; ${dataLength - cursor} trailing bytes belong to no tensor`);
  }
}
