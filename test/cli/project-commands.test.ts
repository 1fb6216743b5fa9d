import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectStore } from '../../src/main/store/index';
import { runCli } from '../helpers/cli';
import { makeTmpDir, removeTmpDirs, writeRandomModel, type RandomModel } from '../helpers/hfFixtures';

let model: RandomModel;
let dir: string;

beforeAll(async () => {
  model = await writeRandomModel(await makeTmpDir(), {}, 3);
  dir = await makeTmpDir();
});
afterAll(removeTmpDirs);

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('circuit-workbench project', () => {
  it('new creates a project with the model registered under its content hash; a second new is refused', async () => {
    const file = path.join(dir, 'study.cwb');
    const r = runCli(['project', 'new', file, '--name', 'IOI study', '--model', model.dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const data = r.json as { project: { name: string; schemaVersion: number }; model: { contentHash: string; path: string } };
    expect(data.project.name).toBe('IOI study');
    expect(data.model.path).toBe(model.dir);
    // The hash is over the model's files: the same files hash the same, other weights differently.
    const again = runCli(['project', 'new', path.join(dir, 'other.cwb'), '--model', model.dir, '--json']);
    expect((again.json as typeof data).model.contentHash).toBe(data.model.contentHash);
    const otherModel = await writeRandomModel(await makeTmpDir(), {}, 4);
    const third = runCli(['project', 'new', path.join(dir, 'third.cwb'), '--model', otherModel.dir, '--json']);
    expect((third.json as typeof data).model.contentHash).not.toBe(data.model.contentHash);
    const refused = runCli(['project', 'new', file, '--model', model.dir, '--json']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already exists; open it with "project open"/);
  });

  it('open reports contents and marks runs a dead process left running as interrupted; runs lists them', () => {
    const file = path.join(dir, 'runs.cwb');
    expect(runCli(['project', 'new', file, '--model', model.dir]).code).toBe(0);
    const store = ProjectStore.open(file);
    const done = store.runs.create({ kind: 'logit-lens', params: { n: 8 } });
    store.runs.markRunning(done.id);
    store.runs.complete(done.id, [{ name: 'lens', summary: { mean: 1.5 }, tensors: { values: { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) } } }]);
    const left = store.runs.create({ kind: 'acdc', params: { tau: 0.1 } });
    store.runs.markRunning(left.id);
    store.close(); // closed with a run still marked running, as a killed process would leave it

    const opened = runCli(['project', 'open', file, '--json']);
    expect(opened.code, opened.stderr).toBe(0);
    const o = opened.json as { report: { interruptedRunIds: number[]; check: string }; contents: { runs: number; models: number } };
    expect(o.report.interruptedRunIds).toEqual([left.id]);
    expect(o.report.check).toBe('integrity_check');
    expect(o.contents).toMatchObject({ runs: 2, models: 1 });

    const listed = runCli(['project', 'runs', file, '--json']).json as { runs: { id: number; status: string }[] };
    expect(Object.fromEntries(listed.runs.map((r) => [r.id, r.status]))).toEqual({ [done.id]: 'done', [left.id]: 'interrupted' });
    const onlyDone = runCli(['project', 'runs', file, '--status', 'done', '--json']).json as { runs: unknown[] };
    expect(onlyDone.runs).toHaveLength(1);
    expect(runCli(['project', 'runs', file, '--status', 'finished']).stderr).toMatch(/--status must be one of queued, running, done/);

    // export: the whole project, and a result as CSV and JSON
    const copy = path.join(dir, 'copy.cwb');
    expect(runCli(['project', 'export', file, '--out', copy]).code).toBe(0);
    const reopened = ProjectStore.open(copy);
    expect(reopened.runs.list()).toHaveLength(2);
    const resultId = reopened.results.listForRun(done.id)[0].id;
    reopened.close();
    const csv = path.join(dir, 'lens.csv');
    expect(runCli(['project', 'export', file, '--result', String(resultId), '--out', csv]).code).toBe(0);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(7); // header + 6 values
    expect(lines[6]).toMatch(/values,1,2,6$/);
    const json = path.join(dir, 'lens.json');
    expect(runCli(['project', 'export', file, '--result', String(resultId), '--format', 'json', '--out', json]).code).toBe(0);
    expect(JSON.parse(readFileSync(json, 'utf8')).summary).toEqual({ mean: 1.5 });
  });

  it('a file that is not a project, or a missing file, gets a clear error and is left unchanged', () => {
    const junk = path.join(dir, 'junk.cwb');
    writeFileSync(junk, 'this is not a database, just text that happens to be long enough. '.repeat(20));
    const before = sha(junk);
    const r = runCli(['project', 'open', junk, '--json']);
    expect(r.code).toBe(1);
    expect((r.json as { error: { message: string } }).error.message).toMatch(/not .*SQLite|not a .*project/i);
    expect(sha(junk)).toBe(before);
    const missing = runCli(['project', 'open', path.join(dir, 'nope.cwb')]);
    expect(missing.code).toBe(1);
    expect(existsSync(path.join(dir, 'nope.cwb'))).toBe(false);
  });
});
