/** Plot 1 (outline step 1): the dataset's mean logit difference, and the logit lens over the residual stream. */
import { logitDifference, logitLens } from '../../analysis/logitLens';
import { idOf, section, type SectionRunner } from '../context';

export const lensSection: SectionRunner = async (ctx) => {
  const { model } = ctx.session;
  const diff = await logitDifference(model, ctx.batch, { signal: ctx.signal });
  const clean = await logitLens(model, ctx.batch, { signal: ctx.signal, side: 'clean' });
  const corrupted = await logitLens(model, ctx.batch, { signal: ctx.signal, side: 'corrupted' });
  const correct = diff.clean.filter((d) => d > 0).length;
  return section(
    ctx,
    'lens',
    `Logit difference (correct minus incorrect answer, last position) on ${diff.clean.length} prompts; logit lens with the ${clean.scale} scale convention: ${clean.convention}`,
    [
      { id: idOf(ctx, 'plot1-logit-lens'), title: `Logit lens, mean logit difference by stage (${ctx.label})`, kind: 'line', x: clean.stages, xName: 'residual stream stage', yName: 'logit difference', series: [{ name: 'clean', values: clean.mean }, { name: 'corrupted', values: corrupted.mean }] },
      { id: idOf(ctx, 'plot1-logit-diff'), title: `Logit difference per prompt (${ctx.label})`, kind: 'bar', x: diff.clean.map((_, i) => String(i)), xName: 'prompt', yName: 'logit difference', series: [{ name: 'clean', values: diff.clean }, { name: 'corrupted', values: diff.corrupted }] },
    ],
    [
      { id: idOf(ctx, 'plot1-logit-diff'), title: `Mean logit difference (${ctx.label})`, columns: ['prompts', 'clean', 'corrupted', 'clean logit difference > 0'], rows: [[diff.clean.length, diff.meanClean, diff.meanCorrupted, correct / diff.clean.length]] },
      { id: idOf(ctx, 'plot1-logit-lens'), title: `Logit lens by stage (${ctx.label})`, columns: ['stage', 'clean', 'corrupted'], rows: clean.stages.map((s, i) => [s, clean.mean[i], corrupted.mean[i]]) },
    ],
  );
};
