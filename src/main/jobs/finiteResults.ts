/**
 * A result holding NaN or +-Inf is a broken number, not an answer: JSON would store it as null
 * and the run would look done. Find the first one and name the result and the field.
 */
import type { Json, ResultInput } from '../store';

export class NonFiniteResultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteResultError';
  }
}

const label = (v: number): string => (Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf');

/** Path of the first non-finite number inside a JSON-like value, e.g. `layers[1].logitDiff`. */
function firstNonFinite(value: unknown, path: string): { path: string; value: number } | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { path, value };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = firstNonFinite(value[i], `${path}[${i}]`);
      if (hit) return hit;
    }
  } else if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    for (const [k, v] of Object.entries(value)) {
      const hit = firstNonFinite(v, path ? `${path}.${k}` : k);
      if (hit) return hit;
    }
  } else if (value instanceof Float32Array || value instanceof Float64Array) {
    const i = value.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) return { path: `${path}[${i}]`, value: value[i] };
  }
  return undefined;
}

export function checkFiniteResults(outputs: readonly ResultInput[]): void {
  outputs.forEach((out, index) => {
    const name = out.name ? `"${out.name}"` : `#${index + 1}`;
    const hit = firstNonFinite(out.summary as Json, '');
    if (hit) throw new NonFiniteResultError(`result ${name} field ${hit.path || '(the summary itself)'} is ${label(hit.value)}; a run with non-finite numbers is not stored as done`);
    for (const [tensorName, t] of Object.entries(out.tensors ?? {})) {
      const data = ArrayBuffer.isView(t) ? t : t.data;
      if (!(data instanceof Float32Array)) continue;
      const i = data.findIndex((v) => !Number.isFinite(v));
      if (i >= 0) throw new NonFiniteResultError(`result ${name} tensor ${tensorName} holds ${label(data[i])} at element ${i}; a run with non-finite numbers is not stored as done`);
    }
  });
}
