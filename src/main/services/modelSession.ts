/**
 * A loaded model ready for analysis: engine weights on the live backend plus its tokenizer.
 * Opening checks the model's fp32 size against the backend's limit before anything is read.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initBackend, type BackendInfo } from '../engine/backend';
import type { ModelConfig } from '../engine/config';
import { HookedGPT2 } from '../engine/model';
import { parameterCount } from '../engine/params';
import { modelDisplayName } from '../loader/hfCache';
import { resolveModelSpec, type ResolveModelOptions } from '../loader/hub';
import { loadModelDir } from '../loader/modelDir';
import type { Tokenizer } from '../tokenizer/types';

export interface ModelSession {
  dir: string;
  name: string;
  config: ModelConfig;
  tokenizer: Tokenizer;
  model: HookedGPT2;
  backend: BackendInfo;
  parameterCount: number;
}

/** Room left for activations beside the weights on a backend with a hard memory limit. */
const ACTIVATION_HEADROOM_BYTES = 512 * 1024 ** 2;

/**
 * The largest fp32 weights a backend can run. On wasm, XNNPACK keeps a packed copy of every
 * matrix it multiplies, so the heap must hold the weights twice. Measured (bench/wasmLimit.ts):
 * GPT-2 medium (1.32 GiB) runs; GPT-2 large (2.88 GiB) uploads but its first forward fails
 * inside XNNPACK with out-of-memory and takes the process down.
 */
export function maxParamBytesFor(backend: BackendInfo): number | undefined {
  if (backend.memoryLimitBytes === undefined) return undefined;
  return backend.name === 'wasm' ? (backend.memoryLimitBytes - ACTIVATION_HEADROOM_BYTES) / 2 : backend.memoryLimitBytes - ACTIVATION_HEADROOM_BYTES;
}

/** The package root: the nearest folder above this module with a package.json (source or bundle). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

/** The bundled default model shipped in resources/. */
export function defaultModelDir(root = packageRoot()): string {
  return path.join(root, 'resources', 'default-model');
}

/**
 * The folder of the model `spec` names: a folder path, or a Hugging Face id (`gpt2`,
 * `org/name@revision`) found in the HF cache or, with `download`, fetched into it. Without a spec,
 * the bundled default model.
 */
export async function resolveModelDir(spec: string | undefined, opts: ResolveModelOptions = {}): Promise<string> {
  if (spec) return (await resolveModelSpec(spec, opts)).dir;
  const bundled = defaultModelDir();
  if (!existsSync(path.join(bundled, 'config.json'))) {
    throw new Error(`no --model given and the bundled default model is missing at ${bundled}`);
  }
  return bundled;
}

export async function openModel(dir: string, opts: { onProgress?: (fraction: number) => void } = {}): Promise<ModelSession> {
  const backend = await initBackend();
  const loaded = await loadModelDir(dir, { maxParamBytes: maxParamBytesFor(backend), backendName: backend.name, onProgress: opts.onProgress });
  const model = HookedGPT2.fromParams(loaded.config, loaded.params);
  return {
    dir: loaded.dir,
    name: modelDisplayName(loaded.dir),
    config: loaded.config,
    tokenizer: loaded.tokenizer,
    model,
    backend,
    parameterCount: parameterCount(loaded.config),
  };
}
