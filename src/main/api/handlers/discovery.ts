/**
 * Circuit discovery (ACDC, EAP, EAP-IG, path patching) and evaluation as jobs on the project's
 * runner. The discovered graph comes back for the editor; the run keeps the full report.
 */
import { ApiError } from '../../../shared/api/errors';
import type { CircuitGraphView, EvaluationReferenceView } from '../../../shared/api/circuitTypes';
import { CIRCUIT_TOOL_KINDS } from '../../jobs/handlers';
import { runJobToEnd } from '../jobs';
import { runEntry } from '../project/views';
import type { Handler } from './context';
import { found, requireModelDir, requireProject } from './require';
import { datasetForJob } from './runs';

/** EAP keeps this many top edges when neither topN nor a threshold is given. */
const DEFAULT_TOP_N = 20;
const DEFAULT_IG_STEPS = 5;

function graphOf(summary: unknown, path: string[]): CircuitGraphView {
  let value: unknown = summary;
  for (const key of path) value = (value as Record<string, unknown> | null)?.[key];
  const graph = value as CircuitGraphView | undefined;
  if (!graph || !Array.isArray(graph.nodes) || !Array.isArray(graph.edges)) throw new ApiError('failed', 'The discovery run finished without a circuit.');
  return graph;
}

export const circuitDiscover: Handler<'circuit.discover'> = async (params, { services, signal, progress }) => {
  const project = requireProject(services);
  const modelDir = requireModelDir(services);
  const dataset = datasetForJob(project, params.datasetId);
  const shown = { datasetId: dataset.datasetId, datasetName: dataset.datasetName, method: params.method };
  const start = { signal, progress, datasetHash: dataset.datasetHash, modelHash: project.loadedModelHash ?? undefined, backend: services.backend()?.name };
  let kind: string;
  let jobParams: object;
  let path: string[];
  if (params.method === 'acdc') {
    kind = CIRCUIT_TOOL_KINDS.acdc;
    jobParams = { ...shown, modelDir, data: { items: dataset.items }, tau: params.threshold ?? 0.1, metric: params.metric, name: `ACDC on ${dataset.datasetName}` };
    path = ['circuit', 'graph'];
  } else if (params.method === 'path-patching') {
    kind = CIRCUIT_TOOL_KINDS.pathPatching;
    jobParams = { ...shown, modelDir, items: dataset.items, threshold: params.threshold, metric: params.metric };
    path = ['circuit', 'graph'];
  } else {
    kind = CIRCUIT_TOOL_KINDS.attribution;
    const topN = params.topN ?? (params.threshold === undefined ? DEFAULT_TOP_N : undefined);
    const steps = params.method === 'eap-ig' ? (params.steps ?? DEFAULT_IG_STEPS) : undefined;
    jobParams = { ...shown, modelDir, data: { items: dataset.items }, steps, topN, threshold: topN === undefined ? params.threshold : undefined, metric: params.metric };
    path = ['selection', 'circuit', 'graph'];
  }
  const record = await runJobToEnd(project, kind, jobParams, start);
  const summary = project.store.results.listForRun(record.id)[0]?.summary as Record<string, unknown>;
  const graph = graphOf(summary, path);
  const { circuit: _circuit, finalState: _state, ...rest } = summary ?? {};
  return { run: runEntry(record), graph, summary: rest };
};

interface EvaluationSummary {
  scores?: { faithfulness: number | null; completeness: number | null; minimality: number | null };
  reference?: EvaluationReferenceView;
}

export const circuitEvaluate: Handler<'circuit.evaluate'> = async ({ circuitId, datasetId, version }, { services, signal, progress }) => {
  const project = requireProject(services);
  const modelDir = requireModelDir(services);
  const { store } = project;
  const circuit = found('circuit', circuitId, () => store.circuits.get(circuitId));
  const v = found(`version ${version} of circuit`, circuitId, () => store.circuits.version(circuitId, version));
  if (v.graph.edges.length === 0) throw new ApiError('failed', `Circuit "${circuit.name}" has no edges yet: add some, or find them with ACDC or EAP.`);
  const dataset = datasetForJob(project, datasetId);
  const record = await runJobToEnd(
    project,
    CIRCUIT_TOOL_KINDS.evaluate,
    { circuitId, version: v.version, datasetId, datasetName: dataset.datasetName, modelDir, items: dataset.items, name: circuit.name, graph: { nodes: v.graph.nodes, edges: v.graph.edges } },
    { signal, progress, datasetHash: dataset.datasetHash, modelHash: project.loadedModelHash ?? undefined, backend: services.backend()?.name },
  );
  const summary = (store.results.listForRun(record.id)[0]?.summary ?? {}) as EvaluationSummary & Record<string, unknown>;
  return {
    run: runEntry(record),
    faithfulness: summary.scores?.faithfulness ?? null,
    completeness: summary.scores?.completeness ?? null,
    minimality: summary.scores?.minimality ?? null,
    reference: summary.reference ?? null,
    summary,
  };
};
