/**
 * The ROME edit as a job in a real worker thread with a real project file: the result carries
 * the edit's factors in the layout the project's edits use (so it becomes an edit and an edited
 * model directly) and the key second moment it computed.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../src/main/jobs';
import { workbenchJobRegistry } from '../../src/main/jobs/handlers';
import { EDITING_JOB_KINDS, type RomeJobParams } from '../../src/main/jobs/handlers/editing';
import { ProjectStore } from '../../src/main/store';
import { loadEdit } from '../../src/main/editing/projectEdits';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';

let dir: string;
let modelDir: string;
beforeAll(async () => {
  dir = await makeTmpDir('cwb-edit-job-');
  modelDir = await writeTaskModel(path.join(dir, 'base'));
});
afterAll(removeTmpDirs);

describe('the ROME job', () => {
  it('returns the edit\'s factors and the key moment; the factors load back as a project edit', async () => {
    const store = ProjectStore.open(path.join(dir, 'p.cwb'), { create: true });
    const runner = new JobRunner({ store, registry: workbenchJobRegistry(), progressWriteIntervalMs: 0 });
    try {
      const messages: string[] = [];
      runner.onEvent((e) => void (e.type === 'progress' && e.message && messages.push(e.message)));
      const params: RomeJobParams = { modelDir, prompt: 'Mary likes the cat', subject: 'cat', target: ' park', layer: 'auto' };
      const run = await runner.start(EDITING_JOB_KINDS.rome, params).done;
      expect(run.status, run.error ?? '').toBe('done');
      expect(messages.some((m) => /Causal tracing/.test(m))).toBe(true);
      expect(messages.some((m) => /Optimising v\*/.test(m))).toBe(true);
      const results = store.results.listForRun(run.id);
      expect(results.map((r) => r.name)).toEqual(['edit', 'key-moment']);
      const summary = results[0].summary as { layer: number; metrics: { efficacy: boolean } };
      expect(summary.metrics.efficacy).toBe(true);
      const record = store.results.get(results[0].id);
      expect([...record.tensors.keys()].sort()).toEqual([`h.${summary.layer}.mlp.c_proj.weight#0.u`, `h.${summary.layer}.mlp.c_proj.weight#0.v`]);
      const base = store.models.add({ name: 'base', path: modelDir, contentHash: 'ab'.repeat(32), config: {} });
      const edit = store.edits.create({ modelId: base.id, name: 'from job', spec: summary as never, deltas: Object.fromEntries(record.tensors), runId: run.id });
      expect(loadEdit(store, edit.id).deltas[0].param).toBe(`h.${summary.layer}.mlp.c_proj.weight`);
      expect(store.results.getMeta(results[1].id).tensors[0]).toMatchObject({ name: 'C', shape: [128, 128] });
    } finally {
      await runner.shutdown();
      store.close();
    }
  }, 120_000);
});
