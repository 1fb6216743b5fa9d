/**
 * Worker thread of the head-patching pool (headPatchPool.ts): builds its own model on its own
 * backend from the shared weights, patches the heads of the layers it was given, and posts
 * one 'step' per unit of progress and the result.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../engine/backend';
import { HookedGPT2 } from '../engine/model';
import { paramsFromShared } from '../engine/sharedParams';
import { patchHeadsOfGroup } from './headPatching';
import { Progress } from './progress';
import type { HeadPatchTask, PoolMessage } from './headPatchPool';

async function main(port: NonNullable<typeof parentPort>, task: HeadPatchTask): Promise<void> {
  const post = (m: PoolMessage): void => port.postMessage(m);
  try {
    await initBackend();
    const model = HookedGPT2.fromParams(task.config, paramsFromShared(task.params));
    try {
      let reported = 0;
      const progress = new Progress(Number.POSITIVE_INFINITY, {
        onProgress: (done) => {
          post({ type: 'step', units: done - reported, cache: reported === 0 });
          reported = done;
        },
      });
      const result = await patchHeadsOfGroup(model, task.group, task.direction, task.metric, task.perRun, progress, task.layers);
      post({ type: 'done', result });
    } finally {
      model.dispose();
    }
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}

if (!parentPort) throw new Error('headPatchWorker must run in a worker thread');
void main(parentPort, workerData as HeadPatchTask);
