/** Shared set-up for engine tests: the live backend and small random models. */
import { initBackend } from '../../src/main/engine/backend';
import { parseHfConfig, type ModelConfig } from '../../src/main/engine/config';
import { HookedGPT2 } from '../../src/main/engine/model';
import { randomParams, type ParamDict } from '../../src/main/engine/params';
import type { RefConfig } from '../engine/referenceGpt2';

export async function startBackend(): Promise<void> {
  await initBackend();
}

export function tinyConfig(overrides: Record<string, unknown> = {}): ModelConfig {
  return parseHfConfig({ n_layer: 2, n_head: 4, n_embd: 16, n_positions: 16, vocab_size: 23, ...overrides });
}

/** A random model whose weights are large enough (std 0.3) that attention patterns are not uniform. */
export function randomModel(config: ModelConfig, seed: number, std = 0.3): { model: HookedGPT2; params: ParamDict } {
  const params = randomParams(config, seed, std);
  return { model: HookedGPT2.fromParams(config, params), params };
}

export function randomTokens(B: number, T: number, vocab: number, seed: number): number[][] {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
  return Array.from({ length: B }, () => Array.from({ length: T }, () => next() % vocab));
}

/** The reference model's view of an engine config (the reference reads no engine types). */
export function refConfig(c: ModelConfig): RefConfig {
  return {
    nLayer: c.nLayer, nHead: c.nHead, dModel: c.dModel, dMlp: c.dMlp, vocabSize: c.vocabSize, lnEps: c.lnEps,
    activation: c.activation, normalization: c.normalization, attnOnly: c.attnOnly, tied: c.tiedEmbeddings, unembedBias: c.unembedBias,
  };
}
