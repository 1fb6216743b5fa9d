/**
 * The edit (outline step 8, section 3): change what the first prompt resolves to, from the
 * correct answer to the incorrect one. ROME on the MLP with the largest patching effect, with the
 * incorrect name's last mention as the subject; on an attention-only model, a rank-1 OV edit of
 * the top head that reflects the name's value along U[incorrect] - U[correct]. Validated on
 * held-out prompts drawn with their own seed: efficacy on the edited prompt, paraphrase
 * generalisation (held-out prompts with the same answers, topped up with the edited prompt behind
 * filler sentences) and neighbourhood specificity (held-out prompts that do not mention the
 * subject: their top-1 should not change).
 */
import { fillerSentences, generate } from '../../datasets';
import { romeMetrics, type RomeMetrics } from '../../editing/compare';
import { EditedModel } from '../../editing/editedModel';
import { headService, romeService } from '../../editing/service';
import { idOf, section, type ModelContext, type SectionRunner } from '../context';

/** Held-out prompts for the edit's validation, from a seed of their own (never the analysis prompts). */
export function editPrompts(ctx: ModelContext): { prompt: string; subject: string; target: string; paraphrases: string[]; neighbourhood: string[] } {
  const p = ctx.params;
  const first = ctx.items[0];
  const subject = first.incorrect.trim();
  const pool = generate(ctx.task, { n: 4 * (p.editParaphrases + p.editNeighbours) + 32, seed: p.editSeed, split: 'heldout', templates: p.templates.length ? p.templates : undefined });
  const mentions = (text: string): boolean => new RegExp(`(^|\\W)${subject.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\W|$)`).test(text);
  const paraphrases = pool.filter((i) => i.correct === first.correct && i.incorrect === first.incorrect && i.clean !== first.clean).map((i) => i.clean).slice(0, p.editParaphrases);
  for (const filler of fillerSentences(p.editSeed, p.editParaphrases - paraphrases.length)) paraphrases.push(`${filler} ${first.clean}`);
  const neighbourhood = pool.filter((i) => !mentions(i.clean)).map((i) => i.clean).slice(0, p.editNeighbours);
  return { prompt: first.clean, subject, target: first.incorrect, paraphrases, neighbourhood };
}

export const editSection: SectionRunner = async (ctx) => {
  const { session } = ctx;
  const p = ctx.params;
  const c = editPrompts(ctx);
  let metrics: RomeMetrics;
  let what: string;
  if (ctx.found.topMlp !== null) {
    const layer = ctx.found.topMlp;
    const r = await romeService(session, { prompt: c.prompt, subject: c.subject, target: c.target, layer, occurrence: 'last', contexts: p.romeContexts, paraphrases: c.paraphrases, neighbourhood: c.neighbourhood, rome: { steps: p.romeSteps, lr: p.romeLr, weightDecay: p.romeWeightDecay } }, async () => undefined, { signal: ctx.signal });
    metrics = r.metrics;
    what = `ROME on MLP${layer} (the MLP with the largest patching effect): subject "${c.subject}" (last mention), new target "${c.target}", ${r.details.value.steps} Adam steps (lr ${p.romeLr}, weight decay ${p.romeWeightDecay}), ${p.romeContexts} context prefixes, ||delta|| ${r.details.deltaNorm.toFixed(4)}`;
  } else {
    const head = ctx.found.topHeads[0];
    const { edit } = await headService(session, { kind: 'ov', layer: head.layer, head: head.head, prompt: c.prompt, source: ctx.items[0].correct.trim(), plus: c.target.trim(), minus: ctx.items[0].correct.trim(), target: 'reflect' });
    const edited = EditedModel.apply(session.model, [edit]);
    try {
      metrics = await romeMetrics(session, { ...session, model: edited.model }, { prompt: c.prompt, target: c.target, paraphrases: c.paraphrases, neighbourhood: c.neighbourhood });
    } finally {
      edited.dispose();
    }
    what = `Rank-1 OV edit of ${head.label} (attention-only model): the value of "${ctx.items[0].correct.trim()}" reflected along U[${c.target.trim()}] - U[${ctx.items[0].correct.trim()}]`;
  }
  return section(
    ctx,
    'edit',
    `${what}. Edited prompt: "${c.prompt}". Validation on held-out prompts (seed ${p.editSeed}): ${c.paraphrases.length} paraphrases, ${c.neighbourhood.length} neighbourhood prompts.`,
    [{ id: idOf(ctx, 'edit-validation'), title: `Edit validation (${ctx.label})`, kind: 'bar', x: ['efficacy', 'paraphrase generalisation', 'neighbourhood specificity', 'p(target) before', 'p(target) after'], xName: 'measure', yName: 'score', series: [{ name: ctx.label, values: [metrics.efficacy ? 1 : 0, metrics.paraphrase, metrics.specificity, metrics.targetProbBefore, metrics.targetProbAfter] }] }],
    [
      { id: idOf(ctx, 'edit-validation'), title: `Edit validation (${ctx.label})`, columns: ['efficacy (top-1 is target)', 'efficacy score (p(target) > p(old top-1))', 'p(target) before', 'p(target) after', 'paraphrase generalisation', 'neighbourhood specificity'], rows: [[metrics.efficacy ? 1 : 0, metrics.efficacyScore ? 1 : 0, metrics.targetProbBefore, metrics.targetProbAfter, metrics.paraphrase, metrics.specificity]] },
      { id: idOf(ctx, 'edit-datasets'), title: `Held-out validation prompts (${ctx.label})`, columns: ['set', 'prompt'], rows: [...c.paraphrases.map((x) => ['paraphrase', x]), ...c.neighbourhood.map((x) => ['neighbourhood', x])] },
      { id: idOf(ctx, 'edit-neighbourhood'), title: `Neighbourhood top-1 before and after (${ctx.label})`, columns: ['prompt', 'before', 'after'], rows: metrics.neighbourhood.map((n) => [n.prompt, n.before, n.after]) },
    ],
  );
};
