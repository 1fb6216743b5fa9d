/**
 * Plot 2 (outline step 2): activation patching of every head (denoising: clean head output into
 * the corrupted run) beside the lens by head (each head's direct logit attribution), and patching
 * of every MLP. The heads with the largest |effect| and the MLP with the largest |effect| are
 * what the later sections study.
 */
import { directLogitAttribution } from '../../analysis/dla';
import { activationPatching, type PatchResult } from '../../analysis/patching';
import { positionLabels, type PromptBatch } from '../../analysis/promptBatch';
import { headLabel, idOf, section, type SectionRunner, type TopHead } from '../context';

/** [rows, cols] row-major values as rows of a heatmap. */
export function grid(values: readonly number[], rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, r) => values.slice(r * cols, (r + 1) * cols));
}

/** Indices of the k largest |values| (finite ones), largest first; ties keep the lower index. */
export function topIndices(values: readonly number[], k: number): number[] {
  return values
    .map((_, i) => i)
    .filter((i) => Number.isFinite(values[i]))
    .sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]) || a - b)
    .slice(0, k);
}

export const patchingSection: SectionRunner = async (ctx) => {
  const { model, config } = ctx.session;
  const L = config.nLayer;
  const H = config.nHead;
  const heads: PatchResult = await activationPatching(model, ctx.batch, { target: 'heads', direction: 'denoise', metric: 'logit-diff', signal: ctx.signal });
  const dla = await directLogitAttribution(model, ctx.batch, { signal: ctx.signal, side: 'clean' });
  const labels = (ids: number[]): string[] => positionLabels(ctx.session.tokenizer, ids);
  // MLP outputs are patched per layer and position: [L, T], on the prompts of the most common token length (positions must align).
  const largest = ctx.batch.groups.reduce((a, g) => (g.rows.length > a.rows.length ? g : a));
  const oneLength: PromptBatch = { groups: [largest], size: largest.rows.length };
  const mlp = config.attnOnly ? undefined : await activationPatching(model, oneLength, { target: 'mlp', direction: 'denoise', metric: 'logit-diff', signal: ctx.signal, positionLabels: labels });
  const T = mlp ? mlp.shape[1] : 0;
  const headNames = Array.from({ length: H }, (_, h) => `H${h}`);
  const layerNames = Array.from({ length: L }, (_, l) => `L${l}`);
  ctx.found.topHeads = topIndices(heads.values, Math.min(ctx.params.topHeads, L * H)).map(
    (i): TopHead => ({ layer: Math.floor(i / H), head: i % H, label: headLabel(Math.floor(i / H), i % H), effect: heads.values[i] }),
  );
  const topCell = mlp ? topIndices(mlp.values, 1)[0] : undefined;
  ctx.found.headEffects = [...heads.values];
  ctx.found.topMlp = topCell === undefined ? null : Math.floor(topCell / T);
  const figures = [
    { id: idOf(ctx, 'plot2-head-patching'), title: `Head patching, denoising (0 = corrupted, 1 = clean) (${ctx.label})`, kind: 'heatmap' as const, rows: layerNames, cols: headNames, rowName: 'layer', colName: 'head', values: grid(heads.values, L, H) },
    { id: idOf(ctx, 'plot2-lens-by-head'), title: `Lens by head: direct logit attribution (${ctx.label})`, kind: 'heatmap' as const, rows: layerNames, cols: headNames, rowName: 'layer', colName: 'head', values: grid(dla.heads.values, L, H) },
  ];
  if (mlp) figures.push({ id: idOf(ctx, 'plot2-mlp-patching'), title: `MLP patching by position, denoising (${ctx.label})`, kind: 'heatmap', rows: layerNames.map((l) => `MLP${l.slice(1)}`), cols: mlp.labels.position ?? [], rowName: 'layer', colName: 'position', values: grid(mlp.values, L, T) });
  const tables = [
    {
      id: idOf(ctx, 'plot2-heads'),
      title: `Every head: patching effect and direct logit attribution (${ctx.label})`,
      columns: ['head', 'patching effect', 'patched logit difference', 'direct logit attribution'],
      rows: heads.values.map((v, i) => [headLabel(Math.floor(i / H), i % H), v, heads.raw[i], dla.heads.values[i]]),
    },
    { id: idOf(ctx, 'plot2-top-heads'), title: `Top ${ctx.found.topHeads.length} heads by |patching effect| (${ctx.label})`, columns: ['rank', 'head', 'patching effect'], rows: ctx.found.topHeads.map((t, i) => [i + 1, t.label, t.effect]) },
  ];
  if (mlp) tables.push({ id: idOf(ctx, 'plot2-mlps'), title: `MLP patching by position (${ctx.label})`, columns: ['MLP', 'position', 'patching effect', 'patched logit difference'], rows: mlp.values.map((v, i) => [`MLP${Math.floor(i / T)}`, mlp.labels.position?.[i % T] ?? String(i % T), v, mlp.raw[i]]) });
  return section(ctx, 'patching', `Denoising activation patching with the logit-difference metric on ${heads.prompts} prompts (baseline clean ${heads.baseline.clean.toFixed(3)}, corrupted ${heads.baseline.corrupted.toFixed(3)}); lens by head = each head's direct logit attribution on the clean prompts; MLP patching by position on the ${mlp?.prompts ?? 0} prompts of ${T} tokens.`, figures, tables);
};
