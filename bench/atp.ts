/**
 * AtP* against exact head patching on the GPT-2-small shape (random weights), 8 prompts of 15
 * tokens, in the same run: forward-equivalents (src/shared/metrics/forwardEquivalents.ts) and
 * wall time of each, and how many of the exact top-10 heads (by |effect|) AtP* recovers after
 * verifying its own top 10 exactly (and, for reference, by its estimates alone).
 */
import { parseHfConfig } from '../src/main/engine/config';
import { HookedGPT2 } from '../src/main/engine/model';
import { randomParams } from '../src/main/engine/params';
import { tf } from '../src/main/engine/tf';
import { activationPatching, batchFromTokens } from '../src/main/analysis';
import { attributionPatching } from '../src/main/analysis/attribution/atpStar';
import { GPT2_SMALL_SHAPE } from './forward';
import { round } from './harness';

const PROMPTS = 8;
const T = 15;
const TOP = 10;

const topBy = (xs: readonly number[], n: number): number[] => xs.map((_, i) => i).sort((a, b) => Math.abs(xs[b]) - Math.abs(xs[a]) || a - b).slice(0, n);

export async function benchAtpGpt2Small(): Promise<Record<string, unknown>> {
  const config = parseHfConfig(GPT2_SMALL_SHAPE);
  // std 0.1 (GPT-2's init is 0.02): random weights whose heads differ enough for a top 10 to mean something.
  const model = HookedGPT2.fromParams(config, randomParams(config, 1, 0.1));
  const V = config.vocabSize;
  const pairs = Array.from({ length: PROMPTS }, (_, b) => {
    const clean = Array.from({ length: T }, (_, t) => (b * 7919 + t * 104729) % V);
    const corrupted = clean.map((id, t) => (t === 2 || t === 9 ? (id + 1 + 13 * b) % V : id));
    return { clean, corrupted, correct: clean[2], incorrect: corrupted[2] };
  });
  const batch = batchFromTokens(pairs);
  try {
    const tensorsBefore = tf.memory().numTensors;
    // warm-up: kernels and heap sizes for forward and backward passes
    await attributionPatching(model, batchFromTokens(pairs.slice(0, 1)), { target: 'heads', verifyTop: 1, gradDrop: false });

    let t0 = performance.now();
    const exact = await activationPatching(model, batch, { target: 'heads', direction: 'denoise' });
    const exactMs = performance.now() - t0;
    t0 = performance.now();
    const atp = await attributionPatching(model, batch, { target: 'heads', direction: 'denoise', verifyTop: TOP });
    const atpMs = performance.now() - t0;
    const tensorsAfter = tf.memory().numTensors;

    const effects = exact.raw.map((v) => v - exact.baseline.corrupted);
    const exactTop = new Set(topBy(effects, TOP));
    const verified = atp.attribution.verified.map((v) => v.cell);
    const estimateTop = topBy(atp.attribution.estimate, TOP);
    const maxVerifiedDiff = Math.max(...atp.attribution.verified.map((v) => Math.abs(v.exact - effects[v.cell])));
    const cost = atp.attribution.forwardEquivalents;
    return {
      model: 'GPT-2-small shape (12L, 12H, d768), random weights (std 0.1)',
      prompts: `${PROMPTS} x ${T} tokens, differing at positions 2 and 9`,
      cells: exact.values.length,
      forwardEquivalents: {
        atpStar: round(cost.total),
        atpStarEstimation: round(cost.estimation),
        atpStarVerification: round(cost.verification),
        exactAllHeads: round(cost.exactAll),
        convention: cost.convention,
      },
      msExactAllHeads: round(exactMs),
      msAtpStarWithVerification: round(atpMs),
      wallSpeedup: round(exactMs / atpMs),
      exactTop10RecoveredAfterVerification: verified.filter((c) => exactTop.has(c)).length,
      exactTop10InAtpEstimateTop10: estimateTop.filter((c) => exactTop.has(c)).length,
      verifiedEqualsExactRunMaxAbsDiff: maxVerifiedDiff,
      boundOnSkippedNormalised: round(atp.attribution.bound.normalised, 4),
      largestExactEffectNormalised: round(Math.max(...exact.values.map((v) => Math.abs(v))), 4),
      tensorsLeaked: tensorsAfter - tensorsBefore,
    };
  } finally {
    model.dispose();
  }
}
