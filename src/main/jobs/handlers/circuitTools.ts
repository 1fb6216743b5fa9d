/**
 * Job handlers the workbench adds beside the circuits service's own (circuits.ts): scoring a
 * circuit drawn in the editor (faithfulness, completeness, minimality) and path patching into
 * the logits, turned into a circuit graph the editor can show.
 */
import { completeness, evaluationScores, faithfulness, minimality } from '../../circuits/evaluation';
import { graphShapeOf } from '../../circuits/graph';
import { EdgeRunner } from '../../circuits/intervene';
import { CIRCUIT_FORMAT, importCircuit } from '../../circuits/json';
import { pathPatching } from '../../circuits/pathPatching';
import type { MetricKind } from '../../analysis/metrics';
import type { Json } from '../../store';
import type { JobContext, JobOutput } from '../types';
import { closeJobModel, encodeItems, openJobModel, unitProgress, type DatasetJobParams } from './jobModel';

export interface EvaluateJobParams extends DatasetJobParams {
  name: string;
  /** The circuit's graph as the store keeps it (nodes and edges; other fields are ignored). */
  graph: { nodes: unknown[]; edges: unknown[] };
  metric?: MetricKind;
  /** The project dataset the items came from (shown with the scores). */
  datasetId?: number;
  datasetName?: string;
}

export async function evaluateCircuitJob(params: EvaluateJobParams, ctx: JobContext): Promise<JobOutput> {
  const session = await openJobModel(params.modelDir, ctx);
  try {
    const shape = graphShapeOf(session.config);
    const { mask } = importCircuit({ format: CIRCUIT_FORMAT, name: params.name, graph: params.graph }, shape, `circuit "${params.name}"`);
    const batch = encodeItems(session, params.items);
    const runner = await EdgeRunner.create(session.model, batch, { metric: params.metric });
    try {
      ctx.progress(0.2, 'Faithfulness');
      const faith = await faithfulness(runner, mask, { signal: ctx.signal });
      ctx.progress(0.4, 'Completeness');
      const complete = await completeness(runner, mask, { signal: ctx.signal });
      ctx.progress(0.7, 'Minimality');
      const minimal = await minimality(runner, mask, { signal: ctx.signal });
      ctx.progress(1, 'Done');
      // Summaries: F(C)/F(M); the worst |F(C\K) - F(M\K)| over the knock-out sets; the smallest relative drop of any node.
      const summary = {
        kind: 'circuit-eval',
        circuit: params.name,
        prompts: batch.size,
        faithfulness: faith,
        completeness: complete,
        minimality: minimal,
        scores: {
          faithfulness: faith.ratio,
          completeness: complete.worst,
          minimality: minimal.length > 0 ? Math.min(...minimal.map((m) => m.relative)) : null,
        },
        reference: evaluationScores(faith, complete, minimal, {
          metric: runner.metricKind,
          ablation: runner.ablation,
          n: batch.size,
          dataset: { id: params.datasetId, name: params.datasetName },
        }),
      };
      return { name: 'circuit-eval', summary: JSON.parse(JSON.stringify(summary)) as Json };
    } finally {
      runner.dispose();
    }
  } finally {
    closeJobModel(session);
  }
}

export interface PathPatchJobParams extends DatasetJobParams {
  /** Senders whose |effect| on the normalised metric reaches this enter the graph. */
  threshold?: number;
  metric?: MetricKind;
}

export async function pathPatchingJob(params: PathPatchJobParams, ctx: JobContext): Promise<JobOutput> {
  const session = await openJobModel(params.modelDir, ctx);
  try {
    const result = await pathPatching(session.model, encodeItems(session, params.items), {
      receivers: [{ node: 'logits' }],
      metric: params.metric,
      signal: ctx.signal,
      onProgress: unitProgress(ctx, 'Path patching into the logits'),
    });
    const [L, H] = result.shape;
    const threshold = params.threshold ?? 0.1;
    const nodes = [{ id: 'input' }, { id: 'logits' }];
    const edges: { source: string; target: string; score: number }[] = [];
    for (let l = 0; l < L; l++) {
      for (let h = 0; h < H; h++) {
        const v = result.values[l * H + h];
        // Effect of patching the path sender -> logits: 1 - normalised metric (0 = no effect).
        if (v === null || Math.abs(1 - v) < threshold) continue;
        nodes.push({ id: `a${l}.h${h}` });
        edges.push({ source: `a${l}.h${h}`, target: 'logits', score: 1 - v });
      }
    }
    ctx.progress(1, 'Done');
    return { name: 'path-patching', summary: JSON.parse(JSON.stringify({ ...result, circuit: { graph: { nodes, edges } }, threshold })) as Json };
  } finally {
    closeJobModel(session);
  }
}
