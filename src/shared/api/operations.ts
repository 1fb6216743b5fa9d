/**
 * The operation table: every API operation declared once, with its params schema and result type.
 * Adding an operation = one entry here + one handler in src/main/api/handlers (the handler table
 * is typed so that a missing handler is a compile error). Preload methods, client calls and the
 * validation tests are all derived from this table.
 */
import {
  ANALYSIS_KINDS,
  COPY_INPUTS,
  CORRELATION_Y,
  DISCOVERY_METHODS,
  METRIC_NAMES,
  PATCH_DIRECTION_NAMES,
  PATCH_METHOD_NAMES,
  PATCH_TARGET_NAMES,
  PROMPT_SIDES,
} from './analysisKinds';
import type { CircuitDetail, CircuitDiffView, CircuitDiscoveryOutcome, CircuitEvaluationOutcome } from './circuitTypes';
import type { HeadEditOutcome, ModelComparison, RomeOutcome } from './editTypes';
import type { StudyOutcome } from './studyTypes';
import { STUDY_NUMBER_PARAMS, type StudyNumberKey } from '../studyParams';
import type { CircuitEntry, DatasetEntry, ModelEntry, DatasetImportResult, DatasetItemsPage, ProjectOverview, RunDetail, RunEntry, RunOutcome, TaskInfo } from './projectTypes';
import { array, boolean, integer, jsonObject, number, object, oneOf, optional, string, type AnySchema, type Infer, type ObjectSchema, type Schema } from './schema';
import type {
  AppInfo,
  EchoResult,
  ExportResult,
  ModelInfo,
  PredictResult,
  ProjectSummary,
  RecentProjects,
  SleepResult,
} from './types';

/** A phantom carrier for the result type (no runtime value needed). */
export interface ResultType<R> {
  readonly __result?: R;
}
const returns = <R>(): ResultType<R> => ({});

export interface OperationSpec<P extends ObjectSchema<Record<string, AnySchema>>, R> {
  /** 'call': answers quickly. 'job': long-running, streams progress, shown in the jobs panel. */
  kind: 'call' | 'job';
  summary: string;
  params: P;
  result: ResultType<R>;
}

const path = string({ min: 1, max: 4096 });
const empty = object({});
const id = integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const name = string({ min: 1, max: 200 });
const version = integer({ min: 1, max: 1_000_000 });
/** Circuit graphs: GPT-2 small's full graph (~32,500 edges) with scores fits well within this. */
const GRAPH_BYTES = 8 * 1024 * 1024;
const TASKS = ['ioi', 'comparison', 'latest'] as const;
const SPLITS = ['train', 'heldout', 'all'] as const;
const CORRUPTION_NAMES = ['abc', 'abc-s2', 'swap', 'flip', 'premise'] as const;

/** A numeric study parameter's schema, its range from the shared registry. */
function studyNumber(key: StudyNumberKey): Schema<number> {
  const p = STUDY_NUMBER_PARAMS.find((x) => x.key === key)!;
  return p.integer ? integer({ min: p.min, max: p.max }) : number({ min: p.min, max: p.max });
}
const STUDY_OTHER_NUMBERS: Record<string, Schema<number, true>> = Object.fromEntries(
  STUDY_NUMBER_PARAMS.filter((p) => p.key !== 'n' && p.key !== 'seed').map((p) => [p.key, optional(studyNumber(p.key))]),
);

export const operations = {
  'app.info': {
    kind: 'call',
    summary: 'App version, the live backend and memory use.',
    params: empty,
    result: returns<AppInfo>(),
  },
  'model.info': {
    kind: 'call',
    summary: 'The loaded model: configuration and parameter count.',
    params: empty,
    result: returns<ModelInfo>(),
  },
  'model.predict': {
    kind: 'call',
    summary: 'The top-k next tokens for a prompt.',
    params: object({ prompt: string({ min: 1, max: 20_000 }), topK: optional(integer({ min: 1, max: 100 })) }),
    result: returns<PredictResult>(),
  },
  'project.create': {
    kind: 'call',
    summary: 'Create a new project file and make it current.',
    params: object({ path }),
    result: returns<ProjectSummary>(),
  },
  'project.open': {
    kind: 'call',
    summary: 'Open a project file and make it current.',
    params: object({ path }),
    result: returns<ProjectSummary>(),
  },
  'project.saveAs': {
    kind: 'call',
    summary: 'Copy the current project to a new file and continue there.',
    params: object({ path }),
    result: returns<ProjectSummary>(),
  },
  'project.recent': {
    kind: 'call',
    summary: 'Recently opened projects, newest first.',
    params: empty,
    result: returns<RecentProjects>(),
  },
  'project.export': {
    kind: 'job',
    summary: 'Export the current project (JSON bundle).',
    params: object({ path, format: oneOf(['json'] as const) }),
    result: returns<ExportResult>(),
  },
  'project.current': {
    kind: 'call',
    summary: 'The open project and what it holds: models, datasets, circuits, runs, edits.',
    params: empty,
    result: returns<ProjectOverview>(),
  },
  'dataset.tasks': {
    kind: 'call',
    summary: 'The tasks datasets can be generated from, with their templates and corruptions.',
    params: empty,
    result: returns<{ tasks: TaskInfo[] }>(),
  },
  'dataset.generate': {
    kind: 'call',
    summary: 'Generate a task dataset from templates and save it in the project.',
    params: object({
      name,
      task: oneOf(TASKS),
      n: integer({ min: 1, max: 100_000 }),
      seed: integer({ min: 0, max: 2 ** 31 - 1 }),
      split: optional(oneOf(SPLITS)),
      corruption: optional(oneOf(CORRUPTION_NAMES)),
    }),
    result: returns<DatasetEntry>(),
  },
  'dataset.import': {
    kind: 'call',
    summary: 'Import a JSONL or CSV dataset, checked row by row against the loaded model; saved only when it has no problems.',
    params: object({ name, format: oneOf(['jsonl', 'csv'] as const), text: string({ min: 1, max: 16 * 1024 * 1024 }) }),
    result: returns<DatasetImportResult>(),
  },
  'dataset.items': {
    kind: 'call',
    summary: 'A page of a dataset\'s items.',
    params: object({ datasetId: id, offset: optional(integer({ min: 0, max: 10_000_000 })), limit: optional(integer({ min: 1, max: 1000 })) }),
    result: returns<DatasetItemsPage>(),
  },
  'dataset.remove': {
    kind: 'call',
    summary: 'Delete a dataset from the project.',
    params: object({ datasetId: id }),
    result: returns<{ removed: number }>(),
  },
  'analysis.run': {
    kind: 'job',
    summary: 'Run an analysis on a dataset as a job (worker thread); the run and its result are saved in the project.',
    params: object({
      datasetId: id,
      kind: oneOf(ANALYSIS_KINDS),
      side: optional(oneOf(PROMPT_SIDES)),
      target: optional(oneOf(PATCH_TARGET_NAMES)),
      direction: optional(oneOf(PATCH_DIRECTION_NAMES)),
      /** Patching: 'exact' (default) patches every cell; 'atp' estimates all with AtP* and patches the top `verifyTop` exactly. */
      method: optional(oneOf(PATCH_METHOD_NAMES)),
      /** AtP*: cells verified by exact patching (default 10; 0: none). */
      verifyTop: optional(integer({ min: 0, max: 100_000 })),
      metric: optional(oneOf(METRIC_NAMES)),
      item: optional(integer({ min: 0, max: 10_000_000 })),
      layer: optional(integer({ min: 0, max: 1000 })),
      head: optional(integer({ min: 0, max: 1000 })),
      neuron: optional(integer({ min: 0, max: 1_000_000 })),
      y: optional(oneOf(CORRELATION_Y)),
      k: optional(integer({ min: 1, max: 1000 })),
      /** Copy scores: the OV circuits' input (default: after MLP0; token embeddings on an attention-only model). */
      input: optional(oneOf(COPY_INPUTS)),
      /** Copy scores: score the antonym pairs too (their comparatives join the candidates; default true). */
      antonyms: optional(boolean()),
      /**
       * Analyse only the items of this template (default: all; position-resolved results then come
       * one panel per template). `item` counts within the chosen template's items.
       */
      template: optional(string({ min: 1, max: 200 })),
    }),
    result: returns<RunOutcome>(),
  },
  'analysis.attention': {
    kind: 'job',
    summary: 'Every head\'s attention pattern (one layer, or the whole model) on one prompt: typed, or an item of a dataset (a job; the run is saved).',
    params: object({
      /** A typed prompt; or datasetId (+ item, side) for a dataset item. Exactly one of the two. */
      prompt: optional(string({ min: 1, max: 2000 })),
      datasetId: optional(id),
      item: optional(integer({ min: 0, max: 10_000_000 })),
      side: optional(oneOf(PROMPT_SIDES)),
      /** Absent: every layer. */
      layer: optional(integer({ min: 0, max: 1000 })),
    }),
    result: returns<RunOutcome>(),
  },
  'run.list': {
    kind: 'call',
    summary: 'The project\'s runs, newest first.',
    params: object({ limit: optional(integer({ min: 1, max: 10_000 })) }),
    result: returns<{ runs: RunEntry[] }>(),
  },
  'run.get': {
    kind: 'call',
    summary: 'One run with its results.',
    params: object({ runId: id }),
    result: returns<RunDetail>(),
  },
  'run.cancel': {
    kind: 'call',
    summary: 'Cancel a queued or running run (from any window or tab; closing a page never cancels).',
    params: object({ runId: id }),
    result: returns<{ cancelled: boolean }>(),
  },
  'run.resume': {
    kind: 'job',
    summary: 'Resume an interrupted or cancelled run from its last checkpoint (runs that keep none start again with the same parameters).',
    params: object({ runId: id }),
    result: returns<RunOutcome>(),
  },
  'run.rerun': {
    kind: 'job',
    summary: 'Run a finished, failed or cancelled run again as a new run with the same parameters (and the same data, copied into the run).',
    params: object({ runId: id }),
    result: returns<RunOutcome>(),
  },
  'run.remove': {
    kind: 'call',
    summary: 'Delete a finished run and its results.',
    params: object({ runId: id }),
    result: returns<{ removed: number }>(),
  },
  'circuit.get': {
    kind: 'call',
    summary: 'A circuit version (the head unless given) with its graph and version history.',
    params: object({ circuitId: id, version: optional(integer({ min: 1, max: 1_000_000 })) }),
    result: returns<CircuitDetail>(),
  },
  'circuit.create': {
    kind: 'call',
    summary: 'Create a circuit from a graph.',
    params: object({ name, graph: jsonObject({ maxBytes: GRAPH_BYTES }) }),
    result: returns<CircuitEntry>(),
  },
  'circuit.save': {
    kind: 'call',
    summary: 'Save a new version of a circuit (the previous ones are kept).',
    params: object({
      circuitId: id,
      graph: jsonObject({ maxBytes: GRAPH_BYTES }),
      message: optional(string({ max: 500 })),
      /** The version this edit started from: refused with 'conflict' when the circuit has moved on since. */
      baseVersion: optional(version),
    }),
    result: returns<{ version: number }>(),
  },
  'circuit.rename': {
    kind: 'call',
    summary: 'Rename a circuit.',
    params: object({ circuitId: id, name }),
    result: returns<CircuitEntry>(),
  },
  'circuit.remove': {
    kind: 'call',
    summary: 'Delete a circuit and its versions.',
    params: object({ circuitId: id }),
    result: returns<{ removed: number }>(),
  },
  'circuit.export': {
    kind: 'call',
    summary: 'A circuit version as a self-contained JSON document.',
    params: object({ circuitId: id, version: optional(integer({ min: 1, max: 1_000_000 })) }),
    result: returns<Record<string, unknown>>(),
  },
  'circuit.import': {
    kind: 'call',
    summary: 'Create a circuit from a JSON document that circuit.export wrote.',
    params: object({ document: jsonObject({ maxBytes: GRAPH_BYTES }), name: optional(name) }),
    result: returns<CircuitEntry>(),
  },
  'circuit.diff': {
    kind: 'call',
    summary: 'Nodes and edges only in circuit A, only in B, and in both.',
    params: object({
      a: id,
      b: id,
      aVersion: optional(integer({ min: 1, max: 1_000_000 })),
      bVersion: optional(integer({ min: 1, max: 1_000_000 })),
    }),
    result: returns<CircuitDiffView>(),
  },
  'circuit.discover': {
    kind: 'job',
    summary: 'Find a circuit on a dataset with ACDC, EAP, EAP-IG or path patching (a job).',
    params: object({
      datasetId: id,
      method: oneOf(DISCOVERY_METHODS),
      threshold: optional(number({ min: 0, max: 1e6 })),
      topN: optional(integer({ min: 1, max: 1_000_000 })),
      metric: optional(oneOf(METRIC_NAMES)),
      steps: optional(integer({ min: 1, max: 1000 })),
      /**
       * Save the found circuit when the run ends (even if the page that asked is gone): as a new
       * circuit named after the run, or as a new version of circuitId (refused when that circuit
       * moved on since baseVersion). Discovery never overwrites.
       */
      saveTo: optional(oneOf(['new-circuit', 'new-version'] as const)),
      circuitId: optional(id),
      baseVersion: optional(version),
    }),
    result: returns<CircuitDiscoveryOutcome>(),
  },
  'circuit.evaluate': {
    kind: 'job',
    summary: 'Faithfulness, completeness and minimality of a saved circuit on a dataset (a job).',
    params: object({ circuitId: id, datasetId: id, version: optional(integer({ min: 1, max: 1_000_000 })) }),
    result: returns<CircuitEvaluationOutcome>(),
  },
  'model.select': {
    kind: 'job',
    summary: 'Load a project model (edited ones are exported to a cached folder first); every analysis and job then runs on it.',
    params: object({ modelId: id }),
    result: returns<{ model: ModelEntry }>(),
  },
  'model.add': {
    kind: 'job',
    summary: 'Add a model to the project and load it: a folder (path), or a Hugging Face id (id) from the HF cache; download: true fetches a missing one from the hub.',
    params: object({ path: optional(path), id: optional(string({ min: 1, max: 300 })), download: optional(boolean()) }),
    result: returns<{ model: ModelEntry }>(),
  },
  'edit.rome': {
    kind: 'job',
    summary: 'A ROME edit of the loaded model (a job): the edit and the edited model are saved in the project.',
    params: object({
      prompt: string({ min: 1, max: 2000 }),
      subject: string({ min: 1, max: 200 }),
      target: string({ min: 1, max: 200 }),
      /** Absent: the layer causal tracing picks. */
      layer: optional(integer({ min: 0, max: 1000 })),
      /** Edit the subject's last occurrence in the prompt (default: its first). */
      last: optional(boolean()),
      contexts: optional(integer({ min: 0, max: 16 })),
      steps: optional(integer({ min: 1, max: 500 })),
      lr: optional(number({ min: 1e-6, max: 100 })),
      weightDecay: optional(number({ min: 0, max: 100 })),
      paraphrases: optional(array(string({ min: 1, max: 2000 }), { max: 50 })),
      neighbourhood: optional(array(string({ min: 1, max: 2000 }), { max: 200 })),
      name: optional(name),
    }),
    result: returns<RomeOutcome>(),
  },
  'edit.head': {
    kind: 'job',
    summary: 'A rank-1 edit of one head\'s OV (what it moves) or QK (where it attends) circuit; saved like a ROME edit.',
    params: object({
      kind: oneOf(['ov', 'qk'] as const),
      layer: integer({ min: 0, max: 1000 }),
      head: integer({ min: 0, max: 1000 }),
      prompt: string({ min: 1, max: 2000 }),
      source: optional(string({ min: 1, max: 200 })),
      plus: optional(string({ min: 1, max: 200 })),
      minus: optional(string({ min: 1, max: 200 })),
      key: optional(string({ min: 1, max: 200 })),
      scoreChange: optional(number({ min: -1000, max: 1000 })),
      /** OV: how far to move the projection towards the target (1 = all the way; 2 = twice as far). */
      strength: optional(number({ min: -100, max: 100 })),
      /** OV: 'reflect' (default), 'zero', or a target projection. */
      target: optional(oneOf(['reflect', 'zero'] as const)),
      /** Top predictions on the edited prompt before and after (default 5). */
      topK: optional(integer({ min: 1, max: 50 })),
      name: optional(name),
    }),
    result: returns<HeadEditOutcome>(),
  },
  'edit.compare': {
    kind: 'job',
    summary: 'Prompts on several project models side by side (prediction and logit), and their per-task scores on a dataset.',
    params: object({
      modelIds: array(id, { min: 1, max: 8 }),
      prompts: array(string({ min: 1, max: 2000 }), { max: 100 }),
      datasetId: optional(id),
      /** With a dataset: also diff each later model's top-N EAP-IG circuit against the first's. */
      circuitTopN: optional(integer({ min: 1, max: 100_000 })),
    }),
    result: returns<ModelComparison>(),
  },
  'edit.export': {
    kind: 'job',
    summary: 'Write a project model (edits applied) as a Hugging Face safetensors folder the loader reads.',
    params: object({ modelId: id, path }),
    result: returns<{ path: string }>(),
  },
  'study.run': {
    kind: 'job',
    summary: 'Run the research outline on a task (logit lens, patching, attention, head scores, congruence, circuits, tracking, an edit) for the loaded model or the given model folders; writes report.html, figures, tables and study.json (a job).',
    params: object({
      task: oneOf(TASKS),
      outDir: path,
      /** Model folders; default: the loaded model. */
      modelDirs: optional(array(path, { min: 1, max: 8 })),
      n: optional(studyNumber('n')),
      seed: optional(studyNumber('seed')),
      /** One of the task's corruptions (dataset.tasks lists them); default: the task's own. */
      corruption: optional(oneOf(CORRUPTION_NAMES)),
      /** The other numeric study parameters (shared/studyParams.ts); each one left out keeps its default. */
      params: optional(object(STUDY_OTHER_NUMBERS)),
    }),
    result: returns<StudyOutcome>(),
  },
  echo: {
    kind: 'call',
    summary: 'Returns its message (transport test).',
    params: object({ message: string({ max: 10_000 }) }),
    result: returns<EchoResult>(),
  },
  sleep: {
    kind: 'job',
    summary: 'Waits, reporting progress, until done or cancelled (cancellation test).',
    params: object({ ms: integer({ min: 0, max: 600_000 }), steps: optional(integer({ min: 1, max: 1000 })) }),
    result: returns<SleepResult>(),
  },
} as const satisfies Record<string, OperationSpec<ObjectSchema<Record<string, AnySchema>>, unknown>>;

export type Operations = typeof operations;
export type OpName = keyof Operations;
export type ParamsOf<K extends OpName> = Infer<Operations[K]['params']>;
export type ResultOf<K extends OpName> = Operations[K]['result'] extends ResultType<infer R> ? R : never;

export const OP_NAMES = Object.keys(operations) as OpName[];

export function isOpName(name: string): name is OpName {
  return Object.hasOwn(operations, name);
}
