/**
 * Plot 3 (outline step 3a): where the top heads attend, averaged over the prompts at the task's
 * named positions (END to A, B, X, Y for comparison; IO, S1, S2 for IOI; N1.. for latest), and
 * the full pattern of the top head on the first prompt.
 */
import { attentionPatterns, averageAttention, defaultPairs, namedPositions } from '../../analysis/attention';
import { positionLabels } from '../../analysis/promptBatch';
import { encodePrompt } from '../../services/prompt';
import { idOf, section, type SectionRunner } from '../context';

export const attentionSection: SectionRunner = async (ctx) => {
  const { model, tokenizer, config } = ctx.session;
  const H = config.nHead;
  const positionsOf = (gi: number, b: number) => {
    const g = ctx.batch.groups[gi];
    return namedPositions(g.items[b], g.clean[b], tokenizer);
  };
  const pairs = defaultPairs(positionsOf(0, 0));
  const avg = await averageAttention(model, ctx.batch, positionsOf, pairs, { signal: ctx.signal, side: 'clean' });
  const [P, L] = avg.shape;
  const at = (p: number, l: number, h: number): number => avg.values[(p * L + l) * H + h];
  const top = ctx.found.topHeads;
  const pairNames = avg.pairs.map((p) => `${p.from}->${p.to}`);
  const first = ctx.items[0];
  const ids = encodePrompt(tokenizer, config, first.clean);
  const tokens = positionLabels(tokenizer, ids);
  const pattern = await attentionPatterns(model, ids, tokens);
  const [, , T, S] = pattern.shape;
  const head = top[0];
  const headPattern = Array.from({ length: T }, (_, d) => Array.from({ length: S }, (_, s) => pattern.values[((head.layer * H + head.head) * T + d) * S + s]));
  return section(
    ctx,
    'attention',
    `Mean attention (clean prompts) from the final position to each named position, for the top heads by patching effect; the counts are the prompts that have both positions. Named positions: ${pairNames.join(', ')}.`,
    [
      { id: idOf(ctx, 'plot3-attention-named'), title: `Attention of the top heads at the named positions (${ctx.label})`, kind: 'heatmap', rows: top.map((t) => t.label), cols: pairNames, rowName: 'head', colName: 'from -> to', values: top.map((t) => Array.from({ length: P }, (_, p) => at(p, t.layer, t.head))), symmetric: false },
      { id: idOf(ctx, 'plot3-attention-pattern'), title: `${head.label} attention pattern on "${first.clean}" (${ctx.label})`, kind: 'heatmap', rows: tokens, cols: tokens, rowName: 'destination', colName: 'source', values: headPattern, symmetric: false },
    ],
    [
      { id: idOf(ctx, 'plot3-attention-named'), title: `Mean attention of the top heads at the named positions (${ctx.label})`, columns: ['head', ...pairNames], rows: top.map((t) => [t.label, ...Array.from({ length: P }, (_, p) => at(p, t.layer, t.head))]) },
      { id: idOf(ctx, 'plot3-attention-counts'), title: `Prompts averaged per position pair (${ctx.label})`, columns: ['pair', 'prompts'], rows: pairNames.map((p, i) => [p, avg.counts[i]]) },
    ],
  );
};
