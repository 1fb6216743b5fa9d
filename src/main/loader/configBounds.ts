/**
 * Sizes far beyond any GPT-2-family model are refused before anything is allocated ("n_layer":
 * 1e15 once ran for 20 s and died with "Map maximum size exceeded").
 */
import { ModelLoadError } from './errors';

/** GPT-2 XL: 48 layers, 25 heads, 1600 wide, 1024 positions, 50257 tokens. These leave ample room. */
export const CONFIG_BOUNDS: Readonly<Record<string, number>> = {
  n_layer: 512,
  n_head: 1024,
  n_embd: 65_536,
  n_inner: 262_144,
  n_positions: 1_048_576,
  n_ctx: 1_048_576,
  vocab_size: 4_194_304,
};

export function checkConfigBounds(raw: unknown, file: string): void {
  if (typeof raw !== 'object' || raw === null) return;
  for (const [key, max] of Object.entries(CONFIG_BOUNDS)) {
    const v = (raw as Record<string, unknown>)[key];
    if (typeof v === 'number' && v > max) throw new ModelLoadError(file, `${key} is ${v}; this workbench reads models with ${key} up to ${max}`);
  }
}
