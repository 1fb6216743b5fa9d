/**
 * npm run bench: every benchmark, printed as one JSON object. BENCH_ONLY=name,name limits the set.
 * Numbers depend on the machine and the live backend, which is reported alongside.
 */
import os from 'node:os';
import { initBackend } from '../src/main/engine/backend';
import { benchForward, GPT2_SMALL_SHAPE, SMALL_SHAPE } from './forward';
import { benchPatchingDefault, benchPatchingGpt2Small, benchPatchingHeadsIssueCase } from './patching';
import { benchAcdcDefault, benchAttributionGpt2Small } from './circuits';
import { benchAcdcSpeed, benchEvaluationSpeed } from './edgeSpeed';
import { benchLongPromptGpt2Small } from './longPrompt';
import { benchMainThreadStall } from './mainThreadStall';
import { benchViewsGpt2Small } from './views';
import { benchAtpGpt2Small } from './atp';
import { benchTrainingSpeed } from './training';

type Bench = () => Promise<unknown>;

const BENCHES: Record<string, Bench> = {
  forwardSmall: () => benchForward('small (4L, 4H, d128)', SMALL_SHAPE),
  forwardGpt2Small: () => benchForward('GPT-2-small shape (12L, 12H, d768), random weights', GPT2_SMALL_SHAPE),
  patchingHeadsDefault: benchPatchingDefault,
  patchingHeadsGpt2Small: benchPatchingGpt2Small,
  patchingHeadsGpt2SmallIssueCase: benchPatchingHeadsIssueCase,
  acdcDefault: benchAcdcDefault,
  acdcSpeed: benchAcdcSpeed,
  evaluationSpeed: benchEvaluationSpeed,
  longPromptGpt2Small: benchLongPromptGpt2Small,
  attributionGpt2Small: benchAttributionGpt2Small,
  mainThreadStall: benchMainThreadStall,
  viewsGpt2Small: () => benchViewsGpt2Small(),
  atpGpt2Small: benchAtpGpt2Small,
  trainingSpeed: benchTrainingSpeed,
};

async function main(): Promise<void> {
  const backend = await initBackend();
  const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
  const results: Record<string, unknown> = {};
  for (const [name, bench] of Object.entries(BENCHES)) {
    if (only && !only.includes(name)) continue;
    const t0 = performance.now();
    results[name] = await bench();
    console.error(`bench ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 1024 ** 3), node: process.version },
    backend,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    results,
  };
  console.log(JSON.stringify(report, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
