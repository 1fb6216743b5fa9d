/**
 * Circuit discovery benchmarks:
 * - ACDC wall time on the default model (or a random model of its shape until it lands), IOI prompts;
 * - EAP and EAP-IG time and peak tensor memory on a GPT-2-small-shaped random model, all 32,491 edges;
 * - with the default model landed: per task, the ACDC circuit (size, faithfulness) and the EAP-IG
 *   circuit of the same size (faithfulness), the numbers of the README table.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseHfConfig } from '../src/main/engine/config';
import { HookedGPT2 } from '../src/main/engine/model';
import { randomParams } from '../src/main/engine/params';
import { tf } from '../src/main/engine/tf';
import { defaultTokenizerJson, defaultVocabulary, generate, TASK_NAMES } from '../src/main/datasets';
import { tokenizerFromJson } from '../src/main/tokenizer';
import { openModel, defaultModelDir } from '../src/main/services/modelSession';
import { batchFromTokens, encodeTaskItems, type PromptBatch } from '../src/main/analysis/promptBatch';
import { EdgeRunner } from '../src/main/circuits/intervene';
import { runAcdc } from '../src/main/circuits/acdc';
import { edgeAttribution } from '../src/main/circuits/eap';
import { faithfulness } from '../src/main/circuits/evaluation';
import { selectEdges } from '../src/main/circuits/select';
import { countEdges } from '../src/main/circuits/graph';
import { GPT2_SMALL_SHAPE } from './forward';
import { mib, round } from './harness';

/** The default model's architecture over the default vocabulary (as bench/patching.ts). */
const DEFAULT_SHAPE = { n_layer: 3, n_head: 4, n_embd: 64, n_inner: 256, n_positions: 32, prepend_bos: true };
const PROMPTS = Number(process.env.BENCH_CIRCUIT_PROMPTS ?? 32);
const TAU = Number(process.env.BENCH_ACDC_TAU ?? 0.05);

interface Subject {
  label: string;
  model: HookedGPT2;
  batchFor: (task: (typeof TASK_NAMES)[number]) => PromptBatch;
  trained: boolean;
  dispose(): void;
}

async function defaultSubject(): Promise<Subject> {
  const dir = defaultModelDir();
  if (existsSync(path.join(dir, 'config.json'))) {
    const session = await openModel(dir);
    return {
      label: 'default model (resources/default-model)',
      model: session.model,
      batchFor: (task) => encodeTaskItems(generate(task, { n: PROMPTS, seed: 1, split: 'heldout' }), session.tokenizer, session.config),
      trained: true,
      dispose: () => session.model.dispose(),
    };
  }
  const config = parseHfConfig({ ...DEFAULT_SHAPE, vocab_size: defaultVocabulary().length });
  const model = HookedGPT2.fromParams(config, randomParams(config, 1, 0.2));
  const tokenizer = tokenizerFromJson(defaultTokenizerJson());
  return {
    label: 'default-model shape (3L, 4H, d64), random weights: the default model has not landed',
    model,
    batchFor: (task) => encodeTaskItems(generate(task, { n: PROMPTS, seed: 1, split: 'heldout' }), tokenizer, config),
    trained: false,
    dispose: () => model.dispose(),
  };
}

/** ACDC wall time on the default model (IOI); with the trained model, every task plus the EAP-IG circuit of the same size. */
export async function benchAcdcDefault(): Promise<Record<string, unknown>> {
  const subject = await defaultSubject();
  try {
    const tasks = subject.trained ? TASK_NAMES : (['ioi'] as const);
    const perTask: Record<string, unknown> = {};
    for (const task of tasks) {
      const batch = subject.batchFor(task);
      const runner = await EdgeRunner.create(subject.model, batch);
      try {
        const t0 = performance.now();
        const acdc = await runAcdc(runner, { tau: TAU });
        const acdcSeconds = (performance.now() - t0) / 1000;
        const acdcFaith = await faithfulness(runner, acdc.mask);
        const t1 = performance.now();
        const ig = await edgeAttribution(subject.model, batch, { steps: 5 });
        const igSeconds = (performance.now() - t1) / 1000;
        const igMask = selectEdges(runner.graph, ig.scores, { topN: acdc.edges });
        const igFaith = await faithfulness(runner, igMask);
        perTask[task] = {
          prompts: batch.size,
          baseline: runner.baseline,
          totalEdges: runner.graph.edgeCount,
          acdc: { tau: TAU, seconds: round(acdcSeconds), edges: acdc.edges, tried: acdc.state.tried, forwardRuns: runner.runs, faithfulness: round(acdcFaith.ratio, 3), normalizedFaithfulness: round(acdcFaith.normalized, 3) },
          eapIgSameSize: { steps: 5, seconds: round(igSeconds), requested: acdc.edges, edgesAfterPruning: countEdges(igMask), faithfulness: round(igFaith.ratio, 3), normalizedFaithfulness: round(igFaith.normalized, 3) },
        };
      } finally {
        runner.dispose();
      }
    }
    return { model: subject.label, metric: 'logit-diff', ablation: 'corrupted', tasks: perTask };
  } finally {
    subject.dispose();
  }
}

/** EAP and EAP-IG on a GPT-2-small-shaped random model: all edges, time and peak tensor memory. */
export async function benchAttributionGpt2Small(): Promise<Record<string, unknown>> {
  const config = parseHfConfig(GPT2_SMALL_SHAPE);
  const model = HookedGPT2.fromParams(config, randomParams(config, 1));
  const B = Number(process.env.BENCH_EAP_B ?? 8);
  const T = Number(process.env.BENCH_EAP_T ?? 16);
  const steps = Number(process.env.BENCH_EAP_IG_STEPS ?? 5);
  const rows = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (b * 7919 + t * 104729) % config.vocabSize));
  const batch = batchFromTokens(rows.map((clean, b) => {
    const corrupted = clean.map((id, t) => (t === 2 || t === 5 ? (id + 1000 + b) % config.vocabSize : id));
    return { clean, corrupted, correct: clean[2], incorrect: corrupted[2] };
  }));
  try {
    // Peak memory: the wasm heap's high-water mark (it never shrinks) and the process's peak RSS;
    // tf.profile is not used because its per-kernel bookkeeping distorts both time and memory here.
    const heapMiB = (): number | undefined => {
      const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm;
      return wasm ? mib(wasm.HEAPU8.length) : undefined;
    };
    const measure = async (m: number): Promise<Record<string, unknown>> => {
      const t0 = performance.now();
      const r = await edgeAttribution(model, batch, { steps: m, maxGroupRows: B });
      return { seconds: round((performance.now() - t0) / 1000), edges: r.scores.length, passes: r.passes, wasmHeapHighWaterMiB: heapMiB(), peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) };
    };
    return {
      model: 'GPT-2-small shape (12L, 12H, d768), random weights',
      batch: `${B}x${T}`,
      weightsMiB: mib(tf.memory().numBytes),
      wasmHeapBeforeMiB: heapMiB(),
      eap: await measure(0),
      eapIg: { steps, ...(await measure(steps)) },
    };
  } finally {
    model.dispose();
  }
}
