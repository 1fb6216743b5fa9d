/**
 * Every metric the code computes has a definition (src/shared/metrics/definitions.ts). The list of
 * metrics is taken from the code: the metric names, analysis kinds, discovery methods and
 * ablation kinds the registries export, and the keys of real results (an evaluation's reference
 * view, copy scores, ROME's metrics, the faithfulness curve) computed here on small models. A new
 * metric without a definition fails this test.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYSIS_KINDS, DISCOVERY_METHODS, METRIC_NAMES } from '../../src/shared/api/analysisKinds';
import {
  ABLATION_DEFINITIONS,
  ANALYSIS_METRICS,
  EVALUATION_FIELD_METRICS,
  METRIC_DEFINITIONS,
  edgeScoreMetric,
  isMetricId,
  metricDefinition,
  metricTooltip,
} from '../../src/shared/metrics/definitions';
import { ABLATION_KINDS } from '../../src/main/circuits/ablation';
import { batchFromTokens } from '../../src/main/analysis/promptBatch';
import { EdgeRunner } from '../../src/main/circuits/intervene';
import { completeness, evaluationScores, faithfulness, faithfulnessCurve, minimality } from '../../src/main/circuits/evaluation';
import { copyScores } from '../../src/main/analysis/copyScores';
import { romeMetrics, asEvalModel } from '../../src/main/editing/compare';
import { openModel, type ModelSession } from '../../src/main/services/modelSession';
import { METRIC_KINDS } from '../../src/main/analysis/metrics';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';
import { startBackend } from '../helpers/engine';
import { inductionTask, PLANTED_EDGES, plantedModel } from '../circuits/planted';

let session: ModelSession;
let planted: ReturnType<typeof plantedModel>;

beforeAll(async () => {
  await startBackend();
  session = await openModel(await writeTaskModel(join(await makeTmpDir('cwb-metric-defs-'), 'task-model')));
  planted = plantedModel();
});
afterAll(async () => {
  session?.model.dispose();
  planted?.model.dispose();
  await removeTmpDirs();
});

function expectDefined(id: string): void {
  expect(isMetricId(id), `metric "${id}" has no definition`).toBe(true);
  const d = metricDefinition(id);
  for (const field of ['label', 'definition', 'formula', 'unit', 'relativeTo'] as const) expect(d[field].trim().length, `${id}.${field}`).toBeGreaterThan(0);
}

describe('metric definitions', () => {
  it('cover the task metrics, every analysis kind, every discovery method and every ablation kind the registries list', () => {
    for (const name of [...METRIC_NAMES, ...METRIC_KINDS]) expectDefined(name);
    for (const kind of ANALYSIS_KINDS) {
      expect(ANALYSIS_METRICS[kind]?.length, `analysis "${kind}" names no metrics`).toBeGreaterThan(0);
      for (const id of ANALYSIS_METRICS[kind]) expectDefined(id);
    }
    for (const method of DISCOVERY_METHODS) expectDefined(edgeScoreMetric(method));
    for (const kind of ABLATION_KINDS) expect(ABLATION_DEFINITIONS[kind], `ablation "${kind}"`).toBeTruthy();
  });

  it('cover every field of a real evaluation\'s reference view, and the faithfulness curve\'s areas', async () => {
    const runner = await EdgeRunner.create(planted.model, batchFromTokens(inductionTask(8)));
    const g = runner.graph;
    const mask = g.fullMask(false);
    for (const n of PLANTED_EDGES) mask[g.edgeByName(n)] = 1;
    const view = evaluationScores(await faithfulness(runner, mask), await completeness(runner, mask, { samples: 2, greedySteps: 1 }), await minimality(runner, mask), {
      metric: runner.metricKind,
      ablation: runner.ablation,
      n: 8,
    });
    for (const key of Object.keys(view)) {
      const id = (EVALUATION_FIELD_METRICS as Record<string, string | null | undefined>)[key];
      expect(id, `evaluation field "${key}" is not mapped to a metric (or to null)`).not.toBeUndefined();
      if (id !== null) expectDefined(id!);
    }
    const curve = await faithfulnessCurve(runner, new Float32Array(g.edgeCount).map((_, e) => e), { fractions: [0.5, 1] });
    for (const key of Object.keys(curve).filter((k) => k !== 'points')) expectDefined(`faithfulness-curve.${key}`);
    runner.dispose();
  });

  it('cover every copy score of a real copy-score run and every ROME metric of a real measurement', async () => {
    const scores = await copyScores(session.model, [5, 6, 7, 8], { k: 2, antonyms: [[5, 6]] });
    for (const key of Object.keys(scores.averageHead)) expectDefined(`copy-score.${key}`);
    const m = asEvalModel(session.model, session.tokenizer, 'base');
    const rome = await romeMetrics(m, m, { prompt: 'When Mary and John went to the store, John gave a drink to', target: ' Mary', paraphrases: ['Then, Mary and John went to the store. John gave a drink to'], neighbourhood: ['The store'] });
    for (const key of Object.keys(rome)) expectDefined(`rome.${key}`);
  });

  it('every entry is reachable from the code (no definition of a metric nothing computes)', () => {
    const reachable = new Set<string>([
      ...METRIC_NAMES,
      ...Object.values(ANALYSIS_METRICS).flat(),
      ...DISCOVERY_METHODS.map(edgeScoreMetric),
      ...Object.values(EVALUATION_FIELD_METRICS).filter((x): x is NonNullable<typeof x> => x !== null),
    ]);
    const prefixed = /^(copy-score|rome|faithfulness-curve|head-edit)\./;
    const orphans = Object.keys(METRIC_DEFINITIONS).filter((id) => !reachable.has(id) && !prefixed.test(id));
    expect(orphans).toEqual([]);
  });

  it('tooltips carry the definition, formula, unit, reference values, n and the ablation in words', () => {
    const text = metricTooltip('faithfulness', { n: 32, ablation: 'mean' });
    const d = metricDefinition('faithfulness');
    for (const part of [d.label, d.definition, d.formula, d.unit, d.relativeTo, 'n = 32 prompts', ABLATION_DEFINITIONS.mean]) expect(text).toContain(part);
    expect(() => metricDefinition('made-up')).toThrow('no definition for metric "made-up"');
  });
});
