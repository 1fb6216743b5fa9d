/**
 * Reproducibility: every number of one study document against another's, walking both JSON
 * trees in step. Strings must match exactly (labels, prompts, edges); numbers within a tolerance;
 * null stands for NaN (JSON has no NaN) and must be null on both sides.
 */

export interface NumberDiff {
  /** Numbers compared. */
  numbers: number;
  maxAbsDiff: number;
  /** Where the largest difference is, as a JSON path. */
  worstPath: string | null;
  /** Structural or string mismatches (first 20). */
  mismatches: string[];
}

export function compareNumbers(a: unknown, b: unknown): NumberDiff {
  const out: NumberDiff = { numbers: 0, maxAbsDiff: 0, worstPath: null, mismatches: [] };
  const miss = (where: string, what: string): void => {
    if (out.mismatches.length < 20) out.mismatches.push(`${where}: ${what}`);
  };
  const walk = (x: unknown, y: unknown, where: string): void => {
    if (typeof x === 'number' && typeof y === 'number') {
      out.numbers++;
      const d = Math.abs(x - y);
      if (d > out.maxAbsDiff || Number.isNaN(d)) {
        out.maxAbsDiff = Number.isNaN(d) ? Infinity : d;
        out.worstPath = where;
      }
    } else if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) miss(where, `length ${x.length} vs ${y.length}`);
      for (let i = 0; i < Math.min(x.length, y.length); i++) walk(x[i], y[i], `${where}[${i}]`);
    } else if (x && y && typeof x === 'object' && typeof y === 'object') {
      const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
      for (const k of keys) {
        if (!(k in x) || !(k in y)) miss(`${where}.${k}`, 'present on one side only');
        else walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${where}.${k}`);
      }
    } else if (x !== y) {
      miss(where, `${JSON.stringify(x)?.slice(0, 40)} vs ${JSON.stringify(y)?.slice(0, 40)}`);
    }
  };
  walk(a, b, '$');
  return out;
}
