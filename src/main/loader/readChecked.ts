/**
 * Reading a model directory's small files (config.json, tokenizer files, shard index) safely:
 * anything but a regular file is refused from stat alone, and so is a file too large to be one.
 */
import { readFile } from 'node:fs/promises';
import { ModelLoadError } from './errors';
import { pathKind } from './fileKind';
import { parseJsonStrict } from './strictJson';

const MIB = 1024 * 1024;
/** Far above any real file of each kind (GPT-2's tokenizer.json is 1.4 MB, its config 0.7 KB). */
export const MAX_BYTES = { config: 1 * MIB, tokenizer: 512 * MIB, index: 64 * MIB } as const;

/** Throws ModelLoadError unless `file` is a regular file (links followed); false when missing. */
export function checkRegularFile(file: string): boolean {
  const k = pathKind(file);
  if (k.kind === 'other') throw new ModelLoadError(file, `${k.what}; expected a regular file (nothing was read)`);
  return k.kind === 'file';
}

export async function readTextChecked(file: string, maxBytes: number): Promise<string> {
  const k = pathKind(file);
  if (k.kind === 'missing') throw new ModelLoadError(file, 'missing');
  if (k.kind === 'other') throw new ModelLoadError(file, `${k.what}; expected a regular file (nothing was read)`);
  if (k.size > maxBytes) throw new ModelLoadError(file, `is ${k.size} bytes; a file of this kind is at most ${maxBytes} bytes, so it was not read`);
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    throw new ModelLoadError(file, `cannot read (${(e as Error).message})`, { cause: e });
  }
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    throw new ModelLoadError(file, 'is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8');
  }
  // A UTF-8 byte order mark is allowed and dropped.
  return buf.toString('utf8').replace(/^\uFEFF/, '');
}

export async function readJsonChecked(file: string, maxBytes: number): Promise<unknown> {
  const text = await readTextChecked(file, maxBytes);
  try {
    return parseJsonStrict(text);
  } catch (e) {
    throw new ModelLoadError(file, `not valid JSON (${(e as Error).message})`, { cause: e });
  }
}
