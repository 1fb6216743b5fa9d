/**
 * Writing a model directory in Hugging Face layout: config.json, model.safetensors (or N shards
 * plus model.safetensors.index.json) and tokenizer.json. Used by tests, training and model export.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toHfConfig, type ModelConfig } from '../engine/config';
import { expectedParamShapes, type ParamDict, type ParamTensor } from '../engine/params';
import { formatShape } from './safetensorsFormat';
import { writeSafetensors, type WriteDtype } from './safetensorsWriter';
import { exists, SHARD_INDEX_FILE, SINGLE_WEIGHTS_FILE } from './weightFiles';

export interface WriteModelDirOptions {
  config: ModelConfig;
  params: ParamDict;
  /** A tokenizer.json object, written as is. */
  tokenizerJson: object;
  /** Written as tokenizer_config.json when given (e.g. bos_token). */
  tokenizerConfig?: Record<string, unknown>;
  dtype?: WriteDtype;
  /** Number of weight files; more than 1 writes shards and an index. Default 1. */
  shards?: number;
  /** Store names as `transformer.wte.weight` (GPT2LMHeadModel's state dict) instead of `wte.weight`. */
  withPrefix?: boolean;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/** The exact parameter set the config needs, in its canonical order; anything else is refused. */
function orderedParams(config: ModelConfig, params: ParamDict, dir: string): [string, ParamTensor][] {
  const expected = expectedParamShapes(config);
  const out: [string, ParamTensor][] = [];
  for (const [name, shape] of expected) {
    const t = params.get(name);
    if (!t) throw new Error(`writeModelDir(${dir}): parameter "${name}" ${formatShape(shape)} is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`writeModelDir(${dir}): parameter "${name}" has shape ${formatShape(t.shape)}, expected ${formatShape(shape)}`);
    }
    out.push([name, t]);
  }
  const extra = [...params.keys()].filter((n) => !expected.has(n));
  if (extra.length > 0) throw new Error(`writeModelDir(${dir}): parameters not in this config: ${extra.join(', ')}`);
  return out;
}

/** Split into `n` contiguous groups of roughly equal size. */
function splitIntoShards(entries: [string, ParamTensor][], n: number): [string, ParamTensor][][] {
  const total = entries.reduce((s, [, t]) => s + t.data.length, 0);
  const groups: [string, ParamTensor][][] = [[]];
  let inGroup = 0;
  entries.forEach((entry, i) => {
    const remainingEntries = entries.length - i;
    const remainingGroups = n - groups.length;
    const current = groups[groups.length - 1];
    const full = inGroup >= total / n || remainingEntries <= remainingGroups;
    if (current.length > 0 && remainingGroups > 0 && full) {
      groups.push([]);
      inGroup = 0;
    }
    groups[groups.length - 1].push(entry);
    inGroup += entry[1].data.length;
  });
  return groups;
}

/** Write the directory; returns the weight files written (absolute or as `dir` was given). */
export async function writeModelDir(dir: string, opts: WriteModelDirOptions): Promise<{ weightFiles: string[] }> {
  const shards = opts.shards ?? 1;
  const entries = orderedParams(opts.config, opts.params, dir);
  if (!Number.isInteger(shards) || shards < 1 || shards > entries.length) {
    throw new Error(`writeModelDir(${dir}): shards must be an integer in 1..${entries.length}, got ${shards}`);
  }
  await mkdir(dir, { recursive: true });
  // The loader prefers model.safetensors over an index: refuse to leave a layout that shadows the new one.
  const conflicting = shards === 1 ? SHARD_INDEX_FILE : SINGLE_WEIGHTS_FILE;
  if (await exists(join(dir, conflicting))) {
    throw new Error(`writeModelDir(${dir}): the directory already holds ${conflicting} from another model; write into an empty directory`);
  }
  const stored = (name: string): string => (opts.withPrefix && !name.startsWith('lm_head.') ? `transformer.${name}` : name);
  const groups = shards === 1 ? [entries] : splitIntoShards(entries, shards);
  const totalValues = entries.reduce((s, [, t]) => s + t.data.length, 0);
  const fileNames =
    shards === 1 ? [SINGLE_WEIGHTS_FILE] : groups.map((_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`);

  let doneValues = 0;
  const weightMap: Record<string, string> = {};
  for (let g = 0; g < groups.length; g++) {
    const groupValues = groups[g].reduce((s, [, t]) => s + t.data.length, 0);
    await writeSafetensors(
      join(dir, fileNames[g]),
      groups[g].map(([name, t]) => [stored(name), t] as [string, ParamTensor]),
      {
        dtype: opts.dtype,
        metadata: { format: 'pt' }, // transformers refuses safetensors files without this
        signal: opts.signal,
        onProgress: (f) => opts.onProgress?.((doneValues + f * groupValues) / totalValues),
      },
    );
    doneValues += groupValues;
    for (const [name] of groups[g]) weightMap[stored(name)] = fileNames[g];
  }
  if (shards > 1) {
    const bytesPerValue = (opts.dtype ?? 'F32') === 'F32' ? 4 : 2;
    const index = { metadata: { total_size: totalValues * bytesPerValue }, weight_map: weightMap };
    await writeFile(join(dir, SHARD_INDEX_FILE), JSON.stringify(index, null, 2));
  }
  await writeFile(join(dir, 'config.json'), JSON.stringify(toHfConfig(opts.config), null, 2));
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(opts.tokenizerJson));
  if (opts.tokenizerConfig) await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(opts.tokenizerConfig, null, 2));
  return { weightFiles: fileNames.map((f) => join(dir, f)) };
}
