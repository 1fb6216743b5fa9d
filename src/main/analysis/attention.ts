/**
 * Attention patterns (outline step 3a): per head and prompt (destination x source, with the
 * tokens), and averaged over a dataset between named positions (e.g. END -> IO, END -> S1).
 */
import type { HookedGPT2 } from '../engine/model';
import { blockHook } from '../engine/hookNames';
import type { TaskItem } from '../datasets/types';
import type { Tokenizer } from '../tokenizer/types';
import { tf } from '../engine/tf';
import { AnalysisError, Progress, type AnalysisOptions } from './progress';
import type { PromptBatch } from './promptBatch';
import type { NamedPositions } from './positionGroups';
import type { PromptSide } from './logitLens';

export interface AttentionPatternResult {
  kind: 'attention';
  tokens: string[];
  /** The layers shown, in order (every layer unless asked for fewer). */
  layers: number[];
  /** [layers, H, Tq, Tk] row-major: values[((i * H + h) * T + q) * T + k] for layers[i]. */
  shape: [number, number, number, number];
  values: number[];
}

/** Every head's pattern on one prompt, for all layers or the ones given. */
export async function attentionPatterns(model: HookedGPT2, ids: number[], tokens: string[], layers?: readonly number[]): Promise<AttentionPatternResult> {
  const c = model.config;
  const chosen = layers ? [...layers] : Array.from({ length: c.nLayer }, (_, l) => l);
  for (const l of chosen) if (!Number.isInteger(l) || l < 0 || l >= c.nLayer) throw new AnalysisError(`layer ${l} is outside 0..${c.nLayer - 1}`);
  if (chosen.length === 0) throw new AnalysisError('no layers to show attention for');
  const names = chosen.map((l) => blockHook(l, 'attn.hook_pattern'));
  const { cache } = model.runWithCache([ids], names, { logits: 'none' });
  try {
    const stacked = tf.tidy(() => tf.concat(names.map((n) => cache.get(n)), 0)); // [layers, H, T, T]
    const values = Array.from(await stacked.data());
    stacked.dispose();
    const T = ids.length;
    return { kind: 'attention', tokens, layers: chosen, shape: [chosen.length, c.nHead, T, T], values };
  } finally {
    cache.dispose();
  }
}

export type { NamedPositions } from './positionGroups';

/** Every position of a word (spelled as an answer, " Mary") in a token row. */
export function wordPositions(tokenizer: Tokenizer, ids: readonly number[], word: string): number[] {
  const wordIds = tokenizer.encode(` ${word}`);
  if (wordIds.length !== 1) return [];
  const out: number[] = [];
  ids.forEach((id, i) => id === wordIds[0] && out.push(i));
  return out;
}

/**
 * Positions named from an item's meta by token matching:
 * END (last token) always; IOI: IO, S1 (first S), S2 (last S); comparison: A, B (first
 * mentions), X (premise adjective), Y (conclusion adjective); latest: N1, N2, ... (subjects).
 * Names absent from the prompt are left out. The same names as the templates' slots
 * (positionGroups.slotPositions, which also names the other slots: PLACE, OBJECT, ...).
 */
export function namedPositions(item: TaskItem, ids: readonly number[], tokenizer: Tokenizer): NamedPositions {
  const out: NamedPositions = { END: ids.length - 1 };
  const meta = item.meta ?? {};
  const first = (name: string, word: string | undefined): void => {
    if (!word) return;
    const p = wordPositions(tokenizer, ids, word);
    if (p.length > 0) out[name] = p[0];
  };
  const last = (name: string, word: string | undefined): void => {
    if (!word) return;
    const p = wordPositions(tokenizer, ids, word);
    if (p.length > 0) out[name] = p[p.length - 1];
  };
  if (item.task === 'ioi') {
    first('IO', meta.io);
    first('S1', meta.s);
    last('S2', meta.s);
  } else if (item.task === 'comparison') {
    first('A', meta.a);
    first('B', meta.b);
    first('X', meta.premise);
    last('Y', meta.conclusion);
  } else if (item.task === 'latest') {
    (meta.subjects ?? '').split(',').filter(Boolean).forEach((s, i) => first(`N${i + 1}`, s));
  }
  return out;
}

export interface AverageAttentionResult {
  kind: 'attention-average';
  side: PromptSide;
  pairs: { from: string; to: string }[];
  /** [P, L, H] mean attention from `from` to `to` over the prompts that have both positions. */
  shape: [number, number, number];
  values: number[];
  /** Prompts averaged per pair. */
  counts: number[];
}

/** Default pairs: END to every other name the first prompt has. */
export function defaultPairs(positions: NamedPositions): { from: string; to: string }[] {
  return Object.keys(positions).filter((n) => n !== 'END').map((to) => ({ from: 'END', to }));
}

export async function averageAttention(
  model: HookedGPT2,
  batch: PromptBatch,
  positionsOf: (groupIndex: number, rowInGroup: number) => NamedPositions,
  pairs: readonly { from: string; to: string }[],
  opts: AnalysisOptions & { side?: PromptSide } = {},
): Promise<AverageAttentionResult> {
  if (pairs.length === 0) throw new AnalysisError('no position pairs to average attention over');
  const side = opts.side ?? 'clean';
  const c = model.config;
  const L = c.nLayer;
  const H = c.nHead;
  const P = pairs.length;
  const sums = new Float64Array(P * L * H);
  const counts = new Array<number>(P).fill(0);
  const names = Array.from({ length: L }, (_, l) => blockHook(l, 'attn.hook_pattern'));
  const progress = new Progress(batch.groups.length, opts);
  for (let gi = 0; gi < batch.groups.length; gi++) {
    progress.check();
    const g = batch.groups[gi];
    const T = g.length;
    const { cache } = model.runWithCache(g[side], names, { logits: 'none' });
    let data: Float32Array;
    try {
      const stacked = tf.tidy(() => tf.stack(names.map((n) => cache.get(n)), 0)); // [L, B, H, T, T]
      data = (await stacked.data()) as Float32Array;
      stacked.dispose();
    } finally {
      cache.dispose();
    }
    const B = g.rows.length;
    for (let b = 0; b < B; b++) {
      const pos = positionsOf(gi, b);
      pairs.forEach(({ from, to }, p) => {
        const q = pos[from];
        const k = pos[to];
        if (q === undefined || k === undefined) return;
        counts[p]++;
        for (let l = 0; l < L; l++) {
          for (let h = 0; h < H; h++) sums[(p * L + l) * H + h] += data[(((l * B + b) * H + h) * T + q) * T + k];
        }
      });
    }
    await progress.step();
  }
  const values = Array.from(sums, (s, i) => {
    const n = counts[Math.floor(i / (L * H))];
    return n === 0 ? Number.NaN : s / n;
  });
  return { kind: 'attention-average', side, pairs: pairs.map((p) => ({ ...p })), shape: [P, L, H], values, counts };
}
