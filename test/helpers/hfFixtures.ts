/**
 * Fixtures for tests that need a real Hugging Face model directory on disk: temp directories,
 * and random GPT-2s written in HF layout (config.json, safetensors, word-level tokenizer.json).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHfConfig, type ModelConfig } from '../../src/main/engine/config';
import { randomParams, type ParamDict } from '../../src/main/engine/params';
import { writeModelDir } from '../../src/main/loader/modelDir';
import type { WriteDtype } from '../../src/main/loader/safetensors';
import { buildWordLevelTokenizerJson, type TokenizerJson } from '../../src/main/tokenizer/tokenizerJson';

const created: string[] = [];

/** A fresh empty directory under the OS temp dir; removeTmpDirs() deletes all of them. */
export async function makeTmpDir(prefix = 'cwb-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Delete every directory makeTmpDir made in this process (call from afterAll). */
export async function removeTmpDirs(): Promise<void> {
  await Promise.all(created.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** A tiny GPT-2 (2 layers, 2 heads, d_model 16) in config.json spelling. */
export const TINY_HF_CONFIG: Readonly<Record<string, unknown>> = {
  model_type: 'gpt2',
  n_layer: 2,
  n_head: 2,
  n_embd: 16,
  n_positions: 32,
  vocab_size: 64,
};

export const FIXTURE_UNK = '<unk>';
export const FIXTURE_BOS = '<|endoftext|>';

/** Words for IOI-style prompts; each is one token of the word-level tokenizer. */
const FIXTURE_WORDS = [
  'When', 'Then', 'Mary', 'John', 'Tom', 'James', 'Alice', 'Bob', 'Dan', 'Sid', 'Amy', 'Kate',
  'went', 'to', 'the', 'store', 'garden', 'school', 'office', 'station', 'and', 'gave', 'a', 'an',
  'drink', 'ring', 'book', 'ball', 'had', 'lot', 'of', 'fun', 'at', 'decided', 'give', 'so', ',', '.',
];

/** Exactly `vocabSize` distinct tokens: the unknown and BOS tokens, task words, then filler "w<i>". */
export function fixtureWords(vocabSize: number): string[] {
  if (!Number.isInteger(vocabSize) || vocabSize < 2) throw new Error(`fixtureWords: vocab_size ${vocabSize} cannot hold the 2 special tokens`);
  const words = [FIXTURE_UNK, FIXTURE_BOS, ...FIXTURE_WORDS].slice(0, vocabSize);
  for (let i = 0; words.length < vocabSize; i++) words.push(`w${i}`);
  return words;
}

export function fixtureTokenizerJson(vocabSize: number): TokenizerJson {
  return buildWordLevelTokenizerJson(fixtureWords(vocabSize), { unkToken: FIXTURE_UNK, bosToken: FIXTURE_BOS });
}

export interface WriteRandomModelOptions {
  dtype?: WriteDtype;
  shards?: number;
  withPrefix?: boolean;
  /** Init std of the weight matrices (randomParams' default 0.02). */
  std?: number;
}

export interface RandomModel {
  dir: string;
  config: ModelConfig;
  hfConfig: Record<string, unknown>;
  params: ParamDict;
  tokenizerJson: TokenizerJson;
}

/**
 * Write a random GPT-2 into `dir` in real HF layout. `hfConfig` overrides TINY_HF_CONFIG's keys
 * (config.json spelling); the tokenizer has exactly vocab_size words.
 */
export async function writeRandomModel(
  dir: string,
  hfConfig: Record<string, unknown> = {},
  seed = 0,
  opts: WriteRandomModelOptions = {},
): Promise<RandomModel> {
  const merged = { ...TINY_HF_CONFIG, ...hfConfig };
  const config = parseHfConfig(merged, 'writeRandomModel config');
  const params = randomParams(config, seed, opts.std);
  const tokenizerJson = fixtureTokenizerJson(config.vocabSize);
  await writeModelDir(dir, { config, params, tokenizerJson, dtype: opts.dtype, shards: opts.shards, withPrefix: opts.withPrefix });
  return { dir, config, hfConfig: merged, params, tokenizerJson };
}
