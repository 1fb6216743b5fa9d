/**
 * The workbench Tokenizer over @huggingface/tokenizers: byte-level BPE (GPT-2) and word-level
 * vocabularies, both from a standard tokenizer.json object.
 */
import { Tokenizer as HfLibTokenizer } from '@huggingface/tokenizers';
import { byteLevelTokenToText } from './byteLevel';
import { declaresByteLevelRegex, useGpt2Pattern } from './gpt2Pattern';
import type { Tokenizer } from './types';

type Json = Record<string, unknown>;

/** tokenizer_config.json writes special tokens as strings or as AddedToken objects. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as Json).content === 'string') return (value as Json).content as string;
  return undefined;
}

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);

/** The library would fail with e.g. "config.merges.map is not a function"; say which field is wrong. */
function checkBpeModel(model: Json): void {
  if (typeof model.vocab !== 'object' || model.vocab === null || Array.isArray(model.vocab)) throw new Error(`"model.vocab" must be an object (token -> id), got ${typeName(model.vocab)}`);
  if (!Array.isArray(model.merges)) throw new Error(`"model.merges" must be a list of merges ("a b" strings or [a, b] pairs), got ${typeName(model.merges)}`);
  const bad = model.merges.findIndex((m) => !(typeof m === 'string' || (Array.isArray(m) && m.length === 2 && m.every((x) => typeof x === 'string'))));
  if (bad >= 0) throw new Error(`"model.merges" item ${bad + 1} is ${typeName(model.merges[bad])}, not an "a b" string or an [a, b] pair`);
}

const QUOTE_LIMIT = 80;

/** Quote user text in a message without echoing unbounded input. */
export function quoteShort(text: string): string {
  return text.length <= QUOTE_LIMIT ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, QUOTE_LIMIT))}… (${text.length} characters)`;
}

export class HfTokenizer implements Tokenizer {
  readonly kind: 'bpe' | 'word';
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly unkId: number | undefined;
  private readonly lib: HfLibTokenizer;
  private readonly vocab: string[];

  /** Throws on a tokenizer.json this workbench cannot use (the message says why). */
  constructor(json: Json, tokenizerConfig: Json = {}) {
    const model = json.model as Json | undefined;
    if (typeof model !== 'object' || model === null) throw new Error('tokenizer.json has no "model" object');
    if (model.type === 'BPE') this.kind = 'bpe';
    else if (model.type === 'WordLevel') this.kind = 'word';
    else throw new Error(`tokenizer model type ${JSON.stringify(model.type)} is not supported (BPE or WordLevel)`);
    if (this.kind === 'bpe') checkBpeModel(model);
    const unkToken = typeof model.unk_token === 'string' ? model.unk_token : undefined;
    const libConfig: Json = {
      // Exact decoding for BPE (" ." stays " ."); word-level joins with spaces, so tidy punctuation.
      clean_up_tokenization_spaces: this.kind === 'word',
      ...tokenizerConfig,
      // The library reads a word-level vocabulary's unknown token from the config, not the model.
      unk_token: tokenContent(tokenizerConfig.unk_token) ?? unkToken,
    };
    this.lib = new HfLibTokenizer({ added_tokens: [], ...json }, libConfig);
    if (declaresByteLevelRegex(json.pre_tokenizer) && useGpt2Pattern(this.lib.pre_tokenizer) === 0) {
      // A library upgrade moved the pattern: fail loudly rather than tokenize unlike GPT-2.
      throw new Error('the byte-level pre-tokenizer could not be given GPT-2\'s White_Space pattern');
    }
    const libModel = this.lib.model;
    if (!libModel) throw new Error('tokenizer.json model could not be built');
    this.vocab = libModel.vocab;
    this.vocabSize = this.vocab.length;
    for (let id = 0; id < this.vocabSize; id++) {
      if (this.vocab[id] === undefined) throw new Error(`tokenizer.json vocabulary has no token with id ${id} (ids must run 0..${this.vocabSize - 1})`);
    }
    const unkName = tokenContent(tokenizerConfig.unk_token) ?? unkToken;
    this.unkId = unkName === undefined ? undefined : this.lib.token_to_id(unkName);
    this.bosId = this.findBosId(json, tokenizerConfig, unkName);
  }

  /** tokenizer_config.json's bos_token, else the one special added token that is not the unknown token. */
  private findBosId(json: Json, tokenizerConfig: Json, unkName: string | undefined): number | undefined {
    const configured = tokenContent(tokenizerConfig.bos_token);
    if (configured !== undefined) return this.lib.token_to_id(configured);
    const added = Array.isArray(json.added_tokens) ? (json.added_tokens as Json[]) : [];
    const candidates = added.filter((t) => t.special === true && t.content !== unkName && typeof t.id === 'number');
    return candidates.length === 1 ? (candidates[0].id as number) : undefined;
  }

  encode(text: string): number[] {
    if (text === '') return [];
    const { ids, tokens } = this.lib.encode(text, { add_special_tokens: false });
    const bad = ids.findIndex((id) => id === undefined);
    if (bad >= 0) throw new Error(`cannot encode ${quoteShort(text)}: token ${quoteShort(tokens[bad])} is not in the vocabulary and it has no unknown token`);
    return ids;
  }

  decode(ids: number[]): string {
    if (ids.length === 0) return '';
    ids.forEach((id) => this.checkId(id));
    return this.lib.decode(ids);
  }

  idToToken(id: number): string | undefined {
    return Number.isInteger(id) && id >= 0 && id < this.vocabSize ? this.vocab[id] : undefined;
  }

  tokenToId(token: string): number | undefined {
    return this.lib.token_to_id(token);
  }

  tokenStrings(ids: number[]): string[] {
    return ids.map((id) => {
      this.checkId(id);
      const token = this.vocab[id];
      return this.kind === 'bpe' ? byteLevelTokenToText(token) : token;
    });
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new RangeError(`token id ${id} is outside the vocabulary (0..${this.vocabSize - 1})`);
    }
  }
}
