/**
 * A run whose result holds NaN or +-Inf is never stored as done: it fails with a message naming
 * the result and the field (JSON would have stored null and hidden the broken number).
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobRegistry, JobRunner } from '../../src/main/jobs';
import { ProjectStore } from '../../src/main/store';
import { makeTempDir, removeDir } from '../store/helpers';

const fixture = new URL('./fixtures/non-finite.ts', import.meta.url);

describe('non-finite results', () => {
  let dir: string;
  let store: ProjectStore;
  let runner: JobRunner;

  beforeEach(() => {
    dir = makeTempDir();
    store = ProjectStore.open(path.join(dir, 'p.cwb'), { create: true });
    runner = new JobRunner({ store, registry: new JobRegistry().register('non-finite', fixture), progressWriteIntervalMs: 0 });
  });
  afterEach(async () => {
    await runner.shutdown();
    store.close();
    removeDir(dir);
  });

  it.each(['NaN', 'Infinity', '-Infinity'] as const)('%s in a summary field fails the run, naming the result and the field', async (value) => {
    const { runId, done } = runner.start('non-finite', { where: 'summary', value });
    const run = await done;
    expect(run.status).toBe('failed');
    expect(run.error).toContain(`result "lens" field layers[1].logitDiff is ${value === 'Infinity' ? '+Inf' : value === '-Infinity' ? '-Inf' : 'NaN'}`);
    expect(store.results.listForRun(runId)).toEqual([]);
  });

  it('NaN in a result tensor fails the run, naming the tensor and the element', async () => {
    const { runId, done } = runner.start('non-finite', { where: 'tensor', value: 'NaN' });
    const run = await done;
    expect(run.status).toBe('failed');
    expect(run.error).toContain('result "lens" tensor scores holds NaN at element 2');
    expect(store.results.listForRun(runId)).toEqual([]);
  });

  it('finite results are stored as done', async () => {
    const { runId, done } = runner.start('non-finite', { where: 'none', value: 'NaN' });
    expect((await done).status).toBe('done');
    expect(store.results.listForRun(runId).map((r) => r.name)).toEqual(['first', 'lens']);
  });
});
