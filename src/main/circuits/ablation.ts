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

export function ablatedOutputs(model: HookedGPT2, group: PromptGroup, kind: AblationKind, meanReference: MeanReference = 'corrupted'): AblatedOutputs {
  if (!ABLATION_KINDS.includes(kind)) throw new AnalysisError(`unknown ablation ${JSON.stringify(kind)} (one of ${ABLATION_KINDS.join(', ')})`);
  const c = model.config;
  const names = senderOutputNames(model);
  const clean = model.runWithCache(group.clean, ['hook_embed', 'hook_pos_embed'], { logits: 'last' });
  const corrupted = model.runWithCache(group.corrupted, names, { logits: 'last' });
  const reference = kind === 'mean' && meanReference === 'clean' ? model.runWithCache(group.clean, names, { logits: 'none' }) : undefined;
  try {
    const out = tf.tidy(() => {
      const source = reference?.cache ?? corrupted.cache;
      const reduce = (x: Tensor): Tensor => (kind === 'zero' ? tf.zerosLike(x.slice(0, 1)) : kind === 'mean' ? x.mean(0, true) : x.clone()); // [B or 1, ...] (a copy: the cache is freed below)
      const cleanInput = clean.cache.get('hook_embed').add(clean.cache.get('hook_pos_embed')); // [B, T, D]
      const input = reduce(source.get('hook_embed').add(source.get('hook_pos_embed'))); // [B|1, T, D]
      const heads: Tensor[] = [];
      const mlps: Tensor[] = [];
      for (let l = 0; l < c.nLayer; l++) {
        heads.push(reduce(source.get(blockHook(l, 'attn.hook_result')))); // [B|1, T, H, D]
        if (!c.attnOnly) mlps.push(reduce(source.get(blockHook(l, 'hook_mlp_out')))); // [B|1, T, D]
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
    reference?.cache.dispose();
  }
}
