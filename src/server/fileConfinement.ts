/**
 * Serve mode confines file operations to the data folder and the folders named on the command
 * line. Every operation whose params carry a `path` (found from the operation table, not listed by
 * hand) is checked before its handler runs; the refusal reads the same whether or not the file
 * exists, so it cannot be used to probe the disk.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ApiError } from '../shared/api/errors';
import { OP_NAMES, operations, type OpName } from '../shared/api/operations';
import type { HandlerTable } from '../main/api/handlers/context';

/** The operations that read or write a file or folder the caller names (params field `path`). */
export const PATH_OPS: readonly OpName[] = OP_NAMES.filter((op) => Object.hasOwn(operations[op].params.fields, 'path'));

/** The real path of `p`, resolving symlinks in the part that exists (the rest cannot be a link yet). */
function realPathOfNearest(p: string): string {
  const missing: string[] = [];
  let dir = p;
  for (;;) {
    try {
      return join(realpathSync(dir), ...missing.reverse());
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return p;
      missing.push(basename(dir));
      dir = parent;
    }
  }
}

export class FileConfinement {
  /** Allowed folders, symlinks resolved. */
  readonly roots: readonly string[];

  constructor(roots: readonly string[]) {
    this.roots = [...new Set(roots.map((r) => realPathOfNearest(resolve(r))))];
  }

  allows(path: string): boolean {
    const real = realPathOfNearest(resolve(path));
    return this.roots.some((root) => real === root || real.startsWith(root.endsWith(sep) ? root : root + sep));
  }

  /** The absolute path to use, or an ApiError that says nothing about the file itself. */
  check(op: string, path: string): string {
    if (this.allows(path)) return resolve(path);
    const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
    throw new ApiError(
      'invalid_request',
      `${op}: ${shown} is outside the folders this server may use (${this.roots.join(', ')}); start serve with --allow-dir to add a folder`,
      'params.path',
    );
  }
}

/** The handler table with every path operation checked (and its path made absolute) first. */
export function confineHandlers(handlers: HandlerTable, confinement: FileConfinement): HandlerTable {
  const confined = { ...handlers } as Record<OpName, (params: never, ctx: never) => Promise<unknown>>;
  for (const op of PATH_OPS) {
    const inner = handlers[op] as (params: { path?: string }, ctx: unknown) => Promise<unknown>;
    const checked = (params: { path?: string }, ctx: unknown): Promise<unknown> =>
      inner(params.path === undefined ? params : { ...params, path: confinement.check(op, params.path) }, ctx);
    confined[op] = checked as never;
  }
  return confined as unknown as HandlerTable;
}
