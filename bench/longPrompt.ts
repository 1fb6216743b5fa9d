/**
 * One prompt of the full context (1024 tokens) on the GPT-2-small shape (random weights): the
 * forward's time, the wasm heap's high-water mark (it never shrinks, so it is the peak) and the
 * process's peak RSS. Before per-block scopes a 768-token prompt aborted at 4.4 GB.
 * BENCH_LONG_T sets the length.
 */
import { parseHfConfig } from '../src/main/engine/config';
import { HookedGPT2 } from '../src/main/engine/model';
import { randomParams } from '../src/main/engine/params';
import { tf } from '../src/main/engine/tf';
import { GPT2_SMALL_SHAPE } from './forward';
import { mib, round } from './harness';

export async function benchLongPromptGpt2Small(): Promise<Record<string, unknown>> {
  const config = parseHfConfig(GPT2_SMALL_SHAPE);
  const T = Number(process.env.BENCH_LONG_T ?? config.nCtx);
  const model = HookedGPT2.fromParams(config, randomParams(config, 1));
  const heapMiB = (): number | undefined => {
    const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm;
    return wasm ? mib(wasm.HEAPU8.length) : undefined;
  };
  try {
    const tokens = [Array.from({ length: T }, (_, t) => (t * 7919) % config.vocabSize)];
    const before = tf.memory().numTensors;
    const heapBefore = heapMiB();
    const t0 = performance.now();
    const logits = model.forward(tokens, 'last'); // [1, V]
    const values = await logits.data();
    logits.dispose();
    return {
      model: 'GPT-2-small shape (12L, 12H, d768), random weights',
      tokens: T,
      seconds: round((performance.now() - t0) / 1000),
      finiteLogits: values.every(Number.isFinite),
      wasmHeapBeforeMiB: heapBefore,
      wasmHeapHighWaterMiB: heapMiB(),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      tensorsBefore: before,
      tensorsAfter: tf.memory().numTensors,
    };
  } finally {
    model.dispose();
  }
}
