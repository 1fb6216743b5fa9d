/**
 * Plot 5 (outline step 4): congruence. The top MLP's neurons ranked by how well their output
 * weights align with the correct answer's unembedding (a Neuroscope-style selection by weights),
 * then the cosine of those neurons' outputs and the top heads' OV outputs with the unembeddings
 * of the first prompt's answers (and, for comparison, its adjectives).
 */
import { congruence, rankNeurons, type DirectionSpec } from '../../analysis/congruence';
import { wordToken } from '../../analysis/taskSource';
import { singleTokenId } from '../../services/prompt';
import { idOf, section, type SectionRunner } from '../context';

export const congruenceSection: SectionRunner = async (ctx) => {
  const { model, tokenizer } = ctx.session;
  const first = ctx.items[0];
  const correct = singleTokenId(tokenizer, first.correct);
  const incorrect = singleTokenId(tokenizer, first.incorrect);
  const word = (id: number): string => (tokenizer.tokenStrings([id])[0] ?? String(id)).trim();
  const cols: { spec: DirectionSpec; label: string }[] = [
    { spec: { kind: 'unembed', token: correct }, label: `U[${word(correct)}] (correct)` },
    { spec: { kind: 'unembed', token: incorrect }, label: `U[${word(incorrect)}] (incorrect)` },
  ];
  for (const key of ['premise', 'conclusion']) {
    const w = first.meta?.[key];
    if (!w) continue;
    try {
      const id = wordToken(tokenizer, w);
      cols.push({ spec: { kind: 'unembed', token: id }, label: `U[${w}] (${key})` });
    } catch {
      // an adjective the vocabulary spells in several tokens has no single unembedding row
    }
  }
  const rows: { spec: DirectionSpec; label: string }[] = [];
  const neuronRows: (string | number)[][] = [];
  if (ctx.found.topMlp !== null) {
    const ranked = await rankNeurons(model, ctx.found.topMlp, cols[0].spec, ctx.params.topNeurons);
    for (const e of ranked.top) {
      rows.push({ spec: { kind: 'neuron-out', layer: ctx.found.topMlp, neuron: e.id }, label: `${e.label} out` });
      neuronRows.push([e.label, e.value]);
    }
  }
  for (const t of ctx.found.topHeads) rows.push({ spec: { kind: 'head-ov', layer: t.layer, head: t.head, token: correct }, label: `${t.label} OV(${word(correct)})` });
  const r = await congruence(model, rows.map((x) => x.spec), cols.map((x) => x.spec));
  const [R, C] = r.shape;
  const cos = Array.from({ length: R }, (_, i) => r.cosine.slice(i * C, (i + 1) * C));
  const tables = [
    {
      id: idOf(ctx, 'plot5-congruence'),
      title: `Congruence: dot product and cosine (${ctx.label})`,
      columns: ['direction', ...cols.flatMap((c) => [`${c.label} dot`, `${c.label} cos`])],
      rows: rows.map((row, i) => [row.label, ...cols.flatMap((_, j) => [r.dot[i * C + j], r.cosine[i * C + j]])]),
    },
  ];
  if (neuronRows.length) tables.push({ id: idOf(ctx, 'plot5-top-neurons'), title: `MLP${ctx.found.topMlp} neurons whose output aligns most with U[${word(correct)}] (${ctx.label})`, columns: ['neuron', 'W_out . U'], rows: neuronRows });
  return section(
    ctx,
    'congruence',
    `Directions from the first prompt ("${first.clean}"): the top ${neuronRows.length} neurons of MLP${ctx.found.topMlp ?? '-'} (the MLP with the largest patching effect), ranked by W_out . U[correct], and the top heads' OV output for the correct answer's token.`,
    [{ id: idOf(ctx, 'plot5-congruence'), title: `Congruence (cosine) of neurons and head outputs with unembeddings (${ctx.label})`, kind: 'heatmap', rows: rows.map((x) => x.label), cols: cols.map((x) => x.label), rowName: 'direction', colName: 'unembedding', values: cos }],
    tables,
  );
};
