/**
 * The analysis views' one-prompt operations on the GPT-2-small shape (random weights): logit lens
 * top tokens per stage and position (25 stages x 15 positions x 50257 tokens), and every head's
 * attention pattern. The forward is included in both.
 */
import { parseHfConfig } from '../src/main/engine/config';
import { HookedGPT2 } from '../src/main/engine/model';
import { randomParams } from '../src/main/engine/params';
import { lensTopTokens } from '../src/main/analysis/lensTopTokens';
import { attentionPatterns } from '../src/main/analysis/attention';
import { GPT2_SMALL_SHAPE } from './forward';
import { time } from './harness';

export async function benchViewsGpt2Small(T = 15): Promise<Record<string, unknown>> {
  const config = parseHfConfig({ model_type: 'gpt2', ...GPT2_SMALL_SHAPE });
  const model = HookedGPT2.fromParams(config, randomParams(config, 1));
  try {
    const ids = Array.from({ length: T }, (_, i) => (100 + 37 * i) % config.vocabSize);
    const labels = (t: number[]): string[] => t.map(String);
    return {
      model: 'GPT-2-small shape (12L, 12H, d768, V 50257), random weights',
      tokens: T,
      lensTopTokensK5: await time(async () => void (await lensTopTokens(model, ids, 5, labels)), 2),
      attentionAllLayers: await time(async () => void (await attentionPatterns(model, ids, labels(ids))), 2),
    };
  } finally {
    model.dispose();
  }
}
