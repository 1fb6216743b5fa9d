/**
 * What each analysis result looks like on screen: a list of panels (a chart with its CSV, a
 * table, or coloured token examples), built from the result alone (plain TS, testable).
 */
import type { EChartsOption } from 'echarts';
import type { CircuitGraphView } from '../../../shared/api/circuitTypes';
import { heatmapOption, lineOption, scatterOption } from './charts';
import { matrixCsv, toCsv, type Cell } from './csv';
import { metricDefinition } from '../../../shared/metrics/definitions';
import type { AttributionView, AttentionView, CopyScoresView, CorrelationView, DlaView, LensTopTokensView, LogitLensView, NeuroscopeView, PatchGroupsView, PatchView, ResultView } from './resultTypes';

/** A colour bar's or axis's name: the metric's label with its unit, from the definitions registry. */
export function valueName(metricId: string): string {
  const d = metricDefinition(metricId);
  return `${d.label} (${d.unit})`;
}

export type ResultPanel =
  | { type: 'chart'; id: string; title: string; option: EChartsOption; csv: string; tall?: boolean; metric?: string }
  | { type: 'graph'; id: string; title: string; graph: CircuitGraphView; csv: string }
  | { type: 'table'; id: string; title: string; columns: string[]; rows: Cell[][]; csv: string; metric?: string; shade?: (number | null)[][]; columnMetrics?: (string | null)[] }
  | { type: 'tokens'; id: string; title: string; examples: TokenExample[]; csv: string };

export interface TokenExample {
  label: string;
  tokens: string[];
  activations: number[];
  /** Scale for colouring: |activation| / max. */
  max: number;
  highlight: number;
}

const layerLabels = (n: number): string[] => Array.from({ length: n }, (_, l) => `L${l}`);
const headLabels = (n: number): string[] => Array.from({ length: n }, (_, h) => `H${h}`);

function logitLensPanels(r: LogitLensView): ResultPanel[] {
  const series = [...r.perPrompt.slice(0, 50).map((values, i) => ({ name: `prompt ${i}`, values, faint: true })), { name: 'mean', values: r.mean }];
  const header = ['stage', 'mean', ...r.perPrompt.map((_, i) => `prompt ${i}`)];
  const rows = r.stages.map((stage, s) => [stage, r.mean[s], ...r.perPrompt.map((p) => p[s])]);
  const panels: ResultPanel[] = [{ type: 'chart', id: 'logit-lens', metric: 'logit-lens', title: `Logit lens (${r.side})`, option: lineOption(`Logit lens: logit difference by layer (${r.side})`, r.stages, series, `logit diff (${metricDefinition('logit-lens').unit})`), csv: toCsv(header, rows) }];
  if (r.topTokens) panels.push(lensTopTokensPanel(r.topTokens));
  return panels;
}

/** Top-k tokens per layer (rows) and position (columns), each cell the top token with its probability. */
export function lensTopTokensPanel(t: LensTopTokensView): ResultPanel {
  const columns = ['stage', ...t.tokens.map((tok, i) => `${i}:${tok}`)];
  const cell = (c: { token: string; prob: number }[]): string => c.map((x) => `${JSON.stringify(x.token).slice(1, -1)} ${(100 * x.prob).toFixed(0)}%`).join(' · ');
  const rows: Cell[][] = t.stages.map((stage, s) => [stage, ...t.top[s].map((c) => cell(c.slice(0, 3)))]);
  const csvRows: Cell[][] = t.stages.flatMap((stage, s) => t.top[s].flatMap((c, pos) => c.map((x, rank) => [stage, pos, t.tokens[pos], rank + 1, x.token, x.prob] as Cell[])));
  return {
    type: 'table',
    id: 'logit-lens-top',
    title: `Logit lens: top ${Math.min(3, t.k)} tokens per layer and position${t.item !== undefined ? ` (item ${t.item})` : ''}`,
    metric: 'logit-lens-top-k',
    columns,
    rows,
    // Each cell shaded by its top token's probability.
    shade: t.stages.map((_, s) => [null, ...t.top[s].map((c) => c[0]?.prob ?? 0)]),
    csv: toCsv(['stage', 'position', 'token', 'rank', 'predicted', 'probability'], csvRows),
  };
}

function dlaPanels(r: DlaView): ResultPanel[] {
  const [L, H] = r.heads.shape;
  const panels: ResultPanel[] = [
    {
      type: 'chart',
      id: 'dla-heads',
      title: 'Direct logit attribution per head',
      metric: 'direct-logit-attribution',
      option: heatmapOption({ title: 'Direct logit attribution (layers × heads)', xLabels: headLabels(H), yLabels: layerLabels(L), xName: 'head', yName: 'layer', values: r.heads.values, valueName: valueName('direct-logit-attribution') }),
      csv: matrixCsv('layer', 'head', layerLabels(L), headLabels(H), r.heads.values),
    },
  ];
  // One panel per template group (positions named by the template); nothing is dropped.
  r.byPosition.forEach((byPos, g) => {
    const group = r.panels?.[g];
    const suffix = r.byPosition.length > 1 || group ? ` — ${group ? `template ${group.template}` : `length ${byPos.length}`} (${byPos.prompts} prompts)` : '';
    const [, , T] = byPos.shape;
    // Sum the heads of each layer: layer x position.
    const values = Array.from({ length: L * T }, (_, i) => {
      const l = Math.floor(i / T);
      const t = i % T;
      let sum = 0;
      for (let h = 0; h < H; h++) sum += byPos.values[(l * H + h) * T + t];
      return sum;
    });
    panels.push({
      type: 'chart',
      id: g === 0 ? 'dla-positions' : `dla-positions-${g}`,
      metric: 'dla-by-position',
      title: `Direct logit attribution by source position${suffix}`,
      option: heatmapOption({ title: `Attention DLA by source position (layers × positions)${suffix}`, xLabels: byPos.positions, yLabels: layerLabels(L), xName: 'position', yName: 'layer', values, valueName: valueName('dla-by-position') }),
      csv: matrixCsv('layer', 'position', layerLabels(L), byPos.positions, values),
    });
  });
  panels.push({ type: 'table', id: 'dla-components', title: 'Components', columns: ['component', 'mean'], rows: r.components.map((c, i) => [c, r.mean[i]]), csv: toCsv(['component', 'mean'], r.components.map((c, i) => [c, r.mean[i]])) });
  return panels;
}

/** Patching by position on mixed templates: each template's panels, titled with the template and its prompts. */
function patchGroupPanels(r: PatchGroupsView): ResultPanel[] {
  return r.panels.flatMap((p, g) => patchPanels(p.result, { id: `-${g}`, title: ` — template ${p.template} (${p.rows.length} prompts)` }));
}

/** AtP*'s verified cells (estimate beside exact) and its cost and bound, each number with its metric. */
function attributionPanels(r: PatchView, a: AttributionView, id: string): ResultPanel[] {
  const verifiedColumns = ['node', 'AtP* estimate', 'exact', '|exact - estimate|'];
  const verifiedRows: Cell[][] = a.verified.map((v) => [v.node, v.estimateNormalised, v.exactNormalised, Math.abs(v.exactNormalised - v.estimateNormalised)]);
  const costColumns = ['quantity', 'value', 'unit'];
  const costRows: Cell[][] = [
    ['AtP* estimation', a.forwardEquivalents.estimation, 'forward-equivalents'],
    [`exact verification of ${a.verified.length} cells`, a.forwardEquivalents.verification, 'forward-equivalents'],
    ['AtP* total', a.forwardEquivalents.total, 'forward-equivalents'],
    [`exact patching of all ${r.values.length} cells`, a.forwardEquivalents.exactAll, 'forward-equivalents'],
    [`bound on each of the ${a.bound.skipped} skipped cells (heuristic)`, a.bound.normalised, 'fraction of the clean-corrupted gap'],
  ];
  return [
    {
      type: 'table',
      id: `patch-atp-verified${id}`,
      title: `AtP*: the ${a.verified.length} top cells patched exactly (normalised effect, mean over ${r.prompts ?? '?'} prompts)`,
      columns: verifiedColumns,
      rows: verifiedRows,
      columnMetrics: [null, 'atp-estimate', 'normalised-patching-effect', 'normalised-patching-effect'],
      csv: toCsv(verifiedColumns, verifiedRows),
    },
    {
      type: 'table',
      id: `patch-atp-cost${id}`,
      title: 'AtP*: cost and what the skipped cells could contribute',
      columns: costColumns,
      rows: [...costRows, ['what this means', a.description, '']],
      columnMetrics: [null, 'forward-equivalents', null],
      csv: toCsv(costColumns, costRows),
    },
  ];
}

function patchPanels(r: PatchView, group: { id: string; title: string } = { id: '', title: '' }): ResultPanel[] {
  if (r.attribution) {
    const estimates = patchHeatmaps({ ...r, attribution: undefined }, group, 'Attribution patching (AtP*)', 'atp-estimate');
    return [...estimates, ...attributionPanels(r, r.attribution, group.id)];
  }
  return patchHeatmaps(r, group, 'Activation patching', 'normalised-patching-effect');
}

function patchHeatmaps(r: PatchView, group: { id: string; title: string }, method: string, metric: 'normalised-patching-effect' | 'atp-estimate'): ResultPanel[] {
  const title = `${method}: ${r.target} (${r.direction}, ${r.metric})${group.title}`;
  const colour = valueName(metric);
  if (r.axes.length === 2) {
    const [rowAxis, colAxis] = r.axes;
    const rows = r.labels[rowAxis] ?? layerLabels(r.shape[0]);
    const cols = r.labels[colAxis] ?? Array.from({ length: r.shape[1] }, (_, i) => String(i));
    return [
      {
        type: 'chart',
        id: `patch-${r.target}${group.id}`,
        title,
        metric,
        option: heatmapOption({ title: `${title}: ${rowAxis} × ${colAxis}`, xLabels: cols, yLabels: rows, xName: colAxis, yName: rowAxis, values: r.values, valueName: colour }),
        csv: matrixCsv(rowAxis, colAxis, rows, cols, r.values),
      },
    ];
  }
  // [layer, head, position]: one row per head.
  const [L, H, T] = r.shape;
  const rows = Array.from({ length: L * H }, (_, i) => `L${Math.floor(i / H)}H${i % H}`);
  const cols = r.labels.position ?? Array.from({ length: T }, (_, t) => String(t));
  return [
    {
      type: 'chart',
      id: `patch-${r.target}${group.id}`,
      title,
      metric,
      tall: true,
      option: heatmapOption({ title: `${title}: heads × positions`, xLabels: cols, yLabels: rows, xName: 'position', yName: 'head', values: r.values, valueName: colour }),
      csv: matrixCsv('head', 'position', rows, cols, r.values),
    },
  ];
}

/** One head's pattern: rows are destination (query) tokens, columns source (key) tokens. */
export function attentionMatrix(r: AttentionView, layer: number, head: number): number[] {
  const [, H, T] = r.shape;
  const start = (layer * H + head) * T * T;
  const rows: number[] = [];
  // Heatmap rows run bottom-up; put the first token at the top by reversing the query order.
  for (let q = T - 1; q >= 0; q--) for (let k = 0; k < T; k++) rows.push(r.values[start + q * T + k]);
  return rows;
}

export function attentionPanels(r: AttentionView, layer: number, head: number): ResultPanel[] {
  const T = r.shape[2];
  const labels = r.tokens.map((t, i) => `${i}:${t}`);
  const values = attentionMatrix(r, layer, head);
  const queryLabels = [...labels].reverse();
  return [
    {
      type: 'chart',
      id: `attention-L${layer}H${head}`,
      metric: 'attention-probability',
      title: `Attention pattern L${layer}H${head}`,
      tall: T > 12,
      option: heatmapOption({ title: `Attention pattern of L${layer}H${head} (destination × source)`, xLabels: labels, yLabels: queryLabels, xName: 'source token', yName: 'destination', values, scale: 'sequential', valueName: valueName('attention-probability') }),
      csv: matrixCsv('destination', 'source', queryLabels, labels, values),
    },
  ];
}

function correlationPanels(r: CorrelationView): ResultPanel[] {
  const yName = r.y === 'logit' ? 'logit of the token' : 'attention to the token';
  const group = (answer: 'correct' | 'incorrect', color: string) => ({
    name: `${answer} (r = ${r.pearson[answer].toFixed(3)})`,
    color,
    points: r.points.filter((p) => p.answer === answer).map((p) => [p.projection, p.y] as [number, number]),
  });
  return [
    {
      type: 'chart',
      id: 'correlation',
      metric: 'correlation-pearson',
      title: `Correlation L${r.layer}H${r.head}`,
      option: scatterOption(`L${r.layer}H${r.head}: output · U[token] vs ${yName}`, 'projection on U[token]', yName, [group('correct', '#6ea8fe'), group('incorrect', '#f28b82')]),
      csv: toCsv(['row', 'answer', 'projection', r.y], r.points.map((p) => [p.row, p.answer, p.projection, p.y])),
    },
  ];
}

function copyScorePanels(r: CopyScoresView): ResultPanel[] {
  const [L, H] = r.shape;
  const columns = ['head', 'copying', 'negative', ...(r.antonym ? ['antonym'] : [])];
  const rows: Cell[][] = [];
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) {
    const i = l * H + h;
    rows.push([`L${l}H${h}`, r.copying[i], r.negative[i], ...(r.antonym ? [r.antonym[i]] : [])]);
  }
  // with antonym pairs the question is which head is the antonym head: rank by that score
  const rankColumn = r.antonym ? 3 : 1;
  rows.sort((a, b) => Number(b[rankColumn]) - Number(a[rankColumn]));
  const avg = r.averageHead;
  if (avg) rows.push(['average head (all OV matrices averaged)', avg.copying, avg.negative, ...(r.antonym ? [avg.antonym ?? null] : [])]);
  const columnMetrics = [null, 'copy-score.copying', 'copy-score.negative', ...(r.antonym ? ['copy-score.antonym'] : [])];
  const input = r.input === 'mlp0' ? ', input after MLP0' : r.input === 'embed' ? ', input token embeddings' : '';
  return [{ type: 'table', id: 'copy-scores', title: `Copy scores (top-${r.k}${input}, chance ${r.chance.toFixed(3)})`, columns, rows, csv: toCsv(columns, rows), columnMetrics }];
}

function neuroscopePanels(r: NeuroscopeView): ResultPanel[] {
  const examples = r.top.map((e) => ({ label: `prompt ${e.prompt}, position ${e.position}: ${e.activation.toFixed(3)}`, tokens: e.tokens, activations: e.activations, max: r.max || 1, highlight: e.position }));
  const rows = r.top.flatMap((e) => e.tokens.map((t, i) => [e.prompt, i, t, e.activations[i]] as Cell[]));
  return [{ type: 'tokens', id: 'neuroscope', title: `Neuron ${r.neuron} of layer ${r.layer}: top examples`, examples, csv: toCsv(['prompt', 'position', 'token', 'activation'], rows) }];
}

/** The panels of a result; attention takes the head to show. */
export function resultPanels(r: ResultView, head: { layer: number; head: number } = { layer: 0, head: 0 }): ResultPanel[] {
  switch (r.kind) {
    case 'logit-lens':
      return logitLensPanels(r);
    case 'dla':
      return dlaPanels(r);
    case 'patch':
      return patchPanels(r, r.template ? { id: '', title: ` — template ${r.template}` } : undefined);
    case 'patch-groups':
      return patchGroupPanels(r);
    case 'attention':
      return attentionPanels(r, head.layer, head.head);
    case 'correlation':
      return correlationPanels(r);
    case 'copy-scores':
      return copyScorePanels(r);
    case 'neuroscope':
      return neuroscopePanels(r);
  }
}

/** Background of a token in a neuroscope example: blue for positive, red for negative activation. */
export function tokenShade(activation: number, max: number): string {
  const a = Math.min(1, Math.abs(activation) / (max || 1));
  return activation >= 0 ? `rgba(110, 168, 254, ${a.toFixed(3)})` : `rgba(242, 139, 130, ${a.toFixed(3)})`;
}
