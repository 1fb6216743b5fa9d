/**
 * Data-parallel training on worker threads: each step the batch is cut into shares of whole rows;
 * the trainer computes the first share itself while each worker (gradientWorker.ts, its own
 * backend and replica of the weights) computes one other; the step's gradient is the shares'
 * gradients weighted by their share of the batch's loss weight, which equals the whole batch's
 * gradient up to float rounding (the loss is a weighted mean over positions).
 */
import type { Worker } from 'node:worker_threads';
import type { ModelConfig } from '../engine/config';
import type { ParamDict } from '../engine/params';
import { startPoolWorker } from '../jobs/poolWorker';
import type { TrainingBatch } from './corpus';

/** A share of a batch: whole rows, their targets and loss weights, and the weights' sum. */
export interface BatchShare {
  inputs: number[][];
  targets: Int32Array;
  weights: Float32Array;
  weightSum: number;
}

export interface GradientInit {
  config: ModelConfig;
  params: [string, { shape: number[]; data: Float32Array }][];
}

/** One step for a worker: the current value of every variable (trainable order) and its share. */
export interface GradientRequest {
  values: Float32Array[];
  share: BatchShare;
}

export type GradientMessage = { type: 'ready' } | { type: 'grads'; loss: number; grads: Float32Array[] } | { type: 'error'; message: string };

/** The batch cut into `parts` shares of consecutive rows (sizes differ by at most one row). */
export function splitBatch(batch: TrainingBatch, parts: number): BatchShare[] {
  const B = batch.inputs.length;
  const T = B > 0 ? batch.targets.length / B : 0;
  const n = Math.max(1, Math.min(parts, B));
  const shares: BatchShare[] = [];
  for (let i = 0, row = 0; i < n; i++) {
    const rows = Math.floor(B / n) + (i < B % n ? 1 : 0);
    const weights = batch.weights.slice(row * T, (row + rows) * T);
    shares.push({ inputs: batch.inputs.slice(row, row + rows), targets: batch.targets.slice(row * T, (row + rows) * T), weights, weightSum: weights.reduce((s, w) => s + w, 0) });
    row += rows;
  }
  return shares;
}

export class GradientPool {
  private constructor(private readonly workers: Worker[]) {}

  /** Start `count` workers, each with its own replica of `params`; resolves once every one is ready. */
  static async start(config: ModelConfig, params: ParamDict, count: number): Promise<GradientPool> {
    const init: GradientInit = { config, params: [...params].map(([name, p]) => [name, { shape: p.shape, data: p.data }]) };
    const workers = Array.from({ length: count }, () => startPoolWorker('gradientWorker', init));
    const pool = new GradientPool(workers);
    try {
      await Promise.all(workers.map((w, i) => pool.reply(w, i, 'ready')));
    } catch (err) {
      pool.dispose();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Send each worker its share (posted before this returns, so the workers compute while the
   * caller computes its own share); resolves with each share's loss and gradients, in order.
   */
  step(values: Float32Array[], shares: readonly BatchShare[]): Promise<{ loss: number; grads: Float32Array[] }[]> {
    if (shares.length > this.workers.length) throw new Error(`${shares.length} shares for ${this.workers.length} gradient workers`);
    return Promise.all(
      shares.map((share, i) => {
        const answer = this.reply(this.workers[i], i, 'grads');
        this.workers[i].postMessage({ values, share } satisfies GradientRequest);
        return answer as Promise<{ loss: number; grads: Float32Array[] }>;
      }),
    );
  }

  dispose(): void {
    for (const w of this.workers) void w.terminate();
  }

  /** The worker's next message, which must be of `type`; an error, an exit or another message rejects. */
  private reply(w: Worker, i: number, type: 'ready' | 'grads'): Promise<GradientMessage> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      const onMessage = (m: GradientMessage): void => {
        done();
        if (m.type === type) resolve(m);
        else reject(new Error(`gradient worker ${i + 1}: ${m.type === 'error' ? m.message : `sent ${m.type}, expected ${type}`}`));
      };
      const onError = (err: Error): void => {
        done();
        reject(err);
      };
      const onExit = (code: number): void => {
        done();
        reject(new Error(`gradient worker ${i + 1} stopped (exit code ${code})`));
      };
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
    });
  }
}
