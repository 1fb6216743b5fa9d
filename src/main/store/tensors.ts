/**
 * Tensors as stored in BLOB columns: raw little-endian element bytes plus dtype and shape
 * columns. Float32Array/Int32Array in, the same out; shapes are checked against lengths.
 */
import os from 'node:os';
import { InvalidDataError } from './errors';
import { parseJsonText } from './values';

export type DType = 'float32' | 'int32';
export type TensorData = Float32Array | Int32Array;

export interface StoredTensor {
  dtype: DType;
  shape: number[];
  data: TensorData;
}

/** A bare typed array is a 1-D tensor; give `shape` for anything else. */
export type TensorInput = TensorData | { shape: number[]; data: TensorData };

if (os.endianness() !== 'LE') throw new Error('the project store assumes a little-endian machine');

export function normalizeTensor(input: TensorInput, what: string): StoredTensor {
  const data = ArrayBuffer.isView(input) ? input : input.data;
  const shape = ArrayBuffer.isView(input) ? [input.length] : input.shape;
  const dtype: DType | undefined = data instanceof Float32Array ? 'float32' : data instanceof Int32Array ? 'int32' : undefined;
  if (!dtype) throw new InvalidDataError(`${what}: data must be a Float32Array or Int32Array`);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new InvalidDataError(`${what}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel !== data.length) {
    throw new InvalidDataError(`${what}: shape [${shape.join(', ')}] holds ${numel} elements but the data has ${data.length}`);
  }
  return { dtype, shape: [...shape], data };
}

export function tensorBlob(t: StoredTensor): Buffer {
  return Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

export function tensorFromRow(row: { dtype: string; shape_json: string; data: Buffer }, where: string): StoredTensor {
  const shape = parseJsonText<number[]>(row.shape_json, `${where}.shape_json`);
  // Copy: the Buffer SQLite hands back may not be 4-byte aligned.
  const bytes = new Uint8Array(row.data.byteLength);
  bytes.set(row.data);
  if (row.dtype === 'float32') return { dtype: 'float32', shape, data: new Float32Array(bytes.buffer) };
  if (row.dtype === 'int32') return { dtype: 'int32', shape, data: new Int32Array(bytes.buffer) };
  throw new InvalidDataError(`${where}: unknown dtype "${row.dtype}"`);
}
