/**
 * Checks before a project file is opened at all (stat and access only, nothing opened): a FIFO,
 * device, directory or dangling link is refused, and so is a file this process cannot write,
 * before SQLite would create -wal/-shm files beside it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathKind } from '../loader/fileKind';
import { NotAFileError, ReadOnlyProjectError } from './errors';

/** 'missing' or 'file'; throws NotAFileError for anything else at the path. */
export function projectPathKind(file: string): 'missing' | 'file' {
  const k = pathKind(file);
  if (k.kind === 'other') throw new NotAFileError(file, k.what);
  return k.kind;
}

const writable = (p: string): boolean => {
  try {
    fs.accessSync(p, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/** SQLite in WAL mode writes the file and creates `-wal`/`-shm` beside it. */
export function checkWritable(file: string): void {
  if (!writable(file)) throw new ReadOnlyProjectError(file, 'the file is read-only for this user');
  const real = fs.realpathSync(file);
  const dir = path.dirname(real);
  const sideFilesExist = fs.existsSync(`${real}-wal`) && fs.existsSync(`${real}-shm`);
  if (!sideFilesExist && !writable(dir)) throw new ReadOnlyProjectError(file, `its folder ${dir} is read-only for this user, and SQLite needs to create the -wal and -shm files there`);
}
