/**
 * Measures which GPT-2 sizes fit the wasm backend's 4 GiB heap: uploads zero weights of the
 * official shapes and runs one forward (1 x 16 tokens, last position). One size per process,
 * since a wasm out-of-memory leaves the backend unusable. Usage: tsx bench/wasmLimit.ts SIZE
 */
import { initBackend } from '../src/main/engine/backend';
import { parseHfConfig } from '../src/main/engine/config';
import { HookedGPT2 } from '../src/main/engine/model';
import { expectedParamShapes, parameterCount, type ParamDict } from '../src/main/engine/params';
import { tf } from '../src/main/engine/tf';

export const OFFICIAL_GPT2: Record<string, { n_layer: number; n_head: number; n_embd: number }> = {
  small: { n_layer: 12, n_head: 12, n_embd: 768 },
  medium: { n_layer: 24, n_head: 16, n_embd: 1024 },
  large: { n_layer: 36, n_head: 20, n_embd: 1280 },
  xl: { n_layer: 48, n_head: 25, n_embd: 1600 },
  /** Just under the limit the engine enforces on wasm (1.75 GiB of fp32 weights). */
  'probe-1.6GiB': { n_layer: 30, n_head: 16, n_embd: 1024 },
};

async function main(size: string): Promise<void> {
  await initBackend('wasm');
  const config = parseHfConfig({ ...OFFICIAL_GPT2[size], n_positions: 1024, vocab_size: 50257 });
  const params: ParamDict = new Map();
  for (const [name, shape] of expectedParamShapes(config)) params.set(name, { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.01) });
  const result: Record<string, unknown> = { size, parameters: parameterCount(config), fp32GiB: +((parameterCount(config) * 4) / 1024 ** 3).toFixed(2) };
  try {
    const model = HookedGPT2.fromParams(config, params);
    params.clear();
    result.uploaded = true;
    const t0 = performance.now();
    const logits = model.forward([Array.from({ length: 16 }, (_, i) => i)], 'last');
    await logits.data();
    result.forwardMs = Math.round(performance.now() - t0);
    result.forwardOk = true;
    result.tensorGiB = +(tf.memory().numBytes / 1024 ** 3).toFixed(2);
  } catch (err) {
    result.error = String(err).slice(0, 160);
  }
  console.log(JSON.stringify(result));
}

main(process.argv[2] ?? 'medium');
