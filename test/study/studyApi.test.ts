/**
 * study.run through the API router on the real services (a small random GPT-2 loaded as the
 * workbench model, the default project in a temp data folder): the job streams progress, writes
 * the report, and the project's runs list then holds the study run and one run per section.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultServices, type DefaultServices } from '../../src/main/api/defaultServices';
import { ApiRouter } from '../../src/main/api/router';
import { DEFAULT_PARAMS, STUDY_JOB_KIND, STUDY_SECTION_RUN_KIND } from '../../src/main/study/plan';
import type { StudyDocument } from '../../src/main/study/run';
import { MODEL_SECTIONS } from '../../src/main/study/sections';
import type { Progress } from '../../src/shared/api/protocol';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';

let services: DefaultServices;
let router: ApiRouter;
let dir: string;

beforeAll(async () => {
  dir = await makeTmpDir('cwb-study-api-');
  const modelDir = await writeTaskModel(path.join(dir, 'api-model'), 9);
  services = await createDefaultServices({ appVersion: '0.0.0-test', modelDir, dataDir: path.join(dir, 'data'), log: () => undefined });
  router = new ApiRouter(services);
});
afterAll(async () => {
  await services?.shutdown();
  await removeTmpDirs();
});

describe('study.run', () => {
  it('runs the study on the loaded model as a job and records it with its section runs in the project', async () => {
    const outDir = path.join(dir, 'study');
    const progress: Progress[] = [];
    const outcome = await router.invoke('study.run', { task: 'latest', outDir, n: 4, seed: 2, params: { topHeads: 2, acdcTau: 0.1 } }, { onProgress: (p) => progress.push(p) });
    expect(outcome.run.status).toBe('done');
    expect(outcome.report).toBe(path.join(outDir, 'report.html'));
    expect(existsSync(outcome.report)).toBe(true);
    const doc = JSON.parse(readFileSync(outcome.studyJson, 'utf8')) as StudyDocument;
    expect(doc.plan.task).toBe('latest');
    expect(doc.plan.params.n).toBe(4);
    expect([doc.plan.params.topHeads, doc.plan.params.acdcTau, doc.plan.params.romeSteps]).toEqual([2, 0.1, DEFAULT_PARAMS.romeSteps]); // given, given, default
    expect(doc.plan.models.map((m) => m.label)).toEqual(['api-model']);
    expect(doc.sections.map((s) => s.kind)).toEqual([...MODEL_SECTIONS.map((s) => s.kind), 'predictions']);
    // Progress went through every section, in order of the job's fraction.
    const done = progress.map((p) => p.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    for (const s of MODEL_SECTIONS) expect(progress.some((p) => p.message === `api-model: ${s.kind}`), s.kind).toBe(true);
    const { runs } = await router.invoke('run.list', {});
    const kinds = new Map(runs.map((r) => [r.id, r.kind]));
    expect(kinds.get(outcome.run.id)).toBe(STUDY_JOB_KIND);
    expect(outcome.sectionRunIds).toHaveLength(doc.sections.length);
    for (const id of outcome.sectionRunIds) expect(kinds.get(id)).toBe(STUDY_SECTION_RUN_KIND);

    // "Run again" (run.rerun) is a study too: the new run gets its own section runs, naming it
    const again = await router.invoke('run.rerun', { runId: outcome.run.id });
    expect(again.run.status).toBe('done');
    const after = (await router.invoke('run.list', {})).runs.filter((r) => r.kind === STUDY_SECTION_RUN_KIND).sort((a, b) => a.id - b.id);
    const ofAgain = after.filter((r) => (r.options as { studyRunId?: number }).studyRunId === again.run.id);
    expect(ofAgain.map((r) => (r.options as { section: string }).section)).toEqual(doc.sections.map((s) => s.kind));
    expect(after.filter((r) => (r.options as { studyRunId?: number }).studyRunId === outcome.run.id).map((r) => r.id)).toEqual(outcome.sectionRunIds);
  });

  it('refuses a model folder that is not one, naming it', async () => {
    const bad = path.join(dir, 'nothing-here');
    await expect(router.invoke('study.run', { task: 'latest', outDir: path.join(dir, 'refused'), modelDirs: [bad] })).rejects.toThrow(bad);
    expect(existsSync(path.join(dir, 'refused'))).toBe(false);
  });

  it("refuses a corruption the task does not have, naming the task's own", async () => {
    const out = path.join(dir, 'refused-corruption');
    await expect(router.invoke('study.run', { task: 'ioi', outDir: out, corruption: 'premise' })).rejects.toThrow(/params\.corruption must be one of abc, abc-s2, swap for task ioi/);
    expect(existsSync(out)).toBe(false);
  });
});
