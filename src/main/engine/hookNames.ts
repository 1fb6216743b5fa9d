/**
 * Hook point names, spelled as in TransformerLens so that users carry their habits over.
 * Shapes (B batch, T positions, D d_model, H heads, dh d_head, M d_mlp):
 *   hook_embed, hook_pos_embed                 [B, T, D]
 *   blocks.L.hook_resid_pre|mid|post           [B, T, D]
 *   blocks.L.ln1|ln2.hook_scale                [B, T, 1]   (ln1 with split q/k/v inputs: [3, B, T, H, 1])
 *   blocks.L.ln1|ln2.hook_normalized           [B, T, D]   (ln1 with split q/k/v inputs: [3, B, T, H, D])
 *   blocks.L.hook_q_input|k_input|v_input      [B, T, H, D]   (only materialised when asked for)
 *   blocks.L.attn.hook_q|k|v|z                 [B, T, H, dh]
 *   blocks.L.attn.hook_attn_scores|pattern     [B, H, Tq, Tk]
 *   blocks.L.attn.hook_result                  [B, T, H, D]   (only materialised when asked for)
 *   blocks.L.hook_attn_out|mlp_in|mlp_out      [B, T, D]
 *   blocks.L.mlp.hook_pre|post                 [B, T, M]
 *   ln_final.hook_scale [B, T, 1], ln_final.hook_normalized [B, T, D]
 */
import type { ModelConfig } from './config';

export const blockHook = (layer: number, suffix: string): string => `blocks.${layer}.${suffix}`;

export const QKV_INPUT_SUFFIXES = ['hook_q_input', 'hook_k_input', 'hook_v_input'] as const;

/** Every hook point a model of this config has, in the order the forward pass reaches them. */
export function allHookNames(c: ModelConfig): string[] {
  const names = ['hook_embed', 'hook_pos_embed'];
  const hasNorm = c.normalization !== 'none';
  for (let l = 0; l < c.nLayer; l++) {
    const b = (s: string): string => blockHook(l, s);
    names.push(b('hook_resid_pre'));
    names.push(...QKV_INPUT_SUFFIXES.map(b));
    if (hasNorm) names.push(b('ln1.hook_scale'), b('ln1.hook_normalized'));
    names.push(
      b('attn.hook_q'), b('attn.hook_k'), b('attn.hook_v'),
      b('attn.hook_attn_scores'), b('attn.hook_pattern'), b('attn.hook_z'), b('attn.hook_result'),
      b('hook_attn_out'),
    );
    if (!c.attnOnly) {
      names.push(b('hook_resid_mid'), b('hook_mlp_in'));
      if (hasNorm) names.push(b('ln2.hook_scale'), b('ln2.hook_normalized'));
      names.push(b('mlp.hook_pre'), b('mlp.hook_post'), b('hook_mlp_out'));
    }
    names.push(b('hook_resid_post'));
  }
  if (hasNorm) names.push('ln_final.hook_scale', 'ln_final.hook_normalized');
  return names;
}

/** The layer a hook name belongs to, or undefined for embedding and final hooks. */
export function hookLayer(name: string): number | undefined {
  const m = /^blocks\.(\d+)\./.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Points that change how their layer is computed, so they exist only when a caller names them. */
export function isOptionalHook(name: string): boolean {
  return /\.hook_[qkv]_input$/.test(name) || name.endsWith('.attn.hook_result');
}
