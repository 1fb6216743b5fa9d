/** The tokenizer contract every part of the workbench uses (BPE and word-level alike). */
export interface Tokenizer {
  /** 'bpe' for GPT-2 byte-level BPE, 'word' for word-level vocabularies. */
  readonly kind: 'bpe' | 'word';
  readonly vocabSize: number;
  /** Token ids for a text, without special tokens. */
  encode(text: string): number[];
  decode(ids: number[]): string;
  /** The string of one token as the tokenizer stores it (e.g. 'ĠMary' for BPE). */
  idToToken(id: number): string | undefined;
  tokenToId(token: string): number | undefined;
  /** Human-readable text of each token of an id sequence (for labels). */
  tokenStrings(ids: number[]): string[];
  /** Beginning-of-sequence token id, when the vocabulary has one. */
  readonly bosId: number | undefined;
  /** The id of an unknown-word token, when the vocabulary has one (word-level). */
  readonly unkId: number | undefined;
}
