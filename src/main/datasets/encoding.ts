/**
 * Dataset text that is not UTF-8 with LF/CRLF line ends gets a message that says so, instead of
 * a confusing parse error on line 1 (UTF-16 read as UTF-8 is all NULs; CR-only files are one line).
 */
import { DatasetParseError } from './parseItem';

/** Decode a dataset file's bytes: UTF-8 (a BOM is dropped); UTF-16 (by its BOM) is refused by name. */
export function decodeDatasetBytes(bytes: Uint8Array, source: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    const order = bytes[0] === 0xff ? 'little-endian' : 'big-endian';
    throw new DatasetParseError(`${source}: the file is UTF-16 (${order}, by its byte order mark); save it as UTF-8`, source, 1);
  }
  return new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
}

/** Checks on decoded text shared by the JSONL and CSV readers. */
export function checkDatasetText(text: string, source: string): void {
  if (text.startsWith('\uFFFD\uFFFD') || /^(?:[^\0\n]\0){2}|^(?:\0[^\0\n]){2}/.test(text)) {
    throw new DatasetParseError(`${source}: the file looks like UTF-16 (NUL bytes between characters); save it as UTF-8`, source, 1);
  }
  const firstLf = text.indexOf('\n');
  const firstCr = text.indexOf('\r');
  if (firstCr >= 0 && text[firstCr + 1] !== '\n' && (firstLf < 0 || firstCr < firstLf)) {
    throw new DatasetParseError(`${source}: line 1: lines end with a lone carriage return (CR, old Mac line ends); save the file with LF or CRLF line ends`, source, 1);
  }
}
