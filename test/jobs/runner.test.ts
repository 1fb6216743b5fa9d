import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { JobRegistry, JobRunner, JobStateError, UnknownJobKindError, type JobEvent } from '../../src/main/jobs';
import { ProjectStore } from '../../src/main/store';
import { makeTempDir, removeDir } from '../store/helpers';

const fixture = (name: string) => new URL(`./fixtures/${name}.ts`, import.meta.url);

function registry(): JobRegistry {
  return new JobRegistry()
    .register('counting', fixture('counting'))
    .register('failing', fixture('failing'), 'failing')
    .register('stubborn', fixture('stubborn'))
    .register('missing-export', fixture('counting'), 'nope');
}

describe('JobRunner with real worker threads', () => {
  let dir: string;
  let store: ProjectStore;
  let runner: JobRunner;
  let events: JobEvent[];

  beforeEach(() => {
    dir = makeTempDir();
    store = ProjectStore.open(path.join(dir, 'p.cwb'), { create: true });
    runner = new JobRunner({ store, registry: registry(), cancelGraceMs: 400, progressWriteIntervalMs: 0 });
    events = [];
    runner.onEvent((e) => events.push(e));
  });

  afterEach(async () => {
    await runner.shutdown();
    store.close();
    removeDir(dir);
  });

  it('runs a job to done: progress events, result tensors and status written together', async () => {
    const { runId, done } = runner.start('counting', { steps: 8 }, { modelHash: 'm1', datasetHash: 'd1', backend: 'cpu' });
    const run = await done;
    expect(run.error).toBeNull();
    expect(run.status).toBe('done');
    expect(run.progress).toBe(1);
    expect(run.attempts).toBe(1);
    expect(run.hasCheckpoint).toBe(false);
    expect([run.modelHash, run.datasetHash, run.backend]).toEqual(['m1', 'd1', 'cpu']);
    expect(Date.parse(run.endedAt as string)).toBeGreaterThanOrEqual(Date.parse(run.startedAt as string));
    const fractions = events.filter((e) => e.type === 'progress' && e.runId === runId).map((e) => (e as { fraction: number }).fraction);
    expect(fractions).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => i / 8));
    expect(events.filter((e) => e.type === 'status').map((e) => (e as { status: string }).status)).toEqual(['queued', 'running', 'done']);
    const [meta] = store.results.listForRun(runId);
    expect(meta.name).toBe('counting');
    expect(meta.summary).toEqual({ count: 8, resumedFrom: 0 });
    const result = store.results.get(meta.id);
    expect(Array.from(result.tensors.get('values')!.data)).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]);
    expect(result.tensors.get('grid')!.shape).toEqual([2, 4]);
  });

  it('a failing handler leaves status failed, its error text, and no result', async () => {
    const { runId, done } = runner.start('failing', { failAt: 3 });
    const run = await done;
    expect(run.status).toBe('failed');
    expect(run.error).toContain('deliberate failure at step 3');
    expect(store.results.listForRun(runId)).toEqual([]);
  });

  it('a handler module without the named export fails with a message naming it', async () => {
    const run = await runner.start('missing-export', { steps: 1 }).done;
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/no function export "nope"/);
  });

  it('cancellation stops the handler, writes status cancelled and no partial result, keeps the checkpoint', async () => {
    const { runId, done } = runner.start('counting', { steps: 400, delayMs: 5 });
    await new Promise<void>((resolve) => runner.onEvent((e) => e.type === 'progress' && e.runId === runId && e.fraction >= 0.05 && resolve()));
    expect(runner.cancel(runId)).toBe(true);
    const run = await done;
    expect(run.status).toBe('cancelled');
    expect(run.progress).toBeLessThan(1);
    expect(store.results.listForRun(runId)).toEqual([]);
    expect(store.connection.prepare('SELECT COUNT(*) AS n FROM result_tensors').get()).toEqual({ n: 0 });
    const cp = store.runs.checkpoint(runId) as { next: number };
    expect(cp.next).toBeGreaterThanOrEqual(20);
    expect(cp.next).toBeLessThan(400);
  });

  it('a handler that ignores cancellation is terminated after the grace period, with no result', async () => {
    const { runId, done } = runner.start('stubborn', { ms: 20_000 });
    await new Promise<void>((resolve) => runner.onEvent((e) => e.type === 'progress' && e.runId === runId && resolve()));
    const t0 = performance.now();
    runner.cancel(runId);
    const run = await done;
    const waited = performance.now() - t0;
    expect(run.status).toBe('cancelled');
    expect(waited).toBeGreaterThanOrEqual(350);
    expect(waited).toBeLessThan(5000);
    expect(store.results.listForRun(runId)).toEqual([]);
  });

  it('a queued run cancelled before it starts never runs', async () => {
    const first = runner.start('counting', { steps: 20, delayMs: 5 });
    const second = runner.start('counting', { steps: 4 });
    expect(runner.cancel(second.runId)).toBe(true);
    const [a, b] = await Promise.all([first.done, second.done]);
    expect(a.status).toBe('done');
    expect(b.status).toBe('cancelled');
    expect(b.attempts).toBe(0);
    expect(store.results.listForRun(second.runId)).toEqual([]);
  });

  it('refuses an unknown kind before recording a run, and refuses to resume a finished run', async () => {
    expect(() => runner.start('nope', {})).toThrow(UnknownJobKindError);
    expect(store.runs.list()).toEqual([]);
    const run = await runner.start('counting', { steps: 2 }).done;
    expect(() => runner.resume(run.id)).toThrow(JobStateError);
    expect(() => runner.resume(run.id)).toThrow(/is done; only interrupted or cancelled/);
  });
});
