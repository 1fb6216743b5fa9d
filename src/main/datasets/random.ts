/** Seeded sampling helpers over the project's mulberry32 PRNG (deterministic per seed). */
import { mulberry32 } from '../engine/params';

export class Rng {
  private readonly next: () => number;

  /** `stream` gives independent sequences for the same seed (e.g. clean items vs corruptions). */
  constructor(seed: number, stream = 0) {
    // Mix the seed once so that nearby seeds (0, 1, 2) start far apart.
    this.next = mulberry32(Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b));
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[this.int(items.length)];
  }

  /** `k` distinct items, in random order. */
  pickDistinct<T>(items: readonly T[], k: number): T[] {
    if (k > items.length) throw new Error(`Rng.pickDistinct: asked for ${k} of ${items.length} items`);
    const pool = items.slice();
    for (let i = 0; i < k; i++) {
      const j = i + this.int(pool.length - i);
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return pool.slice(0, k);
  }
}
