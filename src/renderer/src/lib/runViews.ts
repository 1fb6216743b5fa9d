/**
 * A view for every kind of run: what each job kind's stored result looks like on screen (panels
 * built from the result alone: plain TS, testable). RUN_VIEWS is keyed by job kind; a unit test
 * checks it against the job registry, so a new job kind without a view fails the tests.
 */
import { ANALYSIS_KINDS } from '../../../shared/api/analysisKinds';
import type { CircuitGraphView } from '../../../shared/api/circuitTypes';
import { edgeLabel, nodeLabel } from '../circuit/modelGraph';
import { heatmapOption, lineOption } from './charts';
import { matrixCsv, toCsv, type Cell } from './csv';
import { resultPanels, type ResultPanel } from './resultPanels';
import { asResultView } from './resultTypes';

/** One stored result of a run, as run.get returns it. */
export interface StoredResult {
  name: string;
  summary: unknown;
  deltaNorms?: Array<{ param: string; norm: number }>;
}

export type RunViewBuilder = (results: readonly StoredResult[], pick: { layer: number; head: number }) => ResultPanel[];

/** Longest table shown (the CSV carries every row). */
const MAX_ROWS = 300;

type Rec = Record<string, unknown>;
const rec = (x: unknown): Rec => (typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Rec) : {});
const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** Leaves of a nested object as `a.b = value` rows (arrays of numbers shortened, long ones counted). */
export function flattenNumbers(value: unknown, prefix = '', depth = 3): Array<[string, Cell]> {
  const rows: Array<[string, Cell]> = [];
  for (const [key, v] of Object.entries(rec(value))) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (v === null || v === undefined) rows.push([name, '–']);
    else if (typeof v === 'number') rows.push([name, v]);
    else if (typeof v === 'string' || typeof v === 'boolean') rows.push([name, String(v)]);
    else if (Array.isArray(v)) rows.push([name, v.length <= 8 && v.every((x) => typeof x !== 'object') ? v.join(', ') : `${v.length} items`]);
    else if (depth > 0) rows.push(...flattenNumbers(v, name, depth - 1));
  }
  return rows;
}

function numbersPanel(id: string, title: string, rows: Array<[string, Cell]>): ResultPanel {
  return { type: 'table', id, title, columns: ['name', 'value'], rows, csv: toCsv(['name', 'value'], rows) };
}

function tablePanel(id: string, title: string, columns: string[], rows: Cell[][]): ResultPanel {
  return { type: 'table', id, title: rows.length > MAX_ROWS ? `${title} (first ${MAX_ROWS} of ${rows.length})` : title, columns, rows: rows.slice(0, MAX_ROWS), csv: toCsv(columns, rows) };
}

const edgeName = (e: { source: string; target: string; input?: string }): string => edgeLabel(`${e.source}->${e.target}${e.input ? `:${e.input}` : ''}`);

/** The circuit as a graph with its edge scores, and the same edges as a table. */
function graphPanels(graph: unknown, title: string): ResultPanel[] {
  const g = rec(graph) as unknown as CircuitGraphView;
  if (!Array.isArray(g.nodes) || !Array.isArray(g.edges)) return [];
  const rows: Cell[][] = [...g.edges].sort((a, b) => Math.abs(b.score ?? 0) - Math.abs(a.score ?? 0)).map((e) => [edgeName(e), e.score ?? '–']);
  const csv = toCsv(['edge', 'score'], rows);
  return [
    { type: 'graph', id: 'graph', title: `${title}: ${g.nodes.length} nodes, ${g.edges.length} edges`, graph: { nodes: g.nodes, edges: g.edges }, csv },
    tablePanel('graph-edges', `${title}: edges by |score|`, ['edge', 'score'], rows),
  ];
}

function faithfulnessRows(prefix: string, f: unknown): Array<[string, Cell]> {
  return flattenNumbers(f, prefix, 0);
}

function curvePanel(curve: unknown): ResultPanel[] {
  const points = rec(curve).points;
  if (!Array.isArray(points) || points.length === 0) return [];
  const p = points as Array<{ fraction: number; edges: number; faithfulness: number; metric: number }>;
  const labels = p.map((x) => `${(x.fraction * 100).toFixed(1)}% (${x.edges})`);
  return [
    {
      type: 'chart',
      id: 'curve',
      title: `Faithfulness curve (CPR ${num(rec(curve).cpr)?.toFixed(3) ?? '–'}, CMD ${num(rec(curve).cmd)?.toFixed(3) ?? '–'})`,
      option: lineOption('Faithfulness by circuit size', labels, [{ name: 'faithfulness', values: p.map((x) => x.faithfulness) }], 'faithfulness'),
      csv: toCsv(['fraction', 'edges', 'metric', 'faithfulness'], p.map((x) => [x.fraction, x.edges, x.metric, x.faithfulness])),
    },
  ];
}

const first = (results: readonly StoredResult[]): Rec => rec(results[0]?.summary);

function acdcView(results: readonly StoredResult[]): ResultPanel[] {
  const s = first(results);
  const rows: Array<[string, Cell]> = [
    ...flattenNumbers(s.method, 'method', 0),
    ...(['prompts', 'totalEdges', 'edges', 'tried', 'kept', 'removed', 'skipped', 'forwardRuns', 'resumedFrom'] as const).map((k): [string, Cell] => [k, (s[k] as Cell) ?? '–']),
    ...faithfulnessRows('faithfulness', s.faithfulness),
  ];
  return [numbersPanel('acdc-numbers', 'ACDC: numbers', rows), ...graphPanels(rec(s.circuit).graph, 'Circuit found by ACDC')];
}

function attributionView(results: readonly StoredResult[]): ResultPanel[] {
  const s = first(results);
  const sel = rec(s.selection);
  const rows: Array<[string, Cell]> = [...flattenNumbers(s.method, 'method', 0), ['prompts', (s.prompts as Cell) ?? '–'], ['totalEdges', (s.totalEdges as Cell) ?? '–'], ['seconds', (s.seconds as Cell) ?? '–']];
  if (s.selection) rows.push(['selection.topN', (sel.topN as Cell) ?? '–'], ['selection.threshold', (sel.threshold as Cell) ?? '–'], ['selection.edges', (sel.edges as Cell) ?? '–'], ...faithfulnessRows('selection.faithfulness', sel.faithfulness));
  const top = Array.isArray(s.top) ? (s.top as Array<{ edge: string; score: number }>).map((t): Cell[] => [t.edge, t.score]) : [];
  const method = String(rec(s.method).name ?? 'eap').toUpperCase();
  return [numbersPanel('attribution-numbers', `${method}: numbers`, rows), ...graphPanels(rec(sel.circuit).graph, `Circuit selected by ${method}`), ...(top.length ? [tablePanel('attribution-top', 'Top edges by attribution score', ['edge', 'score'], top)] : []), ...curvePanel(s.curve)];
}

function pathPatchingView(results: readonly StoredResult[]): ResultPanel[] {
  const s = first(results);
  const shape = Array.isArray(s.shape) ? (s.shape as number[]) : [];
  const values = Array.isArray(s.values) ? (s.values as Array<number | null>) : [];
  const panels: ResultPanel[] = [numbersPanel('path-numbers', 'Path patching: numbers', [['threshold', (s.threshold as Cell) ?? '–'], ...flattenNumbers(s, '', 0).filter(([k]) => !['values', 'shape', 'threshold'].includes(k))])];
  if (shape.length === 2 && values.length === shape[0] * shape[1]) {
    const [L, H] = shape;
    const effect = values.map((v) => (v === null ? 0 : 1 - v));
    const rowsL = Array.from({ length: L }, (_, l) => `L${l}`);
    const colsH = Array.from({ length: H }, (_, h) => `H${h}`);
    panels.push({ type: 'chart', id: 'path-heads', title: 'Effect of each sender head on the logits (1 − normalised metric)', option: heatmapOption({ title: 'Path patching into the logits (layers × heads)', xLabels: colsH, yLabels: rowsL, xName: 'head', yName: 'layer', values: effect }), csv: matrixCsv('layer', 'head', rowsL, colsH, effect) });
  }
  return [...panels, ...graphPanels(rec(s.circuit).graph, 'Senders above the threshold')];
}

function evaluationView(results: readonly StoredResult[]): ResultPanel[] {
  const s = first(results);
  const complete = rec(s.completeness);
  const knock = (list: unknown, label: (k: Rec, i: number) => string): Cell[][] => (Array.isArray(list) ? list.map((k, i) => [label(rec(k), i), (rec(k).nodes as string[] | undefined)?.map(nodeLabel).join(' ') ?? '', num(rec(k).circuit) ?? '–', num(rec(k).full) ?? '–', num(rec(k).score) ?? '–']) : []);
  const knockRows = [...knock(complete.classes, (k) => `class ${String(k.name)}`), ...knock(complete.random, (_, i) => `random ${i + 1}`), ...knock(complete.greedy, (_, i) => `greedy step ${i + 1}`)];
  const minimal = Array.isArray(s.minimality) ? (s.minimality as Array<{ node: string; drop: number; relative: number }>).map((m): Cell[] => [nodeLabel(m.node), m.drop, m.relative]) : [];
  return [
    numbersPanel('eval-scores', `Scores of ${String(s.circuit ?? 'the circuit')} on ${String(s.prompts ?? '?')} prompts`, [...flattenNumbers(s.scores, '', 0), ...faithfulnessRows('faithfulness', s.faithfulness), ['completeness.worst', num(complete.worst) ?? '–']]),
    tablePanel('eval-completeness', 'Completeness: |F(C\\K) − F(M\\K)| per knock-out set K', ['set', 'nodes', 'F(C\\K)', 'F(M\\K)', 'score'], knockRows),
    tablePanel('eval-minimality', 'Minimality: drop when each node is taken out', ['node', 'drop', 'relative'], minimal),
    ...curvePanel(s.curve),
  ];
}

function deltaPanel(results: readonly StoredResult[]): ResultPanel[] {
  const norms = results.flatMap((r) => r.deltaNorms ?? []);
  return norms.length ? [tablePanel('edit-deltas', "The edit's rank-1 deltas: Frobenius norm ‖u‖·‖v‖", ['parameter', 'norm'], norms.map((n) => [n.param, n.norm]))] : [];
}

function tracePanels(s: Rec): ResultPanel[] {
  const tokens = Array.isArray(s.tokens) ? (s.tokens as string[]) : [];
  return Object.entries(rec(s.traces)).flatMap(([kind, t]): ResultPanel[] => {
    const probs = rec(t).probs;
    if (!Array.isArray(probs) || probs.length === 0) return [];
    const rows = probs as number[][];
    const T = rows[0].length;
    const cols = Array.from({ length: T }, (_, i) => `${i}:${tokens[i] ?? ''}`);
    const layers = rows.map((_, l) => `L${l}`);
    const values = rows.flat();
    const title = `Causal trace (${kind}): p(answer) restoring each layer × position (clean ${num(rec(t).cleanProb)?.toFixed(3) ?? '–'}, corrupted ${num(rec(t).corruptedProb)?.toFixed(3) ?? '–'})`;
    return [{ type: 'chart', id: `trace-${kind}`, title, option: heatmapOption({ title, xLabels: cols, yLabels: layers, xName: 'position', yName: 'layer', values, scale: 'sequential' }), csv: matrixCsv('layer', 'position', layers, cols, values) }];
  });
}

function editResult(results: readonly StoredResult[]): Rec {
  return rec(results.find((r) => r.name === 'edit')?.summary ?? results[0]?.summary);
}

function romeView(results: readonly StoredResult[]): ResultPanel[] {
  const s = editResult(results);
  const metrics = rec(s.metrics);
  const rows: Array<[string, Cell]> = [['name', String(s.name ?? '')], ['layer', (s.layer as Cell) ?? '–'], ...flattenNumbers(metrics, '', 0).filter(([k]) => k !== 'neighbourhood')];
  const neighbours = Array.isArray(metrics.neighbourhood) ? (metrics.neighbourhood as Array<{ prompt: string; before: string; after: string }>).map((n): Cell[] => [n.prompt, n.before, n.after, n.before === n.after ? 'unchanged' : 'changed']) : [];
  return [numbersPanel('rome-metrics', 'ROME: efficacy, generalisation and specificity', rows), ...tracePanels(s), tablePanel('rome-neighbourhood', 'Neighbourhood prompts: top-1 before and after the edit', ['prompt', 'before', 'after', ''], neighbours), ...deltaPanel(results)];
}

function headEditView(results: readonly StoredResult[]): ResultPanel[] {
  const s = editResult(results);
  return [numbersPanel('head-edit', `Head edit ${String(s.name ?? '')}`, [...flattenNumbers(s.spec, 'spec', 1), ...flattenNumbers(s.projection, 'projection', 0)]), ...deltaPanel(results)];
}

function compareView(results: readonly StoredResult[]): ResultPanel[] {
  const s = first(results);
  const predictions = Array.isArray(s.predictions) ? (s.predictions as Array<{ input: string; model: string; prediction: string; logit: number; prob: number }>).map((p): Cell[] => [p.input, p.model, p.prediction, p.logit, p.prob]) : [];
  const evaluations = Array.isArray(s.evaluations)
    ? (s.evaluations as Array<{ model: string; tasks: Array<{ task: string; n: number; accuracy: number; meanLogitDiff: number }> }>).flatMap((e) => e.tasks.map((t): Cell[] => [e.model, t.task, t.n, t.accuracy, t.meanLogitDiff]))
    : [];
  const circuits = Array.isArray(s.circuits) ? (s.circuits as Array<{ model: string; topN: number; both: string[]; onlyFirst: string[]; onlyThis: string[]; faithfulness: { first: number; this: number } }>).map((c): Cell[] => [c.model, c.topN, c.both.length, c.onlyFirst.length, c.onlyThis.length, c.faithfulness.first, c.faithfulness.this]) : [];
  return [
    tablePanel('compare-predictions', 'Predictions: each prompt on every model', ['input', 'model', 'prediction', 'logit', 'prob'], predictions),
    ...(evaluations.length ? [tablePanel('compare-tasks', 'Per-task scores on the dataset', ['model', 'task', 'n', 'accuracy', 'mean logit diff'], evaluations)] : []),
    ...(circuits.length ? [tablePanel('compare-circuits', "Top-N EAP-IG circuits against the first model's", ['model', 'top N', 'in both', 'only first', 'only this', 'faithfulness (first)', 'faithfulness (this)'], circuits)] : []),
  ];
}

function momentView(results: readonly StoredResult[]): ResultPanel[] {
  const s = results.find((r) => r.name === 'key-moment')?.summary ?? results[0]?.summary;
  return [numbersPanel('key-moment', 'Key second moment C = E[k kᵀ] cached for ROME', flattenNumbers(s, '', 0))];
}

function analysisView(results: readonly StoredResult[], pick: { layer: number; head: number }): ResultPanel[] {
  const view = asResultView(results[0]?.summary);
  return view ? resultPanels(view, pick) : [];
}

const cellOf = (x: unknown): Cell => (typeof x === 'number' || typeof x === 'string' ? x : x === null || x === undefined ? '–' : String(x));

/** A study section's tables (its figures are in the report and figures/*.svg). */
function studySectionPanels(section: unknown): ResultPanel[] {
  const s = rec(section);
  const label = s.model ? ` (${String(s.model)})` : '';
  return (Array.isArray(s.tables) ? s.tables : []).map((t) => {
    const table = rec(t);
    const columns = Array.isArray(table.columns) ? table.columns.map(String) : [];
    const rows = Array.isArray(table.rows) ? table.rows.map((r) => (Array.isArray(r) ? r.map(cellOf) : [])) : [];
    return tablePanel(`study-${String(table.id)}`, `${String(table.title)}${label}`, columns, rows);
  });
}

/** A study: its sections (one run each in the project); the plan's parameters are the run's parameter lines. */
function studyView(results: readonly StoredResult[]): ResultPanel[] {
  const doc = rec(results.find((r) => r.name === 'study')?.summary ?? results[0]?.summary);
  const sections = (Array.isArray(doc.sections) ? doc.sections : []).map((x): Cell[] => {
    const s = rec(x);
    return [cellOf(s.title), cellOf(s.model ?? 'all models'), Array.isArray(s.figures) ? s.figures.length : 0, Array.isArray(s.tables) ? s.tables.length : 0];
  });
  return [tablePanel('study-sections', 'Study sections (the report holds the figures; each section is also a run of its own)', ['section', 'model', 'figures', 'tables'], sections)];
}

/** Every job kind's view. Kinds are the job registry's (src/main/jobs/handlers) plus cached key moments. */
export const RUN_VIEWS: Record<string, RunViewBuilder> = {
  ...Object.fromEntries(ANALYSIS_KINDS.map((k) => [k, analysisView])),
  'circuit.acdc': acdcView,
  'circuit.attribution': attributionView,
  'path-patching': pathPatchingView,
  'circuit-eval': evaluationView,
  'edit-rome': romeView,
  'edit-head': headEditView,
  'edit-compare': compareView,
  'rome-covariance': momentView,
  'study.run': studyView,
  'study.section': (results) => studySectionPanels(results[0]?.summary),
  'project-export': (results) => [numbersPanel('export', 'Project exported as a JSON bundle', flattenNumbers(results[0]?.summary, '', 0))],
};

/** The panels of a run's results, or null when its kind has no view. */
export function runPanels(kind: string, results: readonly StoredResult[], pick = { layer: 0, head: 0 }): ResultPanel[] | null {
  const view = RUN_VIEWS[kind];
  return view ? view(results, pick) : null;
}

/** A run's parameters as readable `name = value` lines (nested objects flattened, never [object Object]). */
export function paramLines(options: Record<string, unknown>): string[] {
  return flattenNumbers(options, '', 4)
    .filter(([k]) => k !== 'datasetId')
    .map(([k, v]) => `${k} = ${typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : v}`);
}
