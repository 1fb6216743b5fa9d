/**
 * Parts of a tensor without tfjs-wasm's Slice kernel, which first copies its whole input out of
 * the wasm heap (readSync) and only then cuts: taking n parts of one tensor by slice costs n full
 * copies (a 256 KB part of a 3 MB tensor took 1.8 ms). Gather reads the heap in place.
 */
import { tf, type Tensor } from './tf';

/** x[index] along `axis`, the axis kept with size 1. */
export function take(x: Tensor, axis: number, index: number): Tensor {
  return tf.gather(x, [index], axis);
}

/** Position `pos` of every row of x, viewed as [R, T, D] (D its last axis): [R, D]. */
export function atPosition(x: Tensor, T: number, pos: number): Tensor {
  const D = x.shape[x.rank - 1] as number;
  return take(x.reshape([-1, T, D]), 1, pos).reshape([-1, D]); // [R, D]
}
