/**
 * Backend selection: `tensorflow` (tfjs-node-gpu, else tfjs-node) when installed, then `wasm`,
 * then `cpu`. CWB_BACKEND=tensorflow|wasm|cpu forces one (and fails loudly if it cannot start).
 */
import { tf } from './tf';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  /** Which package provides it, e.g. '@tensorflow/tfjs-node-gpu'. */
  provider: string;
  gpu: boolean;
  /** Largest total tensor memory the backend can hold, when it has a hard limit (wasm32 heap). */
  memoryLimitBytes: number | undefined;
}

const BACKEND_ORDER: BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/**
 * wasm32 linear memory is capped at 4 GiB; measured here, 16 tensors of 256 MiB fit and the 17th
 * fails. Weights must leave room for activations, so model loading refuses above this.
 */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3;

let active: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;

async function importOptional(specifier: string): Promise<boolean> {
  try {
    // A variable specifier keeps bundlers and the type checker from resolving an optional package.
    await import(/* @vite-ignore */ specifier);
    return true;
  } catch {
    return false;
  }
}

async function tryStart(name: BackendName): Promise<BackendInfo | undefined> {
  if (name === 'tensorflow') {
    for (const provider of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      if ((await importOptional(provider)) && (await tf.setBackend('tensorflow'))) {
        return { name, provider, gpu: provider.endsWith('-gpu'), memoryLimitBytes: undefined };
      }
    }
    return undefined;
  }
  if (name === 'wasm') {
    if (!(await importOptional('@tensorflow/tfjs-backend-wasm'))) return undefined;
    if (!(await tf.setBackend('wasm'))) return undefined;
    return { name, provider: '@tensorflow/tfjs-backend-wasm', gpu: false, memoryLimitBytes: WASM_HEAP_BYTES };
  }
  if (!(await tf.setBackend('cpu'))) return undefined;
  return { name, provider: '@tensorflow/tfjs-backend-cpu', gpu: false, memoryLimitBytes: undefined };
}

function parseForced(raw: string | undefined): BackendName | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!(BACKEND_ORDER as string[]).includes(raw)) {
    throw new Error(`CWB_BACKEND="${raw}" is not a backend; use one of ${BACKEND_ORDER.join(', ')}`);
  }
  return raw as BackendName;
}

/** Start the best available backend once per process; later calls return the same one. */
export function initBackend(forced: string | undefined = process.env.CWB_BACKEND): Promise<BackendInfo> {
  if (active) return Promise.resolve(active);
  pending ??= (async () => {
    const want = parseForced(forced);
    for (const name of want ? [want] : BACKEND_ORDER) {
      const info = await tryStart(name);
      if (info) {
        await tf.ready();
        active = info;
        return info;
      }
    }
    pending = undefined;
    throw new Error(want ? `backend "${want}" (forced by CWB_BACKEND) could not start` : 'no TensorFlow.js backend could start');
  })();
  return pending;
}

/** The live backend; throws if initBackend has not finished. */
export function activeBackend(): BackendInfo {
  if (!active) throw new Error('backend not initialised: await initBackend() first');
  return active;
}

/** Tensor memory in use now, as the backend reports it. */
export function memoryInfo(): { numTensors: number; numBytes: number } {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
}
