/**
 * model.add, the operation behind the app's "Add model": a Hugging Face id is looked up in the
 * cache and only downloaded (from a local fake hub) when the caller says so; the model is then
 * registered in the project once per content hash and loaded. A folder path adds a folder.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultServices, type DefaultServices } from '../../src/main/api/defaultServices';
import { ApiRouter } from '../../src/main/api/router';
import { ApiError } from '../../src/shared/api/errors';
import type { Progress } from '../../src/shared/api/protocol';
import { FakeHub, repoFromFolder } from '../helpers/fakeHub';
import { makeTmpDir, removeTmpDirs, writeRandomModel } from '../helpers/hfFixtures';

let hub: FakeHub;
let services: DefaultServices;
let router: ApiRouter;
let hubSource: string;
let folderModel: string;

beforeAll(async () => {
  hub = new FakeHub();
  const endpoint = await hub.start();
  hubSource = await makeTmpDir('cwb-add-hub-');
  await writeRandomModel(hubSource, { n_layer: 3 }, 11);
  hub.repos.set('org/tiny', await repoFromFolder(hubSource));
  folderModel = await makeTmpDir('cwb-add-folder-');
  await writeRandomModel(folderModel, { n_layer: 1 }, 12);
  const start = await makeTmpDir('cwb-add-start-');
  await writeRandomModel(start, {}, 13);
  const cache = await makeTmpDir('cwb-add-cache-');
  services = await createDefaultServices({
    appVersion: '0.0.0-add',
    modelDir: start,
    dataDir: await makeTmpDir('cwb-add-data-'),
    env: { HF_ENDPOINT: endpoint, HF_HUB_CACHE: cache, HF_HOME: join(cache, 'home') },
    log: () => undefined,
  });
  router = new ApiRouter(services);
});

afterAll(async () => {
  await services?.shutdown();
  await hub?.stop();
  await removeTmpDirs();
});

describe('model.add', () => {
  it('answers not_found for a model missing from the cache and requests nothing without consent', async () => {
    const error = await router.invoke('model.add', { id: 'org/tiny' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('not_found');
    expect((error as ApiError).message).toMatch(/not complete in the Hugging Face cache/);
    expect(hub.log).toEqual([]);
  });

  it('with download: true fetches it with progress, registers it and loads it', async () => {
    const progress: Progress[] = [];
    const { model } = await router.invoke('model.add', { id: 'org/tiny', download: true }, { onProgress: (p) => progress.push(p) });
    expect(model).toMatchObject({ name: 'org/tiny', loaded: true });
    expect(progress.some((p) => p.message?.startsWith('Downloading '))).toBe(true);
    expect(progress.at(-1)).toMatchObject({ done: progress.at(-1)!.total, message: 'Loaded org/tiny' });
    const info = await router.invoke('model.info', {});
    expect(info).toMatchObject({ name: 'org/tiny', config: { nLayer: 3 } });
    const overview = await router.invoke('project.current', {});
    expect(overview.models.filter((m) => m.name === 'org/tiny')).toHaveLength(1);
  });

  it('adding the same model again loads the existing entry from the cache with no request', async () => {
    const before = (await router.invoke('project.current', {})).models.length;
    hub.log.length = 0;
    const { model } = await router.invoke('model.add', { id: 'org/tiny' });
    expect(hub.log).toEqual([]);
    expect((await router.invoke('project.current', {})).models.length).toBe(before);
    expect(model.name).toBe('org/tiny');
  });

  it('adds a model folder by path, and wants exactly one of path and id', async () => {
    const { model } = await router.invoke('model.add', { path: folderModel });
    expect(model).toMatchObject({ loaded: true, name: folderModel.split('/').pop() });
    expect((await router.invoke('model.info', {})).config.nLayer).toBe(1);
    await expect(router.invoke('model.add', {})).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(router.invoke('model.add', { path: folderModel, id: 'gpt2' })).rejects.toMatchObject({ code: 'invalid_request' });
  });
});
