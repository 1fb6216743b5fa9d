/**
 * Loading a Hugging Face GPT-2 model directory (config.json, safetensors weights, tokenizer) into
 * the engine's ParamDict. Everything is validated from the headers before any tensor data is read.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, parseHfConfig, type ModelConfig } from '../engine/config';
import type { ParamDict, ParamTensor } from '../engine/params';
import { loadTokenizer } from '../tokenizer/load';
import type { Tokenizer } from '../tokenizer/types';
import { ModelLoadError, throwIfAborted } from './errors';
import { checkFiniteWeights } from './finiteWeights';
import { checkConfigBounds } from './configBounds';
import { pathKind } from './fileKind';
import { MAX_BYTES, readJsonChecked } from './readChecked';
import { checkParamBudget, planParams, type ParamSource, type StoredTensorInfo } from './paramPlan';
import { SafetensorsReader } from './safetensors';
import { findWeights, type WeightLayout } from './weightFiles';

export { ModelLoadError } from './errors';
export { writeModelDir, type WriteModelDirOptions } from './modelDirWriter';

export interface LoadModelOptions {
  /** Refuse (before reading weights) a model whose fp32 parameters exceed this many bytes. */
  maxParamBytes?: number;
  /** The live engine backend, named in the refusal. */
  backendName?: string;
  /** Fraction of weight bytes read, 0..1. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

export interface LoadedModel {
  /** Absolute path of the model directory. */
  dir: string;
  config: ModelConfig;
  params: ParamDict;
  tokenizer: Tokenizer;
  /** config.json as read. */
  hfConfig: Record<string, unknown>;
  /** Absolute paths of the weight files read. */
  weightFiles: string[];
}

export const CONFIG_FILE = 'config.json';

/** Read and parse config.json; its problems are ModelLoadErrors naming it. */
export async function readModelConfig(dir: string): Promise<{ config: ModelConfig; hfConfig: Record<string, unknown>; file: string }> {
  const file = join(dir, CONFIG_FILE);
  if (pathKind(file).kind === 'missing') throw new ModelLoadError(file, 'missing: a Hugging Face model directory needs config.json');
  const raw = await readJsonChecked(file, MAX_BYTES.config);
  checkConfigBounds(raw, file);
  try {
    return { config: parseHfConfig(raw, file), hfConfig: raw as Record<string, unknown>, file };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new ModelLoadError(file, e.message.startsWith(`${file}: `) ? e.message.slice(file.length + 2) : e.message, { cause: e });
  }
}

async function checkDirectory(dir: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch (e) {
    throw new ModelLoadError(dir, 'model directory not found', { cause: e });
  }
  if (!isDir) throw new ModelLoadError(dir, 'is not a directory (a model is a directory with config.json, weights and a tokenizer)');
}

/** Every stored tensor with its file; for shards, checked against the index's weight_map. */
function storedTensors(layout: WeightLayout, readers: Map<string, SafetensorsReader>): StoredTensorInfo[] {
  const infos: StoredTensorInfo[] = [];
  for (const [file, reader] of readers) {
    for (const e of reader.entries.values()) {
      if (layout.kind === 'sharded') {
        const mapped = layout.weightMap.get(e.name);
        if (mapped !== file) {
          throw new ModelLoadError(file, `tensor "${e.name}" is in this shard but ${layout.indexFile} ${mapped ? `places it in ${mapped}` : 'does not list it'}`);
        }
      }
      infos.push({ file, name: e.name, dtype: e.dtype, shape: e.shape });
    }
  }
  if (layout.kind === 'sharded') {
    for (const [name, file] of layout.weightMap) {
      if (!readers.get(file)?.entries.has(name)) throw new ModelLoadError(file, `${layout.indexFile} lists tensor "${name}" in this shard, but it is not there`);
    }
  }
  return infos;
}

export async function loadModelDir(dir: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  const absDir = resolve(dir);
  await checkDirectory(absDir);
  const { config, hfConfig, file: configFile } = await readModelConfig(absDir);
  checkParamBudget(config, configFile, opts.maxParamBytes, opts.backendName);
  const tokenizer = await loadTokenizer(absDir);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new ModelLoadError(join(absDir, 'tokenizer.json'), `the tokenizer has ${tokenizer.vocabSize} tokens but config.json vocab_size is ${config.vocabSize}`);
  }
  const layout = await findWeights(absDir);
  const files = layout.kind === 'single' ? [layout.file] : layout.shards;
  const readers = new Map<string, SafetensorsReader>();
  try {
    for (const file of files) readers.set(file, await SafetensorsReader.open(file));
    const plan = planParams(config, storedTensors(layout, readers), layout.kind === 'single' ? layout.file : layout.indexFile);
    const params = await readPlanned(plan, readers, opts);
    return { dir: absDir, config, params, tokenizer, hfConfig, weightFiles: files };
  } finally {
    await Promise.all([...readers.values()].map((r) => r.close()));
  }
}

/** Read the planned tensors file by file in offset order (sequential I/O), reporting byte progress. */
async function readPlanned(plan: ParamSource[], readers: Map<string, SafetensorsReader>, opts: LoadModelOptions): Promise<ParamDict> {
  const located = plan.map((src) => ({ src, entry: readers.get(src.file)!.entries.get(src.name)! }));
  const totalBytes = located.reduce((s, { entry }) => s + (entry.end - entry.start), 0);
  const order = [...located].sort((a, b) => (a.src.file === b.src.file ? a.entry.start - b.entry.start : a.src.file < b.src.file ? -1 : 1));
  const loaded = new Map<string, ParamTensor>();
  let doneBytes = 0;
  opts.onProgress?.(0);
  for (const { src } of order) {
    throwIfAborted(opts.signal);
    const tensor = await readers.get(src.file)!.readTensor(src.name, {
      signal: opts.signal,
      onBytes: (n) => {
        doneBytes += n;
        opts.onProgress?.(totalBytes === 0 ? 1 : doneBytes / totalBytes);
      },
    });
    checkFiniteWeights(tensor, src.file, src.name);
    loaded.set(src.param, tensor);
  }
  // Insertion order follows expectedParamShapes, as randomParams does.
  const params: ParamDict = new Map();
  for (const { src } of located) params.set(src.param, loaded.get(src.param)!);
  opts.onProgress?.(1);
  return params;
}
