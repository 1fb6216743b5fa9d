/**
 * What sits at a path, found with lstat/stat only (never open): reading a FIFO blocks forever,
 * a device never ends, a directory gives a bare EISDIR. Callers refuse anything but a regular file.
 */
import fs from 'node:fs';

export type PathKind = { kind: 'missing' } | { kind: 'file'; size: number } | { kind: 'other'; what: string };

function describeStats(st: fs.Stats): string {
  if (st.isDirectory()) return 'it is a directory';
  if (st.isFIFO()) return 'it is a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'it is a character device';
  if (st.isBlockDevice()) return 'it is a block device';
  if (st.isSocket()) return 'it is a socket';
  return 'it is not a regular file';
}

export function pathKind(file: string): PathKind {
  let link: fs.Stats;
  try {
    link = fs.lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return { kind: 'missing' };
    throw e;
  }
  let st = link;
  if (link.isSymbolicLink()) {
    try {
      st = fs.statSync(file);
    } catch (e) {
      const target = fs.readlinkSync(file);
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ELOOP' ? 'which loops back on itself' : code === 'ENOENT' ? 'which does not exist' : `which cannot be followed (${code})`;
      return { kind: 'other', what: `it is a symbolic link to ${JSON.stringify(target.length > 200 ? `${target.slice(0, 200)}…` : target)}, ${why}` };
    }
  }
  return st.isFile() ? { kind: 'file', size: st.size } : { kind: 'other', what: describeStats(st) };
}
