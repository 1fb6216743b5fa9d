/**
 * ACDC as a job in real worker threads with a real project file: a run cancelled mid-way has no
 * result, and resumed from its checkpoint reaches the circuit of an uninterrupted run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { JobRegistry, JobRunner } from '../../src/main/jobs';
import { registerCircuitJobs, CIRCUIT_JOB_KINDS, type AcdcJobParams } from '../../src/main/jobs/handlers/circuits';
import { ProjectStore, type RunRecord } from '../../src/main/store';
import { writeModelDir } from '../../src/main/loader/modelDir';
import { fixtureTokenizerJson, makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { inductionTask, plantedConfig, plantedParams, PLANTED_EDGES, V } from './planted';
import { ModelGraph } from '../../src/main/circuits/graph';

let dir: string;
let params: AcdcJobParams;

beforeAll(async () => {
  dir = await makeTmpDir();
  const modelDir = path.join(dir, 'planted');
  await writeModelDir(modelDir, { config: plantedConfig(), params: plantedParams(), tokenizerJson: fixtureTokenizerJson(V) });
  params = { modelDir, data: { pairs: inductionTask(120) }, tau: 0.5, maxBatch: 1 };
});
afterAll(removeTmpDirs);

function circuitOf(store: ProjectStore, run: RunRecord): { mask: number[]; summary: Record<string, unknown> } {
  expect(run.status, run.error ?? '').toBe('done');
  const [meta] = store.results.listForRun(run.id);
  return { mask: Array.from(store.results.tensor(meta.id, 'mask').data), summary: meta.summary as Record<string, unknown> };
}

describe('the ACDC job', () => {
  it('cancelled mid-way and resumed from its checkpoint, reaches the circuit of an uninterrupted run', async () => {
    const store = ProjectStore.open(path.join(dir, 'p.cwb'), { create: true });
    const runner = new JobRunner({ store, registry: registerCircuitJobs(new JobRegistry()), progressWriteIntervalMs: 0 });
    try {
      const messages: string[] = [];
      runner.onEvent((e) => void (e.type === 'progress' && e.message && messages.push(e.message)));
      const reference = circuitOf(store, await runner.start(CIRCUIT_JOB_KINDS.acdc, params).done);
      expect(messages.at(-1)).toMatch(/^edges tried \d+, kept 5; 41 of 46 removed$/);
      const g = new ModelGraph({ nLayer: 2, nHead: 2, attnOnly: false });
      const names = reference.mask.flatMap((on, e) => (on ? [g.edgeName(e)] : [])).sort();
      expect(names).toEqual([...PLANTED_EDGES].sort());
      expect((reference.summary.faithfulness as { normalized: number }).normalized).toBeCloseTo(1, 3);

      const { runId, done } = runner.start(CIRCUIT_JOB_KINDS.acdc, params);
      await new Promise<void>((resolve) => runner.onEvent((e) => e.type === 'progress' && e.runId === runId && e.fraction >= 0.15 && resolve()));
      runner.cancel(runId);
      expect((await done).status).toBe('cancelled');
      expect(store.results.listForRun(runId)).toEqual([]);
      const cp = store.runs.checkpoint(runId) as { next: number; done: boolean };
      expect(cp.done).toBe(false);
      expect(cp.next).toBeGreaterThan(0);

      const resumed = circuitOf(store, await runner.resume(runId).done);
      expect(resumed.mask).toEqual(reference.mask);
      expect(resumed.summary.resumedFrom).toBe(cp.next);
      // Both runs end in the same final state: every edge visited, the same counts and metric.
      // Only the step count may differ (the resumed run's steps count from its checkpoint).
      type FinalState = { edgeCount: number; next: number; done: boolean; kept: number; removed: number; skipped: number; tried: number; current: number; steps: number };
      const first = reference.summary.finalState as FinalState;
      const second = resumed.summary.finalState as FinalState;
      expect(first).toMatchObject({ edgeCount: 46, next: 46, done: true, kept: 5 });
      expect(first.removed + first.skipped).toBe(41);
      expect(second).toEqual({ ...first, current: expect.closeTo(first.current, 6), steps: second.steps });
    } finally {
      await runner.shutdown();
      store.close();
    }
  });
});
