import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { JobRegistry, JobRunner } from '../../src/main/jobs';
import { ProjectStore, type RunRecord } from '../../src/main/store';
import { makeTempDir, removeDir } from '../store/helpers';
import { spawnTsx, waitForExit, waitForLine } from '../store/fixtures/child';
import type { GreedyParams } from './fixtures/greedy-prune';

const PARAMS: GreedyParams = { edges: 40, seed: 7, tau: 0.08, stepDelayMs: 15 };
const registry = () => new JobRegistry().register('greedy-prune', new URL('./fixtures/greedy-prune.ts', import.meta.url));

interface Outcome {
  mask: number[];
  summary: { kept: number; metric: number; startedAt: number; evaluated: number };
}

function outcome(store: ProjectStore, run: RunRecord): Outcome {
  expect(run.status).toBe('done');
  const [meta] = store.results.listForRun(run.id);
  return { mask: Array.from(store.results.tensor(meta.id, 'mask').data), summary: meta.summary as Outcome['summary'] };
}

describe('resuming an ACDC-like greedy search from its checkpoint', () => {
  let dir: string;
  let file: string;
  let store: ProjectStore;
  let runner: JobRunner;
  let reference: Outcome;

  beforeEach(async () => {
    dir = makeTempDir();
    file = path.join(dir, 'p.cwb');
    store = ProjectStore.open(file, { create: true });
    runner = new JobRunner({ store, registry: registry(), progressWriteIntervalMs: 0 });
    reference = outcome(store, await runner.start('greedy-prune', { ...PARAMS }).done);
    // The search prunes some edges and keeps others: a resume that skipped or redid decisions would show.
    expect(reference.summary.kept).toBeGreaterThan(5);
    expect(reference.summary.kept).toBeLessThan(PARAMS.edges - 5);
    expect(reference.summary.evaluated).toBe(PARAMS.edges);
  });

  afterEach(async () => {
    await runner.shutdown();
    if (store.isOpen) store.close();
    removeDir(dir);
  });

  it('a cancelled run has no result, and resumed from its checkpoint reaches the uninterrupted circuit', async () => {
    const { runId, done } = runner.start('greedy-prune', { ...PARAMS });
    await new Promise<void>((resolve) => runner.onEvent((e) => e.type === 'progress' && e.runId === runId && e.fraction >= 0.4 && resolve()));
    runner.cancel(runId);
    const cancelled = await done;
    expect(cancelled.status).toBe('cancelled');
    expect(store.results.listForRun(runId)).toEqual([]);
    const cp = store.runs.checkpoint(runId) as { next: number };
    expect(cp.next).toBeGreaterThanOrEqual(16);
    expect(cp.next).toBeLessThan(PARAMS.edges);

    const resumed = outcome(store, await runner.resume(runId).done);
    expect(resumed.mask).toEqual(reference.mask);
    expect(resumed.summary.metric).toBe(reference.summary.metric);
    expect(resumed.summary.startedAt).toBe(cp.next);
    expect(resumed.summary.evaluated).toBe(PARAMS.edges - cp.next);
    expect(store.runs.get(runId).attempts).toBe(2);
  });

  it('a run whose process was killed is interrupted on the next open, and resumes to the same circuit', async () => {
    await runner.shutdown();
    store.close();
    const child = spawnTsx('test/jobs/fixtures/greedy-child.ts', [file, JSON.stringify(PARAMS)]);
    const [, runIdText] = await waitForLine(child, /^progress (\d+) (0\.[4-9]\d*)/);
    child.kill('SIGKILL');
    await waitForExit(child);
    const runId = Number(runIdText);

    store = ProjectStore.open(file);
    runner = new JobRunner({ store, registry: registry(), progressWriteIntervalMs: 0 });
    expect(store.report.interruptedRunIds).toEqual([runId]);
    const interrupted = store.runs.get(runId);
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.error).toMatch(/exited before it finished/);
    expect(store.results.listForRun(runId)).toEqual([]);
    const cp = store.runs.checkpoint(runId) as { next: number };
    expect(cp.next).toBeGreaterThanOrEqual(16);

    const resumed = outcome(store, await runner.resume(runId).done);
    expect(resumed.mask).toEqual(reference.mask);
    expect(resumed.summary.metric).toBe(reference.summary.metric);
    expect(resumed.summary.startedAt).toBe(cp.next);
  });
});
