/**
 * What a removed edge feeds its receiver instead of the sender's clean output: the sender's
 * output on the corrupted prompt (resample ablation), its mean over a reference set of prompts
 * (mean ablation, per position), or zero.
 *
 * For one prompt group this caches, per sender group (the input embeddings, each layer's heads,
 * each MLP), the ablated output, and the clean input embeddings; the edge runner turns them into
 * per-sender differences (current - ablated) as the intervened forward pass produces them.
 */
import { blockHook } from '../engine/hookNames';
import type { HookedGPT2 } from '../engine/model';
import { tf, type Tensor } from '../engine/tf';
import type { PromptGroup } from '../analysis/promptBatch';
import { AnalysisError } from '../analysis/progress';

export type AblationKind = 'corrupted' | 'mean' | 'zero';
export const ABLATION_KINDS: readonly AblationKind[] = ['corrupted', 'mean', 'zero'];

/** Which prompts the mean of a mean ablation is taken over (per position, within a length group). */
export type MeanReference = 'corrupted' | 'clean';

export interface AblatedOutputs {
  /** Input node output (token + position embedding) of the clean prompts: [B, T, D]. */
  cleanInput: Tensor;
  /** Input node output to use when its edges are removed: [B or 1, T, D]. */
  input: Tensor;
  /** Per layer: heads' ablated outputs [B or 1, T, H, D] (the attn.hook_result of each head). */
  heads: Tensor[];
  /** Per layer: the MLP's ablated output [B or 1, T, D] (absent in attention-only models). */
  mlps: Tensor[];
  /** Clean and corrupted last-position logits [B, V]. */
  cleanLogits: Tensor;
  corruptedLogits: Tensor;
  dispose(): void;
}

/** The names every ablation needs cached from a run. */
function senderOutputNames(model: HookedGPT2): string[] {
  const names = ['hook_embed', 'hook_pos_embed'];
  for (let l = 0; l < model.config.nLayer; l++) {
    names.push(blockHook(l, 'attn.hook_result'));
    if (!model.config.attnOnly) names.push(blockHook(l, 'hook_mlp_out'));
  }
  return names;
}

/** Per position, the mean of every sender's output over a whole length group: [1, T, ...] each. */
export interface SenderMeans {
  input: Tensor;
  heads: Tensor[];
  mlps: Tensor[];
  dispose(): void;
}

/**
 * The mean ablation's values: each sender's output averaged over every prompt of the length group
 * (the clean or corrupted prompts per `meanReference`), summed chunk by chunk of `maxRows` rows so
 * the memory stays bounded while the mean stays that of the whole group.
 */
export function groupSenderMeans(model: HookedGPT2, group: PromptGroup, meanReference: MeanReference, maxRows: number): SenderMeans {
  const c = model.config;
  const names = senderOutputNames(model);
  const prompts = meanReference === 'clean' ? group.clean : group.corrupted;
  const B = prompts.length;
  const rows = Math.max(1, Math.floor(maxRows));
  let sums: Tensor[] | undefined; // input, then per layer heads (and MLP)
  for (let r0 = 0; r0 < B; r0 += rows) {
    const { cache } = model.runWithCache(prompts.slice(r0, r0 + rows), names, { logits: 'none' });
    const next = tf.tidy(() => {
      const parts = [cache.get('hook_embed').add(cache.get('hook_pos_embed')).sum(0, true)]; // [1, T, D]
      for (let l = 0; l < c.nLayer; l++) {
        parts.push(cache.get(blockHook(l, 'attn.hook_result')).sum(0, true)); // [1, T, H, D]
        if (!c.attnOnly) parts.push(cache.get(blockHook(l, 'hook_mlp_out')).sum(0, true)); // [1, T, D]
      }
      return sums ? parts.map((p, i) => p.add(sums![i])) : parts;
    });
    cache.dispose();
    if (sums) tf.dispose(sums);
    sums = next;
  }
  const means = tf.tidy(() => sums!.map((s) => s.div(B))); // [1, T, ...]
  tf.dispose(sums!);
  const per = c.attnOnly ? 1 : 2;
  const heads = Array.from({ length: c.nLayer }, (_, l) => means[1 + l * per]);
  const mlps = c.attnOnly ? [] : Array.from({ length: c.nLayer }, (_, l) => means[2 + l * per]);
  return { input: means[0], heads, mlps, dispose: () => tf.dispose(means) };
}

/**
 * Ablated outputs for one chunk of a length group. A mean ablation must be given `means`, the
 * means over the whole length group (groupSenderMeans): a chunk's own mean would make results
 * depend on the dataset's size and order.
 */
export function ablatedOutputs(model: HookedGPT2, group: PromptGroup, kind: AblationKind, means?: SenderMeans): AblatedOutputs {
  if (!ABLATION_KINDS.includes(kind)) throw new AnalysisError(`unknown ablation ${JSON.stringify(kind)} (one of ${ABLATION_KINDS.join(', ')})`);
  if (kind === 'mean' && !means) throw new Error('internal: a mean ablation needs the means over the whole length group');
  const c = model.config;
  const names = kind === 'corrupted' ? senderOutputNames(model) : [];
  const clean = model.runWithCache(group.clean, ['hook_embed', 'hook_pos_embed'], { logits: 'last' });
  const corrupted = model.runWithCache(group.corrupted, names, { logits: 'last' });
  try {
    const out = tf.tidy(() => {
      const cleanInput = clean.cache.get('hook_embed').add(clean.cache.get('hook_pos_embed')); // [B, T, D]
      if (kind === 'mean') return { cleanInput, input: means!.input.clone(), heads: means!.heads.map((h) => h.clone()), mlps: means!.mlps.map((m) => m.clone()) }; // [1, T, ...]
      if (kind === 'zero') {
        const heads = Array.from({ length: c.nLayer }, () => tf.zeros([1, group.length, c.nHead, c.dModel])); // [1, T, H, D]
        const mlps = c.attnOnly ? [] : Array.from({ length: c.nLayer }, () => tf.zeros([1, group.length, c.dModel])); // [1, T, D]
        return { cleanInput, input: tf.zeros([1, group.length, c.dModel]), heads, mlps };
      }
      // Resample ablation: copies of the corrupted run's outputs (the cache is freed below).
      const source = corrupted.cache;
      const input = source.get('hook_embed').add(source.get('hook_pos_embed')); // [B, T, D]
      const heads: Tensor[] = [];
      const mlps: Tensor[] = [];
      for (let l = 0; l < c.nLayer; l++) {
        heads.push(source.get(blockHook(l, 'attn.hook_result')).clone()); // [B, T, H, D]
        if (!c.attnOnly) mlps.push(source.get(blockHook(l, 'hook_mlp_out')).clone()); // [B, T, D]
      }
      return { cleanInput, input, heads, mlps };
    });
    const cleanLogits = clean.logits!;
    const corruptedLogits = corrupted.logits!;
    return {
      ...out,
      cleanLogits,
      corruptedLogits,
      dispose() {
        tf.dispose([out.cleanInput, out.input, ...out.heads, ...out.mlps, cleanLogits, corruptedLogits]);
      },
    };
  } finally {
    clean.cache.dispose();
    corrupted.cache.dispose();
  }
}
