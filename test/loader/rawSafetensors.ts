/**
 * Test-side safetensors byte building, independent of the writer under test: lets a test craft
 * exactly the (possibly broken) file it needs.
 */
import { readFile, writeFile } from 'node:fs/promises';

/** 8-byte little-endian length, the header JSON padded with spaces to 8 bytes, then `data`. */
export function rawSafetensors(header: unknown, data: Uint8Array, opts: { headerLength?: bigint } = {}): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  const out = new Uint8Array(8 + padded.length + data.length);
  new DataView(out.buffer).setBigUint64(0, opts.headerLength ?? BigInt(padded.length), true);
  out.set(padded, 8);
  out.set(data, 8 + padded.length);
  return out;
}

/** Split an existing safetensors file into its parsed header and data region. */
export async function splitSafetensors(file: string): Promise<{ header: Record<string, Record<string, unknown>>; data: Uint8Array }> {
  const bytes = new Uint8Array(await readFile(file));
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  return { header, data: bytes.subarray(8 + n) };
}

/** Rewrite a file's header in place (data region unchanged) with `mutate`. */
export async function rewriteHeader(file: string, mutate: (header: Record<string, Record<string, unknown>>) => void): Promise<void> {
  const { header, data } = await splitSafetensors(file);
  mutate(header);
  await writeFile(file, rawSafetensors(header, data));
}

export function f32Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

export function u16Bytes(bits: number[]): Uint8Array {
  const out = new Uint8Array(bits.length * 2);
  const view = new DataView(out.buffer);
  bits.forEach((b, i) => view.setUint16(i * 2, b, true));
  return out;
}
