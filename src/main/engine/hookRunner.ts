/**
 * One forward call's hook state: which points are hooked, which are cached, and the cache
 * itself. A HookRunner lives for exactly one call, so hooks are never left installed.
 */
import { tf, type Tensor } from './tf';

export interface HookContext {
  name: string;
  layer: number | undefined;
}

/** Reads an activation and may return a replacement of the same shape (or nothing to keep it). */
export type HookFn = (activation: Tensor, ctx: HookContext) => Tensor | void;

export type NameFilter = string | readonly string[] | ((name: string) => boolean);

export interface Hook {
  name: NameFilter;
  fn: HookFn;
}

export function matchesFilter(filter: NameFilter, name: string): boolean {
  if (typeof filter === 'string') return filter === name;
  if (typeof filter === 'function') return filter(name);
  return filter.includes(name);
}

export class HookRunner {
  readonly cache = new Map<string, Tensor>();
  private readonly wanted = new Map<string, boolean>();

  constructor(
    private readonly hooks: readonly Hook[],
    private readonly cacheFilter: NameFilter | undefined,
  ) {}

  /** Whether anything reads or replaces this point (decides whether optional points are built). */
  wants(name: string): boolean {
    let w = this.wanted.get(name);
    if (w === undefined) {
      w = this.hooks.some((h) => matchesFilter(h.name, name)) || (this.cacheFilter !== undefined && matchesFilter(this.cacheFilter, name));
      this.wanted.set(name, w);
    }
    return w;
  }

  /** Pass an activation through its hook point: hooks may replace it, the cache keeps a copy. */
  point(name: string, layer: number | undefined, activation: Tensor): Tensor {
    if (!this.wants(name)) return activation;
    let current = activation;
    for (const hook of this.hooks) {
      if (!matchesFilter(hook.name, name)) continue;
      const replaced = hook.fn(current, { name, layer });
      if (replaced) {
        if (!arraysEqual(replaced.shape, current.shape)) {
          throw new Error(`hook on ${name} returned shape [${replaced.shape}] but the activation is [${current.shape}]`);
        }
        current = replaced;
      }
    }
    if (this.cacheFilter !== undefined && matchesFilter(this.cacheFilter, name)) {
      if (this.cache.has(name)) throw new Error(`hook point ${name} fired twice in one call; it cannot be cached`);
      this.cache.set(name, tf.keep(current));
    }
    return current;
  }
}

function arraysEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
