/**
 * Speed of edge interventions on the bundled model (issue 16's table), each job on the slot path
 * (the default) and on the original hooked path measured in the same run:
 * - ACDC, IOI prompts, tau 0.05 (BENCH_ACDC_SIZES, default "32,200");
 * - circuit evaluation (faithfulness, completeness, minimality) of a 30-edge circuit (the top
 *   EAP edges), 200 prompts.
 * Each row: seconds, forward-equivalents (blocks run / (blocks x prompts)), the speed-up, whether
 * both paths agree (the same ACDC edge set; the same metrics), and the tensor count before and
 * after the job. BENCH_OLD_PATH=0 skips the hooked path (it takes minutes at 200 prompts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { tf } from '../src/main/engine/tf';
import { generate } from '../src/main/datasets';
import { openModel, defaultModelDir } from '../src/main/services/modelSession';
import { encodeTaskItems, type PromptBatch } from '../src/main/analysis/promptBatch';
import type { HookedGPT2 } from '../src/main/engine/model';
import { EdgeRunner, type EdgePath } from '../src/main/circuits/intervene';
import { runAcdc } from '../src/main/circuits/acdc';
import { edgeAttribution } from '../src/main/circuits/eap';
import { completeness, faithfulness, minimality } from '../src/main/circuits/evaluation';
import { selectEdges } from '../src/main/circuits/select';
import { countEdges } from '../src/main/circuits/graph';
import { round } from './harness';

const TAU = 0.05;
const withOldPath = process.env.BENCH_OLD_PATH !== '0';

interface Measured<T> {
  seconds: number;
  forwardEquivalents: number;
  runs: number;
  tensorsBefore: number;
  tensorsAfter: number;
  value: T;
}

/** Build a runner on `path`, run `job` on it, and measure it; the runner's set-up is included. */
async function measure<T>(model: HookedGPT2, batch: PromptBatch, edgePath: EdgePath, job: (r: EdgeRunner) => Promise<T>): Promise<Measured<T>> {
  const tensorsBefore = tf.memory().numTensors;
  const t0 = performance.now();
  const runner = await EdgeRunner.create(model, batch, { path: edgePath });
  try {
    const value = await job(runner);
    return { seconds: round((performance.now() - t0) / 1000), forwardEquivalents: round(runner.forwardEquivalents, 1), runs: runner.runs, tensorsBefore, tensorsAfter: NaN, value };
  } finally {
    runner.dispose();
  }
}

function settle<T>(m: Measured<T>): Omit<Measured<T>, 'value'> {
  const { value: _value, ...rest } = m;
  return { ...rest, tensorsAfter: tf.memory().numTensors };
}

async function ioiBatch(n: number): Promise<{ model: HookedGPT2; batch: PromptBatch; dispose: () => void }> {
  const session = await openModel(defaultModelDir());
  const batch = encodeTaskItems(generate('ioi', { n, seed: 1, split: 'heldout' }), session.tokenizer, session.config);
  return { model: session.model, batch, dispose: () => session.model.dispose() };
}

export async function benchAcdcSpeed(): Promise<Record<string, unknown>> {
  if (!existsSync(path.join(defaultModelDir(), 'config.json'))) return { skipped: 'the bundled model is missing' };
  const sizes = (process.env.BENCH_ACDC_SIZES ?? '32,200').split(',').map(Number);
  const rows: Record<string, unknown> = {};
  for (const n of sizes) {
    const { model, batch, dispose } = await ioiBatch(n);
    try {
      const acdc = (r: EdgeRunner) => runAcdc(r, { tau: TAU });
      const fresh = await measure(model, batch, 'slots', acdc);
      const row: Record<string, unknown> = { prompts: n, tau: TAU, edges: fresh.value.edges, slotPath: settle(fresh) };
      if (withOldPath) {
        const old = await measure(model, batch, 'hooks', acdc);
        row.hookedPath = settle(old);
        row.speedUp = round(old.seconds / fresh.seconds, 1);
        row.sameEdgeSet = Array.from(old.value.mask).join('') === Array.from(fresh.value.mask).join('');
      }
      rows[`ioi${n}`] = row;
    } finally {
      dispose();
    }
  }
  return { model: 'bundled default model', metric: 'logit-diff', ablation: 'corrupted', rows };
}

export async function benchEvaluationSpeed(): Promise<Record<string, unknown>> {
  if (!existsSync(path.join(defaultModelDir(), 'config.json'))) return { skipped: 'the bundled model is missing' };
  const n = Number(process.env.BENCH_EVAL_PROMPTS ?? 200);
  const { model, batch, dispose } = await ioiBatch(n);
  try {
    const eap = await edgeAttribution(model, batch);
    const mask = selectEdges(eap.graph, eap.scores, { topN: 30, prune: false });
    const job = async (r: EdgeRunner) => {
      const f = await faithfulness(r, mask);
      const c = await completeness(r, mask);
      const m = await minimality(r, mask);
      return [f.circuit, f.empty, c.worst, ...m.map((e) => e.drop)];
    };
    const fresh = await measure(model, batch, 'slots', job);
    const row: Record<string, unknown> = { prompts: n, circuitEdges: countEdges(mask), slotPath: settle(fresh) };
    if (withOldPath) {
      const old = await measure(model, batch, 'hooks', job);
      row.hookedPath = settle(old);
      row.speedUp = round(old.seconds / fresh.seconds, 1);
      row.largestDifference = Math.max(...fresh.value.map((v, i) => Math.abs(v - old.value[i])));
    }
    return { model: 'bundled default model', job: 'faithfulness + completeness (10 random, per-layer classes, 3 greedy steps) + minimality', row };
  } finally {
    dispose();
  }
}
