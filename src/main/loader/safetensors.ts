/**
 * Reading .safetensors files tensor by tensor with positioned reads, so a multi-GB checkpoint is
 * never held in one buffer. Every inconsistency is a ModelLoadError naming the file.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import type { ParamTensor } from '../engine/params';
import { ModelLoadError, throwIfAborted } from './errors';
import { decodeBfloat16, decodeFloat16, decodeFloat32, decodeFloat64 } from './floatFormats';
import {
  FLOAT_DTYPES,
  isFloatDtype,
  parseHeader,
  parseHeaderLength,
  shapeSize,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './safetensorsFormat';

export { ModelLoadError } from './errors';
export { FLOAT_DTYPES, type SafetensorsEntry, type SafetensorsHeader } from './safetensorsFormat';
export { writeSafetensors, type WriteSafetensorsOptions, type WriteDtype } from './safetensorsWriter';

/** Reads are split so progress and cancellation happen at least every this many bytes. */
const READ_CHUNK_BYTES = 64 * 1024 * 1024;
const HOST_IS_LITTLE_ENDIAN = endianness() === 'LE';

export interface ReadTensorOptions {
  signal?: AbortSignal;
  /** Called with the number of bytes just read (for progress over many tensors). */
  onBytes?: (bytes: number) => void;
}

function fsProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'EACCES') return 'permission denied';
  return `cannot read (${(e as Error).message})`;
}

/** An open safetensors file: the validated header, and tensor reads on demand. */
export class SafetensorsReader {
  private constructor(
    private readonly handle: FileHandle,
    readonly header: SafetensorsHeader,
  ) {}

  static async open(file: string): Promise<SafetensorsReader> {
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (e) {
      throw new ModelLoadError(file, fsProblem(e), { cause: e });
    }
    try {
      const fileSize = (await handle.stat()).size;
      const prefix = new Uint8Array(8);
      if (fileSize >= 8) await readFully(handle, file, prefix, 0);
      const headerLength = parseHeaderLength(file, prefix, fileSize);
      const headerBytes = new Uint8Array(headerLength);
      await readFully(handle, file, headerBytes, 8);
      return new SafetensorsReader(handle, parseHeader(file, headerBytes, fileSize));
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  get file(): string {
    return this.header.file;
  }

  get entries(): Map<string, SafetensorsEntry> {
    return this.header.entries;
  }

  /** Read one tensor into float32. Refuses non-float dtypes (weights are never integers). */
  async readTensor(name: string, opts: ReadTensorOptions = {}): Promise<ParamTensor> {
    const entry = this.header.entries.get(name);
    if (!entry) throw new ModelLoadError(this.file, `no tensor named "${name}"`);
    if (!isFloatDtype(entry.dtype)) {
      throw new ModelLoadError(this.file, `tensor "${name}" has unsupported dtype ${entry.dtype}; weights must be one of ${FLOAT_DTYPES.join(', ')}`);
    }
    const count = shapeSize(entry.shape);
    const data = new Float32Array(count);
    if (entry.dtype === 'F32' && HOST_IS_LITTLE_ENDIAN) {
      // Read straight into the output: no intermediate copy for the common case.
      await this.readRange(entry, new Uint8Array(data.buffer), opts);
    } else {
      const bytes = new Uint8Array(entry.end - entry.start);
      await this.readRange(entry, bytes, opts);
      if (entry.dtype === 'F16') decodeFloat16(bytes, data);
      else if (entry.dtype === 'BF16') decodeBfloat16(bytes, data);
      else if (entry.dtype === 'F64') decodeFloat64(bytes, data);
      else decodeFloat32(bytes, data);
    }
    return { shape: entry.shape.slice(), data };
  }

  private async readRange(entry: SafetensorsEntry, into: Uint8Array, opts: ReadTensorOptions): Promise<void> {
    for (let done = 0; done < into.length; ) {
      throwIfAborted(opts.signal);
      const n = Math.min(READ_CHUNK_BYTES, into.length - done);
      await readFully(this.handle, this.file, into.subarray(done, done + n), entry.start + done, entry.name);
      done += n;
      opts.onBytes?.(n);
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Fill `into` from `position`; a short file (changed since the header was read) is reported as truncated. */
async function readFully(handle: FileHandle, file: string, into: Uint8Array, position: number, tensor?: string): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) {
      const what = tensor ? `tensor "${tensor}"` : 'header';
      throw new ModelLoadError(file, `truncated: reading ${what} hit the end of the file at byte ${position + done}`);
    }
    done += bytesRead;
  }
}

/** Read and validate only the header of a safetensors file. */
export async function readSafetensorsHeader(file: string): Promise<SafetensorsHeader> {
  const reader = await SafetensorsReader.open(file);
  await reader.close();
  return reader.header;
}

/** Read every tensor of a (small) safetensors file into float32. */
export async function readSafetensors(file: string, opts: ReadTensorOptions = {}): Promise<{ tensors: Map<string, ParamTensor>; metadata: Record<string, string> }> {
  const reader = await SafetensorsReader.open(file);
  try {
    const tensors = new Map<string, ParamTensor>();
    for (const name of reader.entries.keys()) tensors.set(name, await reader.readTensor(name, opts));
    return { tensors, metadata: reader.header.metadata };
  } finally {
    await reader.close();
  }
}
