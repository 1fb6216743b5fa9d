/** A weight holding NaN or +-Inf makes every forward NaN: refuse it at load, naming the tensor. */
import type { ParamTensor } from '../engine/params';
import { ModelLoadError } from './errors';

function label(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

export function checkFiniteWeights(tensor: ParamTensor, file: string, name: string): void {
  const { data } = tensor;
  let first = -1;
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    // v - v is 0 for every finite v and NaN for NaN and +-Inf: one test covers all three.
    if (data[i] - data[i] !== 0) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return;
  throw new ModelLoadError(
    file,
    `tensor "${name}" holds ${label(data[first])} at element ${first} (${count} non-finite value${count === 1 ? '' : 's'} of ${data.length}); a model with non-finite weights gives NaN for every prompt`,
  );
}
