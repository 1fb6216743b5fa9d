/**
 * Which stored tensor becomes which parameter, decided from the headers alone (no tensor data):
 * names are normalised, GPT-2's non-parameter buffers are skipped, and every expected tensor must be
 * present exactly once with exactly the expected shape and a float dtype. Also the memory budget check.
 */
import type { ModelConfig } from '../engine/config';
import { expectedParamShapes, parameterCount } from '../engine/params';
import { ModelLoadError } from './errors';
import { FLOAT_DTYPES, formatShape, isFloatDtype } from './safetensorsFormat';

/** One tensor as a weight file's header describes it. */
export interface StoredTensorInfo {
  /** The file holding it. */
  file: string;
  /** The name as stored (maybe with the `transformer.` prefix). */
  name: string;
  dtype: string;
  shape: number[];
}

/** Where one parameter of the ParamDict comes from. */
export interface ParamSource extends StoredTensorInfo {
  /** The ParamDict key (HF name without `transformer.`). */
  param: string;
}

/** Causal-mask buffers older GPT-2 checkpoints store beside the parameters. */
const GPT2_BUFFER = /^h\.\d+\.attn\.(bias|masked_bias)$/;
const MAX_LISTED = 8;

/** The ParamDict name of a stored tensor, or undefined for a buffer that is not a parameter. */
export function paramNameOf(stored: string, config: ModelConfig): string | undefined {
  const name = stored.startsWith('transformer.') ? stored.slice('transformer.'.length) : stored;
  if (GPT2_BUFFER.test(name)) return undefined;
  // With tied embeddings the unembedding is wte; a saved copy of it is redundant.
  if (config.tiedEmbeddings && name === 'lm_head.weight') return undefined;
  return name;
}

function listNames(names: string[]): string {
  const shown = names.slice(0, MAX_LISTED).map((n) => `"${n}"`).join(', ');
  return names.length > MAX_LISTED ? `${shown} and ${names.length - MAX_LISTED} more` : shown;
}

/**
 * Match the stored tensors to the parameters the config needs. `weightsLabel` names the weights
 * (the file, or the shard index) in errors about tensors that are absent.
 */
export function planParams(config: ModelConfig, stored: Iterable<StoredTensorInfo>, weightsLabel: string): ParamSource[] {
  const expected = expectedParamShapes(config);
  const found = new Map<string, ParamSource>();
  const unexpected: StoredTensorInfo[] = [];
  for (const info of stored) {
    const param = paramNameOf(info.name, config);
    if (param === undefined) continue;
    const previous = found.get(param);
    if (previous) {
      throw new ModelLoadError(info.file, `tensor "${info.name}" duplicates "${previous.name}" in ${previous.file} (both are parameter "${param}")`);
    }
    if (!expected.has(param)) {
      unexpected.push(info);
      continue;
    }
    found.set(param, { ...info, param });
  }
  const missing = [...expected.keys()].filter((p) => !found.has(p));
  if (missing.length > 0) {
    const first = missing[0];
    throw new ModelLoadError(
      weightsLabel,
      `missing tensor ${listNames(missing)} (expected "${first}" with shape ${formatShape(expected.get(first) ?? [])}); ` +
        `the config describes ${config.nLayer} layers, d_model ${config.dModel}${config.attnOnly ? ', attention only' : ''}`,
    );
  }
  if (unexpected.length > 0) {
    const files = [...new Set(unexpected.map((u) => u.file))];
    throw new ModelLoadError(
      files.length === 1 ? files[0] : weightsLabel,
      `unexpected tensor ${listNames(unexpected.map((u) => u.name))} not part of a GPT-2 with this config.json`,
    );
  }
  const plan: ParamSource[] = [];
  for (const [param, shape] of expected) {
    const src = found.get(param) as ParamSource;
    if (src.shape.length !== shape.length || src.shape.some((d, i) => d !== shape[i])) {
      throw new ModelLoadError(src.file, `tensor "${src.name}" has shape ${formatShape(src.shape)}, expected ${formatShape(shape)} for this config.json`);
    }
    if (!isFloatDtype(src.dtype)) {
      throw new ModelLoadError(src.file, `tensor "${src.name}" has unsupported dtype ${src.dtype}; weights must be one of ${FLOAT_DTYPES.join(', ')}`);
    }
    plan.push(src);
  }
  return plan;
}

/** Bytes the parameters take as float32, which is how the engine holds them. */
export function fp32ParamBytes(config: ModelConfig): number {
  return parameterCount(config) * 4;
}

const OFFICIAL_SIZES: [nLayer: number, dModel: number, name: string][] = [
  [12, 768, 'GPT-2 small'],
  [24, 1024, 'GPT-2 medium'],
  [36, 1280, 'GPT-2 large'],
  [48, 1600, 'GPT-2 XL'],
];

/** "GPT-2 XL" for the official shapes, else a description by size. */
export function modelDisplayName(config: ModelConfig): string {
  const official = OFFICIAL_SIZES.find(([l, d]) => l === config.nLayer && d === config.dModel);
  if (official && config.vocabSize === 50257 && config.nCtx === 1024) return official[2];
  return `This model (${config.nLayer} layers, d_model ${config.dModel})`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} bytes`;
}

/** Refuse, before reading any tensor, a model whose fp32 weights the live backend cannot hold. */
export function checkParamBudget(config: ModelConfig, configFile: string, maxParamBytes: number | undefined, backendName?: string): void {
  if (maxParamBytes === undefined) return;
  const needed = fp32ParamBytes(config);
  if (needed <= maxParamBytes) return;
  const backend = backendName ? `the live backend '${backendName}'` : 'the live backend';
  const heap = backendName === 'wasm' ? ' (the wasm32 heap is 4 GiB and XNNPACK keeps a packed copy of every weight matrix)' : '';
  const advice = backendName === 'tensorflow' ? 'Use a machine with more memory' : 'Use the tensorflow backend (tfjs-node / tfjs-node-gpu)';
  throw new ModelLoadError(
    configFile,
    `${modelDisplayName(config)} needs ${formatBytes(needed)} of fp32 weights; ${backend} can hold at most ${formatBytes(maxParamBytes)}${heap}. ${advice}`,
  );
}
