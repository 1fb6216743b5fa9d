/**
 * A first start: the apps open a default project seeded with one held-out dataset per task, on
 * the bundled default model, and every seeded item fits that model's tokenizer. Reopening does not
 * seed again.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDefaultServices } from '../../src/main/api/defaultServices';
import { ApiRouter } from '../../src/main/api/router';
import { validateDataset, type TaskItem } from '../../src/main/datasets';
import { DEFAULT_PROJECT_DATASET_SIZE } from '../../src/main/api/project/projectManager';
import { fromStoredItem } from '../../src/main/api/project/taskItems';
import { ProjectStore } from '../../src/main/store';
import { openModel, defaultModelDir } from '../../src/main/services/modelSession';
import { BUNDLED_RECIPES } from '../../src/main/training/defaultRecipe';

const dataDir = mkdtempSync(join(tmpdir(), 'cwb-first-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const RESOURCES = join(import.meta.dirname, '../../resources');

async function startApp(): Promise<{ router: ApiRouter; shutdown: () => Promise<void> }> {
  const services = await createDefaultServices({ appVersion: '0.0.0-test', resourcesDir: RESOURCES, dataDir, seedDefaultProject: true, log: () => undefined });
  return { router: new ApiRouter(services), shutdown: () => services.shutdown() };
}

describe('the default project of a first start', () => {
  it('holds the bundled model and one held-out dataset per task that fits its tokenizer; a restart adds nothing', async () => {
    const first = await startApp();
    const overview = await first.router.invoke('project.current', {});
    // Every bundled model present in resources/ (BUNDLED_RECIPES names them), the loaded default first.
    const bundled = Object.keys(BUNDLED_RECIPES).filter((name) => existsSync(join(RESOURCES, name, 'config.json')));
    expect(bundled[0]).toBe('default-model');
    expect(overview.models.map((m) => m.name)).toEqual(bundled);
    expect(overview.datasets.map((d) => d.name).sort()).toEqual(['comparison', 'ioi', 'latest'].map((t) => `${t} (held-out, ${DEFAULT_PROJECT_DATASET_SIZE})`));
    await first.shutdown();

    const store = ProjectStore.open(join(dataDir, 'default.cwb'));
    const session = await openModel(defaultModelDir());
    try {
      for (const d of store.datasets.list()) {
        const items: TaskItem[] = store.datasets.items(d.id).map((item) => fromStoredItem(item, d.task));
        expect(items).toHaveLength(DEFAULT_PROJECT_DATASET_SIZE);
        expect(items.every((i) => i.meta?.split === 'heldout')).toBe(true);
        expect(validateDataset(items, session.tokenizer)).toEqual([]);
      }
    } finally {
      session.model.dispose();
      store.close();
    }

    const second = await startApp();
    expect((await second.router.invoke('project.current', {})).datasets).toHaveLength(3);
    await second.shutdown();
  });
});
