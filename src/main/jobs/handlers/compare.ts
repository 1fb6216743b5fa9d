/**
 * edit.compare as a job in a worker thread: prompts on several project models side by side, their
 * per-task scores on a dataset, and (optionally) each later model's top-N EAP-IG circuit diffed
 * against the first's. Main resolves each model to its root folder and chain of rank-1 edits
 * (small: a few thousand numbers each), so the worker needs no project store.
 */
import type { Json } from '../../store';
import type { TaskItem } from '../../datasets/types';
import type { ModelComparison, ModelCircuitDiff } from '../../../shared/api/editTypes';
import { asEvalModel, circuitDiff, compareEvaluations, predictionTable, type NamedModel } from '../../editing/compare';
import { EditedModel } from '../../editing/editedModel';
import type { ModelEdit } from '../../editing/delta';
import { openModel, type ModelSession } from '../../services/modelSession';
import type { JobContext, JobOutput } from '../types';

export const COMPARE_JOB_KIND = 'edit-compare';

/** A rank-1 delta as JSON numbers (float32 values round-trip exactly through doubles). */
export interface DeltaJson {
  param: string;
  u: number[];
  v: number[];
}

export interface CompareModelSpec {
  modelId: number;
  label: string;
  rootDir: string;
  edits: Array<{ name: string; deltas: DeltaJson[] }>;
}

export interface CompareJobParams {
  models: CompareModelSpec[];
  prompts: string[];
  items: TaskItem[];
  circuitTopN?: number;
  datasetId?: number;
  datasetName?: string;
  modelIds: number[];
}

export function deltaJson(edit: ModelEdit): { name: string; deltas: DeltaJson[] } {
  return { name: edit.name, deltas: edit.deltas.map((d) => ({ param: d.param, u: Array.from(d.u), v: Array.from(d.v) })) };
}

interface Opened {
  session: ModelSession;
  edited: EditedModel | undefined;
}

async function openSpec(spec: CompareModelSpec): Promise<Opened> {
  const session = await openModel(spec.rootDir);
  try {
    const edits: ModelEdit[] = spec.edits.map((e) => ({ name: e.name, spec: {}, deltas: e.deltas.map((d) => ({ param: d.param, u: Float32Array.from(d.u), v: Float32Array.from(d.v) })) }));
    return { session, edited: edits.length > 0 ? EditedModel.apply(session.model, edits) : undefined };
  } catch (error) {
    session.model.dispose();
    throw error;
  }
}

export async function compareJob(params: CompareJobParams, ctx: JobContext): Promise<JobOutput> {
  const opened: Opened[] = [];
  const steps = params.models.length * 2 + 2;
  try {
    const models: NamedModel[] = [];
    for (const [i, spec] of params.models.entries()) {
      ctx.progress(i / steps, `Loading ${spec.label}`);
      const o = await openSpec(spec);
      opened.push(o);
      models.push(asEvalModel(o.edited?.model ?? o.session.model, o.session.tokenizer, spec.label));
      ctx.throwIfCancelled();
    }
    ctx.progress(params.models.length / steps, 'Predicting');
    const rows = await predictionTable(models, params.prompts, { signal: ctx.signal });
    ctx.progress((params.models.length + 1) / steps, 'Scoring the dataset');
    const reports = params.items.length > 0 ? await compareEvaluations(models, params.items, { signal: ctx.signal }) : [];
    const circuits: ModelCircuitDiff[] = [];
    if (params.circuitTopN !== undefined) {
      for (const [i, m] of models.entries()) {
        if (i === 0) continue;
        ctx.progress((params.models.length + 1 + i) / steps, `Circuit diff: ${m.label}`);
        const d = await circuitDiff(models[0], m, params.items, { topN: params.circuitTopN, signal: ctx.signal });
        circuits.push({ model: m.label, modelId: params.models[i].modelId, topN: d.topN, both: d.both, onlyFirst: d.onlyBase, onlyThis: d.onlyEdited, faithfulness: { first: d.faithfulness.base, this: d.faithfulness.edited } });
      }
    }
    ctx.progress(1, 'Done');
    const comparison: ModelComparison = {
      predictions: rows.map(({ input, model, prediction, logit, prob }) => ({ input, model, prediction, logit, prob })),
      evaluations: reports.map((r, i) => ({
        model: r.model,
        modelId: params.models[i].modelId,
        tasks: Object.entries(r.report.tasks).map(([task, s]) => ({ task, n: s.n, accuracy: s.accuracy, meanLogitDiff: s.meanLogitDiff })),
      })),
      circuits,
    };
    return { name: 'comparison', summary: JSON.parse(JSON.stringify({ kind: COMPARE_JOB_KIND, ...comparison })) as Json };
  } finally {
    for (const o of opened) {
      o.edited?.dispose();
      o.session.model.dispose();
    }
  }
}
