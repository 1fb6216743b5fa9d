/**
 * GPT-2's byte-to-unicode table: every byte maps to a printable character so BPE tokens are
 * strings (space is 'Ġ', newline 'Ċ'). Used to turn tokens back into readable text for labels.
 */

function buildByteToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table = new Array<string>(256);
  for (const b of printable) table[b] = String.fromCharCode(b);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (table[b] === undefined) table[b] = String.fromCharCode(256 + next++);
  }
  return table;
}

/** BYTE_TO_UNICODE[b] is the character byte b is written as inside a byte-level BPE token. */
export const BYTE_TO_UNICODE: readonly string[] = buildByteToUnicode();
export const UNICODE_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_UNICODE.map((c, b) => [c, b]));

/** The bytes a byte-level token stands for, or undefined if it holds a character outside the table. */
export function byteLevelTokenBytes(token: string): Uint8Array | undefined {
  const chars = [...token];
  const bytes = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) {
    const b = UNICODE_TO_BYTE.get(chars[i]);
    if (b === undefined) return undefined;
    bytes[i] = b;
  }
  return bytes;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Readable text of one byte-level token: 'ĠMary' -> ' Mary'. A token that is only part of a
 * multi-byte character shows its bytes as \xNN escapes instead of replacement characters.
 */
export function byteLevelTokenToText(token: string): string {
  const bytes = byteLevelTokenBytes(token);
  if (!bytes) return token; // an added token written verbatim
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return [...bytes].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
  }
}
