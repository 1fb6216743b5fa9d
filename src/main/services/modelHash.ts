/** A model's content hash: SHA-256 over config.json, the tokenizer and every weight file, streamed. */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

const HASHED = /^(config\.json|tokenizer\.json|vocab\.json|merges\.txt|.*\.safetensors|model\.safetensors\.index\.json)$/;

export async function modelContentHash(dir: string): Promise<string> {
  if (!existsSync(dir)) throw new Error(`${dir}: model directory not found`);
  const files = (await readdir(dir)).filter((f) => HASHED.test(f)).sort();
  if (files.length === 0) throw new Error(`${dir}: no model files to hash (config.json, *.safetensors, tokenizer)`);
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file}\0`);
    for await (const chunk of createReadStream(path.join(dir, file))) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}
