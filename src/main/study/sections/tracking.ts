/**
 * Token tracking (outline step 7): the residual stream's dot product with the correct and the
 * incorrect answer's unembedding at every stage, at the final position, averaged over the prompts
 * that share the first prompt's answers; the position embedding's direct part is taken out.
 */
import { positionLabels } from '../../analysis/promptBatch';
import { trackTokens } from '../../analysis/trackTokens';
import { encodePrompt, singleTokenId } from '../../services/prompt';
import { idOf, section, type SectionRunner } from '../context';

export const trackingSection: SectionRunner = async (ctx) => {
  const { model, tokenizer, config } = ctx.session;
  const first = ctx.items[0];
  const same = ctx.items.filter((i) => i.correct === first.correct && i.incorrect === first.incorrect);
  const tokens = [singleTokenId(tokenizer, first.correct), singleTokenId(tokenizer, first.incorrect)];
  const prompts = same.map((i) => encodePrompt(tokenizer, config, i.clean));
  const r = await trackTokens(model, prompts, tokens, { signal: ctx.signal, direction: 'unembed', positionLabels: (ids) => positionLabels(tokenizer, ids) });
  const g = r.groups.find((x) => x.rows.includes(0)) ?? r.groups[0];
  const [S, T, K] = g.shape;
  const names = [first.correct.trim(), first.incorrect.trim()];
  const atEnd = (k: number): number[] => Array.from({ length: S }, (_, s) => g.withoutPosition[(s * T + T - 1) * K + k]);
  // At the final stage: every position's dot with the correct answer, to see where its information sits.
  const lastStage = Array.from({ length: T }, (_, t) => g.withoutPosition[((S - 1) * T + t) * K]);
  return section(
    ctx,
    'tracking',
    `Residual stream . U[answer] (position embedding's direct part removed) at the final position, for the ${g.rows.length} prompt(s) of ${T} tokens whose answers are " ${names[0]}" / " ${names[1]}".`,
    [
      { id: idOf(ctx, 'tracking-final-position'), title: `Answer directions at the final position, by stage (${ctx.label})`, kind: 'line', x: r.stages, xName: 'stage', yName: 'resid . U[answer]', series: names.map((n, k) => ({ name: `${k === 0 ? 'correct' : 'incorrect'}: ${n}`, values: atEnd(k) })) },
      { id: idOf(ctx, 'tracking-positions'), title: `U[${names[0]}] across positions after the last layer (${ctx.label})`, kind: 'bar', x: g.positions, xName: 'position', yName: 'resid . U[correct]', series: [{ name: names[0], values: lastStage }] },
    ],
    [{ id: idOf(ctx, 'tracking-final-position'), title: `Answer directions at the final position (${ctx.label})`, columns: ['stage', `correct: ${names[0]}`, `incorrect: ${names[1]}`, 'difference'], rows: r.stages.map((s, i) => [s, atEnd(0)[i], atEnd(1)[i], atEnd(0)[i] - atEnd(1)[i]]) }],
  );
};
