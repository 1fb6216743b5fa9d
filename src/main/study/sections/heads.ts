/**
 * Plot 4 (outline step 3b-c): what the top heads do. Correlation plots: each top head's output
 * projected on the answer's unembedding against that answer's logit, for the correct and the
 * incorrect answer. OV scores of every head: copying (a token lands in its own top k), negative
 * copying (bottom k) and antonym (its antonym lands in the top k), against the average head.
 */
import { copyScores } from '../../analysis/copyScores';
import { defaultCopyInput } from '../../../shared/api/analysisKinds';
import { headCorrelation, type CorrelationResult } from '../../analysis/correlation';
import { answerTokens, copyScoreCandidates } from '../../analysis/taskSource';
import { headLabel, idOf, section, type SectionRunner } from '../context';
import { grid, topIndices } from './patching';

export const headsSection: SectionRunner = async (ctx) => {
  const { model, tokenizer, config } = ctx.session;
  const L = config.nLayer;
  const H = config.nHead;
  const correlations: CorrelationResult[] = [];
  for (const t of ctx.found.topHeads) correlations.push(await headCorrelation(model, ctx.batch, t.layer, t.head, { signal: ctx.signal, y: 'logit', side: 'clean' }));
  const { tokens, antonyms: pairs } = copyScoreCandidates(answerTokens(ctx.items, tokenizer), tokenizer, true);
  const input = defaultCopyInput(config.attnOnly);
  const scores = await copyScores(model, tokens, { signal: ctx.signal, k: ctx.params.copyK, input, antonyms: pairs });
  const fromEmbed = input === 'embed' ? scores : await copyScores(model, tokens, { signal: ctx.signal, k: ctx.params.copyK, input: 'embed', antonyms: pairs });
  const antonym = scores.antonym;
  const antonymFromEmbed = (i: number | 'average'): number | null => (i === 'average' ? fromEmbed.averageHead.antonym : fromEmbed.antonym?.[i]) ?? null;
  const inputName = input === 'mlp0' ? 'the residual after MLP0' : 'token embeddings';
  const bestAntonym = antonym ? topIndices(antonym, Math.min(ctx.params.topHeads, L * H)) : [];
  const studied = [...new Set([...ctx.found.topHeads.map((t) => t.layer * H + t.head), ...bestAntonym])];
  const headNames = Array.from({ length: H }, (_, h) => `H${h}`);
  const layerNames = Array.from({ length: L }, (_, l) => `L${l}`);
  const avg = scores.averageHead;
  // where each studied head ranks by |patching effect| (1 = largest), so an antonym head's role shows beside its scores
  const effects = ctx.found.headEffects;
  const rankOf = (i: number): number | null => (effects.length === L * H ? effects.filter((e) => Math.abs(e) > Math.abs(effects[i])).length + 1 : null);
  const figures = [
    ...correlations.map((c) => ({
      id: idOf(ctx, `plot4-correlation-L${c.layer}H${c.head}`),
      title: `${headLabel(c.layer, c.head)}: output . U[answer] vs answer logit (${ctx.label})`,
      kind: 'scatter' as const,
      xName: 'head output . U[answer]',
      yName: 'answer logit',
      series: (['correct', 'incorrect'] as const).map((a) => ({ name: a, points: c.points.filter((p) => p.answer === a).map((p): [number, number] => [p.projection, p.y]) })),
    })),
    { id: idOf(ctx, 'plot4-copy-scores'), title: `OV copy scores, top-${scores.k} (${ctx.label})`, kind: 'heatmap' as const, rows: layerNames, cols: headNames, rowName: 'layer', colName: 'head', values: grid(scores.copying, L, H), symmetric: false },
  ];
  if (antonym) figures.push({ id: idOf(ctx, 'plot4-antonym-scores'), title: `OV antonym scores, top-${scores.k} (${ctx.label})`, kind: 'heatmap', rows: layerNames, cols: headNames, rowName: 'layer', colName: 'head', values: grid(antonym, L, H), symmetric: false });
  const fmtAvg = (v: number | undefined): number | null => (v === undefined ? null : v);
  return section(
    ctx,
    'heads',
    `Correlation plots for the top heads (y = the answer's logit, clean prompts). OV scores over ${tokens.length} candidate tokens (the task's answers${pairs.length ? ` and ${pairs.length} antonym pairs` : ''}), top-${scores.k}, input = ${inputName}${input === 'mlp0' ? ' (the IOI paper\'s convention); "antonym (embedding input)" scores raw token embeddings' : ''}; chance ${scores.chance.toFixed(4)}. ${scores.convention}`,
    figures,
    [
      {
        id: idOf(ctx, 'plot4-head-scores'),
        title: `Top heads (by patching, then by antonym score) and the average head (${ctx.label})`,
        columns: ['head', 'copying', 'negative', 'antonym', 'antonym (embedding input)', 'patching effect', 'patching rank', 'pearson correct', 'pearson incorrect'],
        rows: [
          ...studied.map((i) => {
            const c = correlations.find((r) => r.layer * H + r.head === i);
            return [headLabel(Math.floor(i / H), i % H), scores.copying[i], scores.negative[i], antonym ? antonym[i] : null, antonymFromEmbed(i), effects[i] ?? null, rankOf(i), c ? c.pearson.correct : null, c ? c.pearson.incorrect : null];
          }),
          ['average head', avg.copying, avg.negative, fmtAvg(avg.antonym), antonymFromEmbed('average'), null, null, null, null],
        ],
      },
      {
        id: idOf(ctx, 'plot4-all-heads'),
        title: `OV scores of every head (${ctx.label})`,
        columns: ['head', 'copying', 'negative', 'antonym', 'antonym (embedding input)'],
        rows: scores.copying.map((v, i) => [headLabel(Math.floor(i / H), i % H), v, scores.negative[i], antonym ? antonym[i] : null, antonymFromEmbed(i)]),
      },
    ],
  );
};
