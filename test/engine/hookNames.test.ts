/** Hook-name helpers on names a model with more than ten layers has. */
import { describe, expect, it } from 'vitest';
import { allHookNames, hookLayer, isOptionalHook } from '../../src/main/engine/hookNames';
import { tinyConfig } from '../helpers/engine';

describe('hook names', () => {
  it('hookLayer reads multi-digit layers and nothing from embedding or final points', () => {
    expect(hookLayer('blocks.12.attn.hook_z')).toBe(12);
    expect(hookLayer('blocks.0.hook_resid_pre')).toBe(0);
    expect(hookLayer('hook_embed')).toBeUndefined();
    expect(hookLayer('ln_final.hook_scale')).toBeUndefined();
    expect(hookLayer('xblocks.3.hook_resid_pre')).toBeUndefined();
  });

  it('every point of a 12-layer model names its own layer; only split inputs and per-head results are optional', () => {
    const config = tinyConfig({ n_layer: 12 });
    for (const name of allHookNames(config)) {
      const m = /^blocks\.(\d+)\./.exec(name);
      expect(hookLayer(name), name).toBe(m ? Number(m[1]) : undefined);
      expect(isOptionalHook(name), name).toBe(/\.hook_[qkv]_input$|\.attn\.hook_result$/.test(name));
    }
    expect(isOptionalHook('blocks.11.hook_q_input.extra')).toBe(false);
  });
});
