/**
 * Services for transport and UI tests until the engine lands: a tiny fake predictor over a fixed
 * vocabulary whose logits depend on the prompt, with a real softmax. Replace with
 * createDefaultServices once the engine can load a test model (see test/e2e).
 */
import { createServices } from '../../src/main/api/createServices';
import type { ModelService, Services } from '../../src/main/api/services';
import type { ModelConfigView, Prediction } from '../../src/shared/api/types';

export const FAKE_VOCAB = [' Mary', ' John', ' the', ' store', ' went', ' to', ' gave', ' a', ' drink', '.'];

export const FAKE_CONFIG: ModelConfigView = {
  nLayer: 2,
  nHead: 4,
  dModel: 64,
  dHead: 16,
  dMlp: 256,
  nCtx: 32,
  vocabSize: FAKE_VOCAB.length,
  lnEps: 1e-5,
  activation: 'gelu_new',
  normalization: 'LN',
  attnOnly: false,
  tiedEmbeddings: true,
  unembedBias: false,
};

/** Logit of token i: a deterministic function of the prompt's characters. */
export function fakeLogits(prompt: string): number[] {
  let h = 0;
  for (const ch of prompt) h = (h * 31 + ch.charCodeAt(0)) % 1000;
  return FAKE_VOCAB.map((_, i) => 3 * Math.sin(h + 1.7 * i));
}

export function fakePredict(prompt: string, topK: number): Prediction[] {
  const logits = fakeLogits(prompt);
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return logits
    .map((logit, id) => ({ token: FAKE_VOCAB[id], id, logit, prob: exps[id] / sum }))
    .sort((a, b) => b.logit - a.logit)
    .slice(0, topK);
}

export function fakeModel(): ModelService {
  return {
    name: 'fake-tiny',
    config: FAKE_CONFIG,
    parameterCount: 12345,
    backendName: 'cpu',
    predict: async (prompt, topK) => fakePredict(prompt, topK),
  };
}

export function fakeServices(): Services {
  const model = fakeModel();
  return createServices({
    appVersion: '0.0.0-test',
    model: () => model,
    backend: () => ({ name: 'cpu', provider: 'fake', gpu: false }),
    tensorMemory: () => ({ numBytes: 4096, numTensors: 3 }),
  });
}
