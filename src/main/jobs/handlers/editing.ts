/**
 * Model-editing jobs: a ROME edit (with causal tracing when the layer is 'auto') and a rank-1
 * head edit. Each returns the edit as a result: the spec and metrics in the summary, the rank-1
 * factors as tensors named `<param>#<i>.u|v` (the layout projectEdits.saveEdit stores), so the
 * caller can turn the result into a project edit and an edited model. The ROME job also returns
 * the key second moment it computed (tensor "C"), unless one was passed in.
 */
import { readFile } from 'node:fs/promises';
import type { Json } from '../../store';
import type { ResultInput } from '../../store/repos/results';
import { factorTensors } from '../../editing/projectEdits';
import { headService, romeService, type HeadServiceInput, type RomeServiceInput } from '../../editing/service';
import type { KeyMoment } from '../../editing/rome/keys';
import type { JobContext, JobOutput } from '../types';
import { closeJobModel, openJobModel } from './jobModel';

export const EDITING_JOB_KINDS = { rome: 'edit-rome', head: 'edit-head' } as const;

/** A cached key second moment the caller wrote to a file: `size * size` little-endian float32, row-major. */
export interface MomentFile {
  path: string;
  layer: number;
  size: number;
  count: number;
}

export interface RomeJobParams extends RomeServiceInput {
  modelDir: string;
  /** A cached second moment [M * M] for `layer` (row-major), when the project has one. */
  moment?: { layer: number; size: number; count: number; c: number[] };
  /** Cached moments as files (kept out of the run's params, which the store keeps as JSON). */
  momentFiles?: MomentFile[];
}

async function readMomentFile(f: MomentFile): Promise<KeyMoment> {
  const bytes = await readFile(f.path);
  if (bytes.byteLength !== f.size * f.size * 4) throw new Error(`${f.path}: ${bytes.byteLength} bytes, expected ${f.size * f.size * 4} for a ${f.size} x ${f.size} float32 moment`);
  const c = new Float32Array(bytes.buffer, bytes.byteOffset, f.size * f.size); // [M * M]
  return { layer: f.layer, size: f.size, count: f.count, c: Float64Array.from(c) };
}

const json = (x: unknown): Json => JSON.parse(JSON.stringify(x)) as Json;

export async function romeJob(params: RomeJobParams, ctx: JobContext): Promise<JobOutput> {
  const session = await openJobModel(params.modelDir, ctx);
  try {
    let given: KeyMoment | undefined = params.moment ? { layer: params.moment.layer, size: params.moment.size, count: params.moment.count, c: Float64Array.from(params.moment.c) } : undefined;
    const lookup = async (layer: number): Promise<KeyMoment | undefined> => {
      if (given?.layer === layer) return given;
      const file = params.momentFiles?.find((f) => f.layer === layer);
      if (file) given = await readMomentFile(file);
      return file ? given : undefined;
    };
    const result = await romeService(session, params, lookup, {
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
    const { edit, projection, predictions } = await headService(session, params);
    ctx.progress(1, 'Done');
    return { name: 'edit', summary: json({ kind: EDITING_JOB_KINDS.head, name: edit.name, spec: edit.spec, projection: projection ?? null, predictions }), tensors: factorTensors(edit) };
  } finally {
    closeJobModel(session);
  }
}
