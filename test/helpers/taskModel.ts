/**
 * A small random GPT-2 whose word-level tokenizer is the default vocabulary, so every generated
 * task item (IOI, comparison, latest) encodes: the stand-in for the bundled default model in API
 * and browser tests (same architecture family, random weights).
 */
import { parseHfConfig } from '../../src/main/engine/config';
import { randomParams } from '../../src/main/engine/params';
import { defaultTokenizerJson, defaultVocabulary } from '../../src/main/datasets';
import { writeModelDir } from '../../src/main/loader/modelDir';

export async function writeTaskModel(dir: string, seed = 7, overrides: Record<string, unknown> = {}): Promise<string> {
  const config = parseHfConfig({
    model_type: 'gpt2',
    n_layer: 2,
    n_head: 4,
    n_embd: 32,
    n_positions: 48,
    vocab_size: defaultVocabulary().length,
    prepend_bos: true,
    ...overrides,
  });
  await writeModelDir(dir, { config, params: randomParams(config, seed, 0.3), tokenizerJson: defaultTokenizerJson() });
  return dir;
}
