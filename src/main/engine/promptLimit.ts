/**
 * The longest prompt the live backend can run for a model, when its memory is bounded (wasm32:
 * a 4 GiB heap) and smaller than what the model's full context needs.
 *
 * A forward without hooks frees each block's intermediates before the next block (one scope per
 * block), so the peak is the weights plus one block's intermediates plus the embeddings and the
 * logits. Per token, a block holds about 16 residual-sized tensors, 8 MLP-sized ones (the GELU
 * temporaries) and 4 attention rows per head (scores, mask, softmax, pattern), in float32; the
 * logits of every position take one vocabulary row per token. The allocator's fragmentation is
 * covered by a factor measured on the GPT-2-small shape: a 1024-token prompt peaked at 1,477 MiB
 * of wasm heap (docs/performance.md), 2.8x this estimate's activations above the weights.
 */
import type { ModelConfig } from './config';
import { parameterCount } from './params';

/** Measured heap use over the estimate of one block's intermediates (see above), rounded up. */
export const HEAP_OVERHEAD_FACTOR = 3;

/** Estimated peak bytes of intermediates for `rows` prompts of T tokens, weights excluded. */
export function activationPeakBytes(c: ModelConfig, rows: number, T: number): number {
  const perTokenBlock = (c.attnOnly ? 0 : 8 * c.dMlp) + 16 * c.dModel + 4 * c.nHead * T; // floats per token in one block
  const perTokenOutside = 2 * c.dModel + c.vocabSize; // embeddings and the residual carried between blocks; logits at every position
  return HEAP_OVERHEAD_FACTOR * 4 * rows * T * (perTokenBlock + perTokenOutside);
}

/** Bytes of the model's weights as float32 tensors (the unembedding is the embedding when tied). */
export function weightBytes(c: ModelConfig): number {
  return 4 * parameterCount(c);
}

/**
 * The largest prompt length (tokens per row, for `rows` rows) that fits in `memoryLimitBytes`
 * beside the weights, at most the model's context; the context when the backend has no limit.
 * 0 when not even one token fits.
 */
export function largestRunnableTokens(c: ModelConfig, memoryLimitBytes: number | undefined, rows = 1): number {
  if (memoryLimitBytes === undefined) return c.nCtx;
  const free = memoryLimitBytes - weightBytes(c);
  if (activationPeakBytes(c, rows, c.nCtx) <= free) return c.nCtx;
  // activationPeakBytes grows with T: the largest T that fits, by bisection over 0..nCtx
  let lo = 0;
  let hi = c.nCtx;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (activationPeakBytes(c, rows, mid) <= free) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** What bounds the prompt length, in words, e.g. "the wasm backend's 4.0 GiB of memory, 0.5 GiB of it weights". */
export function memoryLimitWords(c: ModelConfig, backendName: string, memoryLimitBytes: number): string {
  const size = (b: number): string => (b >= 1024 ** 3 ? `${(b / 1024 ** 3).toFixed(1)} GiB` : `${(b / 1024 ** 2).toFixed(1)} MiB`);
  return `the ${backendName} backend's ${size(memoryLimitBytes)} of memory, ${size(weightBytes(c))} of it weights,`;
}

/**
 * The memory bound on one prompt for dataset validation (datasets/validate.ts memoryBound), in
 * prompt tokens (less the BOS token the model puts first); undefined when the full context runs.
 */
export function promptMemoryBound(c: ModelConfig, backend: { name: string; memoryLimitBytes: number | undefined }): { maxPromptTokens: number; why: string } | undefined {
  const largest = largestRunnableTokens(c, backend.memoryLimitBytes);
  if (largest >= c.nCtx || backend.memoryLimitBytes === undefined) return undefined;
  return { maxPromptTokens: Math.max(0, largest - (c.prependBos ? 1 : 0)), why: memoryLimitWords(c, backend.name, backend.memoryLimitBytes) };
}
