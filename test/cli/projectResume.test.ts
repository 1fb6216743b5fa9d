/**
 * `project resume FILE RUN`: a cancelled ACDC run resumes from its checkpoint in the CLI's own
 * job runner and ends with the circuit an uninterrupted run finds; refusals name the run.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workbenchJobRegistry } from '../../src/main/jobs/handlers';
import { JobRunner } from '../../src/main/jobs';
import { generate } from '../../src/main/datasets';
import { ProjectStore } from '../../src/main/store/index';
import { runCli } from '../helpers/cli';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';

let file: string;
let params: object;
let reference: unknown;
let cancelledRun: number;

const graphOf = (store: ProjectStore, runId: number): unknown => (store.results.listForRun(runId)[0].summary as { circuit: { graph: unknown } }).circuit.graph;

beforeAll(async () => {
  const dir = await makeTmpDir('cwb-cli-resume-');
  const modelDir = await writeTaskModel(path.join(dir, 'model'));
  file = path.join(dir, 'p.cwb');
  params = { modelDir, data: { items: generate('ioi', { n: 6, seed: 4 }) }, tau: 0.02, name: 'resume me' };
  const store = ProjectStore.open(file, { create: true });
  const runner = new JobRunner({ store, registry: workbenchJobRegistry(), progressWriteIntervalMs: 0 });
  try {
    const fresh = await runner.start('circuit.acdc', params).done;
    expect(fresh.status).toBe('done');
    reference = graphOf(store, fresh.id);
    const { runId, done } = runner.start('circuit.acdc', params);
    await new Promise<void>((resolve) => runner.onEvent((e) => e.type === 'progress' && e.runId === runId && e.fraction >= 0.3 && resolve()));
    runner.cancel(runId);
    expect((await done).status).toBe('cancelled');
    expect(store.runs.get(runId).hasCheckpoint).toBe(true);
    cancelledRun = runId;
  } finally {
    await runner.shutdown();
    store.close();
  }
}, 300_000);

afterAll(removeTmpDirs);

describe('project resume', () => {
  it('resumes a cancelled ACDC run from its checkpoint to the uninterrupted circuit', () => {
    const r = runCli(['project', 'resume', file, String(cancelledRun), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ run: { id: cancelledRun, status: 'done', attempts: 2 }, resumedFromCheckpoint: true });
    const store = ProjectStore.open(file);
    try {
      expect(graphOf(store, cancelledRun)).toEqual(reference);
      expect((store.results.listForRun(cancelledRun)[0].summary as { resumedFrom: number }).resumedFrom).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  }, 200_000);

  it('refuses a finished run and a missing one, naming them', () => {
    const done = runCli(['project', 'resume', file, String(cancelledRun)]);
    expect(done.code).not.toBe(0);
    expect(done.stderr).toContain(`run ${cancelledRun} is done`);
    const missing = runCli(['project', 'resume', file, '999']);
    expect(missing.stderr).toContain('there is no run 999');
    const bad = runCli(['project', 'resume', file, 'abc']);
    expect(bad.stderr).toContain('RUN must be a run id');
  });
});
