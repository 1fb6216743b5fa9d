/** Edge masks as compact text (packed bits, little-endian within a byte, base64) for checkpoints and files. */

export function encodeMask(mask: Uint8Array): string {
  const bytes = new Uint8Array(Math.ceil(mask.length / 8));
  for (let i = 0; i < mask.length; i++) if (mask[i]) bytes[i >> 3] |= 1 << (i & 7);
  return Buffer.from(bytes).toString('base64');
}

export function decodeMask(text: string, length: number): Uint8Array {
  if (typeof text !== 'string') throw new Error(`an edge mask must be a base64 string, got ${typeof text}`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== Math.ceil(length / 8)) throw new Error(`the edge mask holds ${bytes.length * 8} bits; ${length} edges need ${Math.ceil(length / 8)} bytes`);
  const mask = new Uint8Array(length);
  for (let i = 0; i < length; i++) mask[i] = (bytes[i >> 3] >> (i & 7)) & 1;
  return mask;
}
