/**
 * The wasm backend multiplies one matrix pair through XNNPACK only when neither operand is
 * transposed; with transposeA or transposeB it falls back to a generic loop about ten times
 * slower (measured on the 2-core machine, [1984, 64] x [64, 256]: 2.4 ms as is, 31 ms with B
 * transposed, 33 ms with A transposed). Every backward pass of a matMul asks for those
 * (dA = dY B^T, dB = A^T dY), and so does the unembedding x W_U^T. This wraps the backend's
 * BatchMatMul kernel: an unbatched product with a transposed operand is rewritten with copies
 * (Transpose, far cheaper than the slow loop) so that it takes the fast path. Batched products
 * (leading axes above 1) take the generic loop with or without flags, so they pass through.
 */
import { tf } from './tf';

const BACKEND = 'wasm';
const BATCH_MAT_MUL = 'BatchMatMul';
const TRANSPOSE = 'Transpose';

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** True once the wrapper is registered (it stays for the process: kernels are global). */
let installed = false;

/** Product of the leading (batch) axes of a shape. */
function batchSize(shape: readonly number[]): number {
  return shape.slice(0, -2).reduce((a, b) => a * b, 1);
}

/** The permutation that swaps a rank-r tensor's last two axes. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

/** Register the wrapper over the wasm BatchMatMul kernel; a no-op when already done or when wasm is not registered. */
export function installFastTransposedMatMul(): void {
  if (installed) return;
  const original = tf.getKernel(BATCH_MAT_MUL, BACKEND);
  const transpose = tf.getKernel(TRANSPOSE, BACKEND);
  if (!original || !transpose) return;
  const fastTransposedBatchMatMul: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as MatMulAttrs;
    if (!(transposeA || transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32' || batchSize(a.shape) !== 1 || batchSize(b.shape) !== 1) return original.kernelFunc(args);
    const backend = args.backend as tf.KernelBackend;
    const made: tf.TensorInfo[] = [];
    const swapped = (x: tf.TensorInfo): tf.TensorInfo => {
      const t = transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm: swapLastTwo(x.shape.length) } }) as tf.TensorInfo; // [..., cols, rows]
      made.push(t);
      return t;
    };
    const plain = (x: tf.TensorInfo, y: tf.TensorInfo): tf.TensorInfo => original.kernelFunc({ inputs: { a: x, b: y }, backend, attrs: { ...args.attrs, transposeA: false, transposeB: false } }) as tf.TensorInfo;
    const size = (x: tf.TensorInfo) => x.shape.reduce((p, d) => p * d, 1);
    const rows = a.shape[a.shape.length - (transposeA ? 1 : 2)];
    const cols = b.shape[b.shape.length - (transposeB ? 2 : 1)];
    // op(A) op(B) directly (copy the flagged operands), or as (op(B)^T op(A)^T)^T (copy the
    // others and the product): whichever copies fewer numbers. The unembedding x W_U^T is the
    // second kind: W_U [V, D] is far larger than the few rows x and their logits.
    const direct = (transposeA ? size(a) : 0) + (transposeB ? size(b) : 0);
    const flipped = (transposeA ? 0 : size(a)) + (transposeB ? 0 : size(b)) + rows * cols;
    try {
      if (direct <= flipped) return plain(transposeA ? swapped(a) : a, transposeB ? swapped(b) : b);
      const product = plain(transposeB ? b : swapped(b), transposeA ? a : swapped(a)); // [..., cols, rows]
      made.push(product);
      return transpose.kernelFunc({ inputs: { x: product }, backend, attrs: { perm: swapLastTwo(product.shape.length) } }); // [..., rows, cols]
    } finally {
      for (const t of made) backend.disposeData(t.dataId);
    }
  };
  tf.unregisterKernel(BATCH_MAT_MUL, BACKEND);
  tf.registerKernel({ kernelName: BATCH_MAT_MUL, backendName: BACKEND, setupFunc: original.setupFunc, disposeFunc: original.disposeFunc, kernelFunc: fastTransposedBatchMatMul });
  installed = true;
}
