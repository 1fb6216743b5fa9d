/** Turning prompt text into the token ids a model expects. */
import type { ModelConfig } from '../engine/config';
import type { Tokenizer } from '../tokenizer/types';

export class PromptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptError';
  }
}

/** Token ids of a prompt, with the BOS token first when the model was trained that way. */
export function encodePrompt(tokenizer: Tokenizer, config: ModelConfig, text: string): number[] {
  const ids = tokenizer.encode(text);
  if (config.prependBos) {
    if (tokenizer.bosId === undefined) throw new PromptError('the model expects a BOS token first (prepend_bos) but its tokenizer has none');
    ids.unshift(tokenizer.bosId);
  }
  if (ids.length === 0) throw new PromptError(`the prompt ${JSON.stringify(text)} has no tokens`);
  if (ids.length > config.nCtx) throw new PromptError(`the prompt has ${ids.length} tokens; the model's context is ${config.nCtx}`);
  if (tokenizer.unkId !== undefined) {
    const unknown = ids.map((id, i) => (id === tokenizer.unkId ? tokenizer.tokenStrings([id])[0] ?? `#${i}` : undefined)).filter((x) => x !== undefined);
    if (unknown.length > 0) {
      const words = text.split(/\s+/).filter((w) => w && tokenizer.encode(w).includes(tokenizer.unkId!));
      throw new PromptError(`the prompt has words the model's vocabulary does not know: ${words.join(', ') || unknown.join(', ')}`);
    }
  }
  return ids;
}

/** The single token id of an answer such as " Mary"; anything else is an error naming the tokens. */
export function singleTokenId(tokenizer: Tokenizer, answer: string): number {
  const ids = tokenizer.encode(answer);
  if (ids.length !== 1) {
    throw new PromptError(`answer ${JSON.stringify(answer)} is ${ids.length} tokens (${tokenizer.tokenStrings(ids).map((t) => JSON.stringify(t)).join(' ')}), it must be exactly one`);
  }
  if (ids[0] === tokenizer.unkId) throw new PromptError(`answer ${JSON.stringify(answer)} is not in the model's vocabulary`);
  return ids[0];
}
