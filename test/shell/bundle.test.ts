/**
 * `npm run build` output (built once by test/setup/buildOnce.ts): every module the job registry
 * can load is a bundle output that imports and has the registered export; a job runs through the
 * bundled worker entry and handler module exactly as from source.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/main/datasets';
import { logitLens } from '../../src/main/analysis';
import { encodeTaskItems } from '../../src/main/analysis/promptBatch';
import { JobRegistry, JobRunner } from '../../src/main/jobs';
import { workbenchJobRegistry } from '../../src/main/jobs/handlers';
import { POOL_WORKER_ENTRIES, WORKER_ENTRY } from '../../src/main/jobs/handlers/modules';
import { openModel } from '../../src/main/services/modelSession';
import { ProjectStore } from '../../src/main/store';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';

const OUT = path.resolve(import.meta.dirname, '../../out');

afterAll(removeTmpDirs);

/** Each registered kind with the bundle output its handler module becomes (`<name>.ts` -> out/main/<name>.js). */
function registeredOutputs(): { kind: string; output: string; exportName: string }[] {
  const registry = workbenchJobRegistry();
  return registry.kinds().map((kind) => {
    const ref = registry.get(kind);
    const name = path.basename(fileURLToPath(ref.module)).replace(/\.ts$/, '');
    return { kind, output: path.join(OUT, 'main', `${name}.js`), exportName: ref.exportName };
  });
}

describe('the built bundles', () => {
  it('has main, the job worker entry, the pool worker entries, preload and renderer outputs', () => {
    const poolWorkers = Object.keys(POOL_WORKER_ENTRIES).map((name) => `main/${name}.js`);
    for (const file of ['main/index.js', `main/${WORKER_ENTRY}.js`, ...poolWorkers, 'preload/index.cjs', 'renderer/index.html']) {
      expect(existsSync(path.join(OUT, file)), file).toBe(true);
    }
    expect(readFileSync(path.join(OUT, 'renderer/index.html'), 'utf8')).toMatch(/http-equiv="Content-Security-Policy"/);
  });

  it('has every handler module the job registry names, each importing with the registered export', async () => {
    const outputs = registeredOutputs();
    expect(outputs.length).toBeGreaterThan(0);
    for (const { kind, output, exportName } of outputs) {
      expect(existsSync(output), `${kind}: ${output}`).toBe(true);
      const mod = (await import(pathToFileURL(output).href)) as Record<string, unknown>;
      expect(typeof mod[exportName], `${kind}: ${path.basename(output)} export ${exportName}`).toBe('function');
    }
  });

  it('runs an analysis job through the bundled worker entry and gives the same result as the source', async () => {
    const dir = await makeTmpDir();
    const modelDir = await writeTaskModel(path.join(dir, 'model'));
    const items = generate('ioi', { n: 4, seed: 3 });
    const store = ProjectStore.open(path.join(dir, 'p.cwb'), { create: true });
    const runner = new JobRunner({
      store,
      registry: new JobRegistry().register('logit-lens', pathToFileURL(path.join(OUT, 'main/analysis.js')), 'logitLensJob'),
      workerEntry: { spec: pathToFileURL(path.join(OUT, `main/${WORKER_ENTRY}.js`)) },
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
