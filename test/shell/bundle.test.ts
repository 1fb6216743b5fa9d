/**
 * `npm run build` output (built once by test/setup/buildOnce.ts): the three bundles exist, and a
 * job runs through the bundled worker entry and handler module exactly as from source.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/main/datasets';
import { logitLens } from '../../src/main/analysis';
import { encodeTaskItems } from '../../src/main/analysis/promptBatch';
import { JobRegistry, JobRunner } from '../../src/main/jobs';
import { openModel } from '../../src/main/services/modelSession';
import { ProjectStore } from '../../src/main/store';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';

const OUT = path.resolve(import.meta.dirname, '../../out');

afterAll(removeTmpDirs);

describe('the built bundles', () => {
  it('has main (with the job worker and handlers beside it), preload and renderer outputs', () => {
    for (const file of ['main/index.js', 'main/worker-entry.js', 'main/analysis.js', 'main/circuits.js', 'main/circuitTools.js', 'preload/index.cjs', 'renderer/index.html']) {
      expect(existsSync(path.join(OUT, file)), file).toBe(true);
    }
    expect(readFileSync(path.join(OUT, 'renderer/index.html'), 'utf8')).toMatch(/http-equiv="Content-Security-Policy"/);
  });

  it('runs an analysis job through the bundled worker entry and gives the same result as the source', async () => {
    const dir = await makeTmpDir();
    const modelDir = await writeTaskModel(path.join(dir, 'model'));
    const items = generate('ioi', { n: 4, seed: 3 });
    const store = ProjectStore.open(path.join(dir, 'p.cwb'), { create: true });
    const runner = new JobRunner({
      store,
      registry: new JobRegistry().register('logit-lens', pathToFileURL(path.join(OUT, 'main/analysis.js')), 'logitLensJob'),
      workerEntry: { spec: pathToFileURL(path.join(OUT, 'main/worker-entry.js')) },
    });
    try {
      const { runId, done } = runner.start('logit-lens', { modelDir, items });
      const run = await done;
      expect(run.status, run.error ?? '').toBe('done');
      const bundled = store.results.listForRun(runId)[0].summary as unknown as { mean: number[] };
      const session = await openModel(modelDir);
      const fromSource = await logitLens(session.model, encodeTaskItems(items, session.tokenizer, session.config));
      session.model.dispose();
      expect(bundled.mean).toEqual(fromSource.mean);
    } finally {
      await runner.shutdown();
      store.close();
    }
  });
});
