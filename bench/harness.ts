/** Small timing helpers shared by the benchmarks: warm-up, repeats, median, peak tensor bytes. */
import { tf } from '../src/main/engine/tf';

export interface Timing {
  medianMs: number;
  minMs: number;
  runs: number;
}

/** Time an async body: one warm-up call, then `runs` timed calls; the median is reported. */
export async function time(body: () => Promise<void>, runs = 3): Promise<Timing> {
  await body();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await body();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { medianMs: round(ms[Math.floor(ms.length / 2)]), minMs: round(ms[0]), runs };
}

/** Peak tensor memory (bytes) the backend reports while running a synchronous body. */
export async function peakTensorBytes(body: () => tf.TensorContainer): Promise<number> {
  const info = await tf.profile(() => body());
  tf.dispose(info.result as tf.TensorContainer); // profile hands back what body returned
  return info.peakBytes;
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function mib(bytes: number): number {
  return round(bytes / 1024 ** 2, 1);
}
