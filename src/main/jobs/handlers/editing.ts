/**
 * Model-editing jobs: a ROME edit (with causal tracing when the layer is 'auto') and a rank-1
 * head edit. Each returns the edit as a result: the spec and metrics in the summary, the rank-1
 * factors as tensors named `<param>#<i>.u|v` (the layout projectEdits.saveEdit stores), so the
 * caller can turn the result into a project edit and an edited model. The ROME job also returns
 * the key second moment it computed (tensor "C"), unless one was passed in.
 */
import type { Json } from '../../store';
import type { ResultInput } from '../../store/repos/results';
import { factorTensors } from '../../editing/projectEdits';
import { headService, romeService, type HeadServiceInput, type RomeServiceInput } from '../../editing/service';
import type { KeyMoment } from '../../editing/rome/keys';
import type { JobContext, JobOutput } from '../types';
import { closeJobModel, openJobModel } from './jobModel';

export const EDITING_JOB_KINDS = { rome: 'edit-rome', head: 'edit-head' } as const;

export interface RomeJobParams extends RomeServiceInput {
  modelDir: string;
  /** A cached second moment [M * M] for `layer` (row-major), when the project has one. */
  moment?: { layer: number; size: number; count: number; c: number[] };
}

const json = (x: unknown): Json => JSON.parse(JSON.stringify(x)) as Json;

export async function romeJob(params: RomeJobParams, ctx: JobContext): Promise<JobOutput> {
  const session = await openJobModel(params.modelDir, ctx);
  try {
    const given: KeyMoment | undefined = params.moment ? { layer: params.moment.layer, size: params.moment.size, count: params.moment.count, c: Float64Array.from(params.moment.c) } : undefined;
    const result = await romeService(session, params, async (layer) => (given?.layer === layer ? given : undefined), {
      signal: ctx.signal,
      onProgress: (f, message) => ctx.progress(0.1 + 0.9 * f, message),
    });
    const outputs: ResultInput[] = [
      {
        name: 'edit',
        summary: json({ kind: EDITING_JOB_KINDS.rome, name: result.edit.name, spec: result.edit.spec, layer: result.layer, metrics: result.metrics, traces: result.traces, tokens: result.tokens }),
        tensors: factorTensors(result.edit),
      },
    ];
    if (result.moment !== given) {
      const m = result.moment;
      outputs.push({ name: 'key-moment', summary: { kind: 'rome-covariance', layer: m.layer, count: m.count, size: m.size }, tensors: { C: { shape: [m.size, m.size], data: Float32Array.from(m.c) } } });
    }
    return outputs;
  } finally {
    closeJobModel(session);
  }
}

export interface HeadJobParams extends HeadServiceInput {
  modelDir: string;
}

export async function headEditJob(params: HeadJobParams, ctx: JobContext): Promise<JobOutput> {
  const session = await openJobModel(params.modelDir, ctx);
  try {
    ctx.progress(0.5, 'Building the head edit');
    const { edit, projection } = await headService(session, params);
    ctx.progress(1, 'Done');
    return { name: 'edit', summary: json({ kind: EDITING_JOB_KINDS.head, name: edit.name, spec: edit.spec, projection: projection ?? null }), tensors: factorTensors(edit) };
  } finally {
    closeJobModel(session);
  }
}
