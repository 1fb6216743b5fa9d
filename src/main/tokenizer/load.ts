/**
 * Loading a tokenizer from a model directory: tokenizer.json, else GPT-2's vocab.json + merges.txt.
 * File problems are ModelLoadErrors naming the file.
 */
import { join } from 'node:path';
import { ModelLoadError } from '../loader/errors';
import { checkRegularFile, MAX_BYTES, readJsonChecked, readTextChecked } from '../loader/readChecked';
import { HfTokenizer } from './hfTokenizer';
import { buildByteLevelBpeTokenizerJson } from './tokenizerJson';
import type { Tokenizer } from './types';

export const TOKENIZER_FILES = { json: 'tokenizer.json', vocab: 'vocab.json', merges: 'merges.txt', config: 'tokenizer_config.json' } as const;

/** A regular file is there; anything else (FIFO, device, directory, dangling link) is refused, never opened. */
async function exists(path: string): Promise<boolean> {
  return checkRegularFile(path);
}

const readJsonFile = (path: string): Promise<unknown> => readJsonChecked(path, MAX_BYTES.tokenizer);

function asObject(value: unknown, file: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModelLoadError(file, 'expected a JSON object');
  return value as Record<string, unknown>;
}

/** A Tokenizer from a tokenizer.json object (and optionally tokenizer_config.json's contents). */
export function tokenizerFromJson(json: object, tokenizerConfig: Record<string, unknown> = {}): Tokenizer {
  return new HfTokenizer(json as Record<string, unknown>, tokenizerConfig);
}

/** Parse merges.txt: an optional "#version" line, then one "left right" pair per line. */
export function parseMerges(text: string, file: string): string[] {
  const merges: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line === '' || (i === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new ModelLoadError(file, `line ${i + 1}: expected two tokens separated by one space, got ${JSON.stringify(line)}`);
    }
    merges.push(line);
  });
  return merges;
}

function parseVocab(raw: unknown, file: string): Record<string, number> {
  const vocab = asObject(raw, file);
  for (const [token, id] of Object.entries(vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new ModelLoadError(file, `token ${JSON.stringify(token)} has id ${JSON.stringify(id)}, not a non-negative integer`);
  }
  return vocab as Record<string, number>;
}

/** The tokenizer of a Hugging Face model directory. */
export async function loadTokenizer(dir: string): Promise<Tokenizer> {
  const paths = {
    json: join(dir, TOKENIZER_FILES.json),
    vocab: join(dir, TOKENIZER_FILES.vocab),
    merges: join(dir, TOKENIZER_FILES.merges),
    config: join(dir, TOKENIZER_FILES.config),
  };
  const config = (await exists(paths.config)) ? asObject(await readJsonFile(paths.config), paths.config) : {};
  if (await exists(paths.json)) {
    const json = asObject(await readJsonFile(paths.json), paths.json);
    try {
      return tokenizerFromJson(json, config);
    } catch (e) {
      throw new ModelLoadError(paths.json, `not a usable tokenizer (${(e as Error).message})`, { cause: e });
    }
  }
  const hasVocab = await exists(paths.vocab);
  const hasMerges = await exists(paths.merges);
  if (hasVocab !== hasMerges) {
    const missing = hasVocab ? paths.merges : paths.vocab;
    throw new ModelLoadError(missing, `missing: ${hasVocab ? TOKENIZER_FILES.vocab : TOKENIZER_FILES.merges} is present, so the byte-level BPE tokenizer also needs this file`);
  }
  if (!hasVocab) {
    throw new ModelLoadError(dir, `no tokenizer found: looked for ${TOKENIZER_FILES.json}, or ${TOKENIZER_FILES.vocab} + ${TOKENIZER_FILES.merges}`);
  }
  const vocab = parseVocab(await readJsonFile(paths.vocab), paths.vocab);
  const mergesText = await readTextChecked(paths.merges, MAX_BYTES.tokenizer);
  const merges = parseMerges(mergesText, paths.merges);
  try {
    return tokenizerFromJson(buildByteLevelBpeTokenizerJson(vocab, merges), config);
  } catch (e) {
    throw new ModelLoadError(paths.vocab, `cannot build a tokenizer from ${TOKENIZER_FILES.vocab} + ${TOKENIZER_FILES.merges} (${(e as Error).message})`, { cause: e });
  }
}
