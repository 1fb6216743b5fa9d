/** Transport test operations: echo round-trips a message, sleep exercises progress and cancellation. */
import { ApiError } from '../../../shared/api/errors';
import type { Handler } from './context';

export const echo: Handler<'echo'> = async ({ message }) => ({ message });

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new ApiError('cancelled', 'sleep was cancelled'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export const sleep: Handler<'sleep'> = async ({ ms, steps = 10 }, { signal, progress }) => {
  const started = Date.now();
  for (let step = 0; step < steps; step++) {
    if (signal.aborted) throw new ApiError('cancelled', 'sleep was cancelled');
    progress({ done: step, total: steps, message: `Step ${step + 1} of ${steps}` });
    await wait(ms / steps, signal);
  }
  progress({ done: steps, total: steps });
  return { sleptMs: Date.now() - started };
};
