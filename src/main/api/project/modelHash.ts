/** The content hash a project records for a model folder: SHA-256 over its files' names and bytes. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Files that define a model's behaviour (weights, config, tokenizer); docs and cards are left out. */
const MODEL_FILE = /^(config\.json|tokenizer(_config)?\.json|vocab\.json|merges\.txt|.*\.safetensors(\.index\.json)?)$/;

export async function modelContentHash(dir: string): Promise<string> {
  const files = (await readdir(dir)).filter((f) => MODEL_FILE.test(f)).sort();
  if (files.length === 0) throw new Error(`${dir}: has no model files to hash`);
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file}\0`);
    for await (const chunk of createReadStream(join(dir, file))) hash.update(chunk as Buffer);
    hash.update('\0');
  }
  return hash.digest('hex');
}
