/**
 * Backend selection: `tensorflow` (tfjs-node-gpu, else tfjs-node) when installed, then `wasm`,
 * then `cpu`. CWB_BACKEND=tensorflow|wasm|cpu forces one (and fails loudly if it cannot start).
 * A preferred backend that is installed but fails to load (a CUDA / cuDNN mismatch, a broken
 * libtensorflow download) is never skipped silently: its loader's error and the fix travel with
 * the live backend's info to `info`, the status bar and Diagnostics.
 */
import { tf } from './tf';
import { installFastTransposedMatMul } from './wasmMatMul';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** A preferred backend package that is installed but could not be used. */
export interface BackendFailure {
  provider: string;
  /** The loader's own error message. */
  error: string;
  fix: string;
}

export interface BackendInfo {
  name: BackendName;
  /** Which package provides it, e.g. '@tensorflow/tfjs-node-gpu'. */
  provider: string;
  gpu: boolean;
  /** Largest total tensor memory the backend can hold, when it has a hard limit (wasm32 heap). */
  memoryLimitBytes: number | undefined;
  /** Preferred backends that are installed but failed to load, best first. */
  failures: BackendFailure[];
}

const BACKEND_ORDER: BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/**
 * wasm32 linear memory is capped at 4 GiB; measured here, 16 tensors of 256 MiB fit and the 17th
 * fails. Weights must leave room for activations, so model loading refuses above this.
 */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3;

let active: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;

/** Imports a module by name (the real `import()`; tests pass one that fails the way a broken install does). */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

// A variable specifier keeps bundlers and the type checker from resolving an optional package.
const importModule: ModuleImporter = (specifier) => import(/* @vite-ignore */ specifier);

const FIXES: Record<string, string> = {
  '@tensorflow/tfjs-node-gpu':
    'It needs the CUDA and cuDNN versions its libtensorflow was built for (tfjs-node-gpu 4.x: CUDA 11.2, cuDNN 8.1) on the library path (LD_LIBRARY_PATH on Linux). Install those, or uninstall @tensorflow/tfjs-node-gpu to use @tensorflow/tfjs-node; CWB_BACKEND=wasm silences this.',
  '@tensorflow/tfjs-node':
    'Its libtensorflow download may be missing or for another platform: run `npm rebuild @tensorflow/tfjs-node` (it needs the network), or uninstall it; CWB_BACKEND=wasm silences this.',
};
const GENERIC_FIX = 'Reinstall the package, or uninstall it to use the next backend.';

/** True when the error says the package itself is absent (not installed), not that loading it failed. */
function isNotInstalled(error: unknown, specifier: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  const message = String((error as Error).message);
  return message.startsWith(`Cannot find package '${specifier}'`) || message.startsWith(`Cannot find module '${specifier}'`);
}

type Attempt = { loaded: true } | { loaded: false; failure?: BackendFailure };

async function importOptional(specifier: string, importer: ModuleImporter): Promise<Attempt> {
  try {
    await importer(specifier);
    return { loaded: true };
  } catch (error) {
    if (isNotInstalled(error, specifier)) return { loaded: false };
    const message = error instanceof Error ? error.message : String(error);
    return { loaded: false, failure: { provider: specifier, error: message.slice(0, 2000), fix: FIXES[specifier] ?? GENERIC_FIX } };
  }
}

interface Start {
  info?: Omit<BackendInfo, 'failures'>;
  failures: BackendFailure[];
}

async function tryStart(name: BackendName, importer: ModuleImporter): Promise<Start> {
  const failures: BackendFailure[] = [];
  if (name === 'tensorflow') {
    for (const provider of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      const attempt = await importOptional(provider, importer);
      if (!attempt.loaded) {
        if (attempt.failure) failures.push(attempt.failure);
        continue;
      }
      if (await tf.setBackend('tensorflow')) return { info: { name, provider, gpu: provider.endsWith('-gpu'), memoryLimitBytes: undefined }, failures };
      failures.push({ provider, error: "it loaded, but tf.setBackend('tensorflow') failed (see the console for TensorFlow's message)", fix: FIXES[provider] ?? GENERIC_FIX });
    }
    return { failures };
  }
  if (name === 'wasm') {
    const attempt = await importOptional('@tensorflow/tfjs-backend-wasm', importer);
    if (!attempt.loaded) return { failures: attempt.failure ? [attempt.failure] : [] };
    if (!(await tf.setBackend('wasm'))) return { failures };
    installFastTransposedMatMul();
    return { info: { name, provider: '@tensorflow/tfjs-backend-wasm', gpu: false, memoryLimitBytes: WASM_HEAP_BYTES }, failures };
  }
  if (!(await tf.setBackend('cpu'))) return { failures };
  return { info: { name, provider: '@tensorflow/tfjs-backend-cpu', gpu: false, memoryLimitBytes: undefined }, failures };
}

function parseForced(raw: string | undefined): BackendName | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!(BACKEND_ORDER as string[]).includes(raw)) {
    throw new Error(`CWB_BACKEND="${raw}" is not a backend; use one of ${BACKEND_ORDER.join(', ')}`);
  }
  return raw as BackendName;
}

/**
 * Start the first backend that works, in order (or only the forced one), collecting the
 * failures of those before it. Not cached: initBackend is the once-per-process entry.
 */
export async function selectBackend(forced: string | undefined, importer: ModuleImporter = importModule): Promise<BackendInfo> {
  const want = parseForced(forced);
  const failures: BackendFailure[] = [];
  for (const name of want ? [want] : BACKEND_ORDER) {
    const started = await tryStart(name, importer);
    failures.push(...started.failures);
    if (started.info) {
      await tf.ready();
      return { ...started.info, failures };
    }
  }
  const why = failures.map((f) => `${f.provider}: ${f.error}`).join('; ');
  throw new Error(`${want ? `backend "${want}" (forced by CWB_BACKEND) could not start` : 'no TensorFlow.js backend could start'}${why ? ` (${why})` : ''}`);
}

/** Start the best available backend once per process; later calls return the same one. */
export function initBackend(forced: string | undefined = process.env.CWB_BACKEND): Promise<BackendInfo> {
  if (active) return Promise.resolve(active);
  pending ??= selectBackend(forced).then(
    (info) => (active = info),
    (error: unknown) => {
      pending = undefined;
      throw error;
    },
  );
  return pending;
}

/** What a person reads about the live backend: its name and provider, then each preferred one that failed, why and the fix. */
export function describeBackend(info: Pick<BackendInfo, 'name' | 'provider' | 'gpu' | 'failures'>): string[] {
  const lines = [`${info.name} (${info.provider}${info.gpu ? ', GPU' : ''})`];
  for (const f of info.failures) lines.push(`not used: ${f.provider} failed to load: ${f.error}`, `  fix: ${f.fix}`);
  return lines;
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
