/**
 * Worker thread of data-parallel training (gradientPool.ts): a replica of the trainable weights on
 * its own backend. For each request it takes the trainer's current weights and a share of the
 * batch, and posts that share's loss and the gradient of every variable (trainable order).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../engine/backend';
import { HookedGPT2 } from '../engine/model';
import { tf } from '../engine/tf';
import { lossAndGradients } from './loss';
import { makeTrainable } from './trainableWeights';
import type { GradientInit, GradientMessage, GradientRequest } from './gradientPool';

async function main(port: NonNullable<typeof parentPort>, init: GradientInit): Promise<void> {
  const post = (m: GradientMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  try {
    await initBackend();
    const trainable = makeTrainable(init.config, new Map(init.params));
    const model = new HookedGPT2(init.config, trainable.weights);
    model.embeddingMode = 'onehot';
    port.on('message', (req: GradientRequest) => {
      void (async () => {
        try {
          trainable.variables.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(req.values[i], v.shape))));
          const { share } = req;
          const { loss, grads } = await lossAndGradients(model, trainable.variables, share);
          try {
            const out = await Promise.all(grads.map(async (g) => new Float32Array(await g.data())));
            post({ type: 'grads', loss, grads: out }, out.map((g) => g.buffer as ArrayBuffer));
          } finally {
            tf.dispose(grads);
          }
        } catch (err) {
          post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
        }
      })();
    });
    post({ type: 'ready' });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}

if (!parentPort) throw new Error('gradientWorker must run in a worker thread');
void main(parentPort, workerData as GradientInit);
