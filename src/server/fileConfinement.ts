/**
 * Serve mode confines file operations to the data folder and the folders named on the command
 * line. Every operation whose params name a file or folder (`path`, `outDir`, `modelDirs`; the
 * operations are found from the operation table, not listed by hand) is checked before its handler runs; the refusal reads the same whether or not the file
 * exists, so it cannot be used to probe the disk.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ApiError } from '../shared/api/errors';
import { OP_NAMES, operations, type OpName } from '../shared/api/operations';
import type { HandlerTable } from '../main/api/handlers/context';

/** Params fields that name a file or folder: one path, or a list of them (study.run's outDir and modelDirs). */
export const PATH_FIELDS = ['path', 'outDir'] as const;
export const PATH_LIST_FIELDS = ['modelDirs'] as const;

/** The operations that read or write a file or folder the caller names (any of those fields in their params). */
export const PATH_OPS: readonly OpName[] = OP_NAMES.filter((op) => [...PATH_FIELDS, ...PATH_LIST_FIELDS].some((f) => Object.hasOwn(operations[op].params.fields, f)));

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

  /** The absolute path to use, or an ApiError that says nothing about the file itself; `field` names the param. */
  check(op: string, path: string, field = 'path'): string {
    if (this.allows(path)) return resolve(path);
    const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
    throw new ApiError(
      'invalid_request',
      `${op}: ${shown} is outside the folders this server may use (${this.roots.join(', ')}); start serve with --allow-dir to add a folder`,
      `params.${field}`,
    );
  }

  /** Params with every path field checked and made absolute. */
  checkParams(op: string, params: Record<string, unknown>): Record<string, unknown> {
    const checked = { ...params };
    for (const f of PATH_FIELDS) if (typeof params[f] === 'string') checked[f] = this.check(op, params[f], f);
    for (const f of PATH_LIST_FIELDS) {
      const list = params[f];
      if (Array.isArray(list)) checked[f] = list.map((p: unknown, i) => (typeof p === 'string' ? this.check(op, p, `${f}[${i}]`) : p));
    }
    return checked;
  }
}

/** The handler table with every path operation checked (and its paths made absolute) first. */
export function confineHandlers(handlers: HandlerTable, confinement: FileConfinement): HandlerTable {
  const confined = { ...handlers } as Record<OpName, (params: never, ctx: never) => Promise<unknown>>;
  for (const op of PATH_OPS) {
    const inner = handlers[op] as (params: Record<string, unknown>, ctx: unknown) => Promise<unknown>;
    const checked = (params: Record<string, unknown>, ctx: unknown): Promise<unknown> => inner(confinement.checkParams(op, params), ctx);
    confined[op] = checked as never;
  }
  return confined as unknown as HandlerTable;
}
