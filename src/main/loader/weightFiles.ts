/**
 * Finding the weights of a Hugging Face model directory: `model.safetensors`, or shards listed by
 * `model.safetensors.index.json`. PyTorch pickles are refused, never unpickled.
 */
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ModelLoadError } from './errors';
import { checkRegularFile, MAX_BYTES, readJsonChecked } from './readChecked';

export const SINGLE_WEIGHTS_FILE = 'model.safetensors';
export const SHARD_INDEX_FILE = 'model.safetensors.index.json';

export type WeightLayout =
  | { kind: 'single'; file: string }
  | {
      kind: 'sharded';
      indexFile: string;
      /** Shard files in first-mention order (absolute paths). */
      shards: string[];
      /** Stored tensor name -> shard file (absolute path). */
      weightMap: Map<string, string>;
    };

const PICKLE_FILE = /\.(bin|pt|pth|ckpt)$/i;
const OTHER_FORMATS = /^(tf_model\.h5|flax_model\.msgpack|model\.ckpt\.index|.*\.gguf)$/i;

/** Whether a path exists (any kind of entry). */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The conversion command a user can run to turn a pickle checkpoint into safetensors. */
export function conversionCommand(dir: string): string {
  return `python -c "from transformers import AutoModelForCausalLM as M; M.from_pretrained('${dir}').save_pretrained('${dir}-safetensors', safe_serialization=True)"`;
}

export async function findWeights(dir: string): Promise<WeightLayout> {
  const single = join(dir, SINGLE_WEIGHTS_FILE);
  // stat only: a FIFO, device, directory or dangling link is refused by name, never opened.
  if (checkRegularFile(single)) return { kind: 'single', file: single };
  const indexFile = join(dir, SHARD_INDEX_FILE);
  if (checkRegularFile(indexFile)) return readShardIndex(dir, indexFile);

  const names = await readdir(dir);
  const pickles = names.filter((n) => PICKLE_FILE.test(n));
  if (pickles.length > 0) {
    throw new ModelLoadError(
      dir,
      `only PyTorch pickle weights found (${pickles.join(', ')}). They are not loaded because unpickling can execute arbitrary code. ` +
        `Convert them to safetensors first, e.g.:\n  ${conversionCommand(dir)}`,
    );
  }
  const others = names.filter((n) => OTHER_FORMATS.test(n));
  const strays = names.filter((n) => n.endsWith('.safetensors'));
  const found = [...others, ...strays];
  throw new ModelLoadError(
    dir,
    `no weights found: looked for ${SINGLE_WEIGHTS_FILE} or ${SHARD_INDEX_FILE}` +
      (found.length > 0 ? ` (found ${found.join(', ')}, which this loader does not read)` : ''),
  );
}

async function readShardIndex(dir: string, indexFile: string): Promise<WeightLayout> {
  const raw = await readJsonChecked(indexFile, MAX_BYTES.index);
  const map = (raw as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new ModelLoadError(indexFile, 'has no "weight_map" object (tensor name -> shard file)');
  }
  const weightMap = new Map<string, string>();
  const shards: string[] = [];
  const checked = new Map<string, boolean>();
  for (const [name, shard] of Object.entries(map as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard === '') {
      throw new ModelLoadError(indexFile, `weight_map entry "${name}" is ${JSON.stringify(shard)}, not a file name`);
    }
    const shardPath = resolve(dir, shard);
    const rel = relative(dir, shardPath);
    if (isAbsolute(shard) || rel.startsWith('..') || isAbsolute(rel)) {
      throw new ModelLoadError(indexFile, `weight_map entry "${name}" points outside the model directory: "${shard}"`);
    }
    if (!checked.has(shardPath)) {
      checked.set(shardPath, checkRegularFile(shardPath));
      if (!checked.get(shardPath)) {
        throw new ModelLoadError(indexFile, `weight_map names shard "${shard}" (for tensor "${name}"), but ${shardPath} does not exist`);
      }
      shards.push(shardPath);
    }
    weightMap.set(name, shardPath);
  }
  if (shards.length === 0) throw new ModelLoadError(indexFile, 'weight_map is empty');
  return { kind: 'sharded', indexFile, shards, weightMap };
}
