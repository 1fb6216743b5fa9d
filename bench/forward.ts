/** Forward-pass throughput on the live backend: GPT-2-small-shaped (124M, random) and a small model. */
import { parseHfConfig, type ModelConfig } from '../src/main/engine/config';
import { HookedGPT2 } from '../src/main/engine/model';
import { parameterCount, randomParams } from '../src/main/engine/params';
import { tf } from '../src/main/engine/tf';
import { mib, peakTensorBytes, round, time } from './harness';

export const GPT2_SMALL_SHAPE = { n_layer: 12, n_head: 12, n_embd: 768, n_positions: 1024, vocab_size: 50257 };
export const SMALL_SHAPE = { n_layer: 4, n_head: 4, n_embd: 128, n_positions: 64, vocab_size: 512 };

function tokens(B: number, T: number, vocab: number): number[][] {
  return Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (b * 7919 + t * 104729) % vocab));
}

export async function benchForward(label: string, hf: Record<string, unknown>, B = 8, T = 32): Promise<Record<string, unknown>> {
  const config: ModelConfig = parseHfConfig(hf);
  const model = HookedGPT2.fromParams(config, randomParams(config, 1));
  const batch = tokens(B, T, config.vocabSize);
  const run = async (positions: 'all' | 'last'): Promise<void> => {
    const logits = model.forward(batch, positions);
    await logits.data();
    logits.dispose();
  };
  const all = await time(() => run('all'));
  const last = await time(() => run('last'));
  const peak = await peakTensorBytes(() => model.forward(batch, 'all'));
  const weightsBytes = tf.memory().numBytes;
  model.dispose();
  return {
    model: label,
    parameters: parameterCount(config),
    batch: `${B}x${T}`,
    tokensPerSecond: round((B * T) / (all.medianMs / 1000), 1),
    tokensPerSecondLastPositionOnly: round((B * T) / (last.medianMs / 1000), 1),
    forwardMs: all.medianMs,
    forwardLastPositionMs: last.medianMs,
    weightsMiB: mib(weightsBytes),
    peakTensorMiB: mib(peak),
  };
}
