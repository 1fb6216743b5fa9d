/**
 * Running a study: for each model in the plan, open it, draw the task's items (seeded, the same
 * for every model), run every outline section in order, and close it; then the prediction table
 * across all models. Progress is reported per section; the signal cancels between and inside
 * sections. The result is the study document: the plan, the provenance (model and dataset hashes,
 * backend, versions) and every section's figures and tables.
 */
import { createRequire } from 'node:module';
import { encodeTaskItems } from '../analysis/promptBatch';
import { throwIfAborted } from '../analysis/progress';
import { loadItems } from '../analysis/taskSource';
import { modelContentHash } from '../api/project/modelHash';
import { toStoredItem } from '../api/project/taskItems';
import { asEvalModel, predictionTable } from '../editing/compare';
import { singleTokenId } from '../services/prompt';
import { openModel } from '../services/modelSession';
import { datasetContentHash } from '../store/repos/datasets';
import type { ModelContext } from './context';
import { planCorruption, type StudyPlan } from './plan';
import { MODEL_SECTIONS } from './sections';
import { mergePredictionRows, predictionsSection, type JudgedRow } from './sections/predictions';
import type { StudySection } from './types';

export interface ModelProvenance {
  label: string;
  dir: string;
  contentHash: string;
  parameterCount: number;
  layers: number;
  heads: number;
  dModel: number;
  vocabSize: number;
  datasetHash: string;
  prompts: number;
}

export interface StudyDocument {
  format: StudyPlan['format'];
  plan: StudyPlan;
  provenance: {
    models: ModelProvenance[];
    backend: { name: string; provider: string };
    versions: Record<string, string>;
  };
  sections: StudySection[];
}

export interface StudyRunOptions {
  signal?: AbortSignal;
  /** (done, total, message): one step per section per model, plus the prediction table. */
  onProgress?: (done: number, total: number, message: string) => void;
}

function versions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const of = (pkg: string): string => {
    try {
      return (require(`${pkg}/package.json`) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  };
  let app = 'unknown';
  try {
    app = (require('../../../package.json') as { version: string }).version;
  } catch {
    // a bundle places this module elsewhere; the version is then unknown here
  }
  return { 'circuit-workbench': app, node: process.versions.node, '@tensorflow/tfjs': of('@tensorflow/tfjs'), '@tensorflow/tfjs-backend-wasm': of('@tensorflow/tfjs-backend-wasm'), echarts: of('echarts') };
}

export async function runStudy(plan: StudyPlan, opts: StudyRunOptions = {}): Promise<StudyDocument> {
  const p = plan.params;
  const total = plan.models.length * MODEL_SECTIONS.length + 1;
  let done = 0;
  const step = (message: string): void => opts.onProgress?.(done, total, message);
  const sections: StudySection[] = [];
  const provenance: ModelProvenance[] = [];
  const predictions: JudgedRow[][] = [];
  let backend = { name: 'unknown', provider: 'unknown' };
  for (const spec of plan.models) {
    throwIfAborted(opts.signal);
    step(`Loading ${spec.label}`);
    const session = await openModel(spec.dir);
    try {
      backend = { name: session.backend.name, provider: session.backend.provider };
      const items = await loadItems({ task: plan.task, n: p.n, seed: p.seed, split: p.split, templates: p.templates.length ? p.templates : undefined, corruption: planCorruption(plan) }, session.tokenizer);
      const ctx: ModelContext = { label: spec.label, session, task: plan.task, items, batch: encodeTaskItems(items, session.tokenizer, session.config), params: p, signal: opts.signal, found: { topHeads: [], headEffects: [], topMlp: null } };
      provenance.push({
        label: spec.label,
        dir: spec.dir,
        contentHash: await modelContentHash(spec.dir),
        parameterCount: session.parameterCount,
        layers: session.config.nLayer,
        heads: session.config.nHead,
        dModel: session.config.dModel,
        vocabSize: session.config.vocabSize,
        datasetHash: datasetContentHash(plan.task, items.map(toStoredItem)),
        prompts: items.length,
      });
      for (const s of MODEL_SECTIONS) {
        throwIfAborted(opts.signal);
        step(`${spec.label}: ${s.kind}`);
        sections.push(await s.run(ctx));
        done++;
      }
      const shown = items.slice(0, p.predictionPrompts);
      const rows = await predictionTable([asEvalModel(session.model, session.tokenizer, spec.label)], shown.map((i) => i.clean), { signal: opts.signal });
      predictions.push(rows.map((r, i) => ({ ...r, correct: shown[i].correct, isCorrect: r.predictionId === singleTokenId(session.tokenizer, shown[i].correct) })));
    } finally {
      session.model.dispose();
    }
  }
  step('Input | Model | Prediction | Logit');
  sections.push(predictionsSection(mergePredictionRows(predictions), plan.models.map((m) => m.label)));
  done++;
  step('Done');
  return { format: plan.format, plan, provenance: { models: provenance, backend, versions: versions() }, sections };
}
