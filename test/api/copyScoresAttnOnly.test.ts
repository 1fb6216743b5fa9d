/**
 * Copy scores on an attention-only model (real services, a real model folder): the default input is
 * the token embeddings (there is no MLP0 to read after), and asking for "mlp0" is refused before a
 * run is recorded, naming params.input.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultServices, type DefaultServices } from '../../src/main/api/defaultServices';
import { ApiRouter } from '../../src/main/api/router';
import { ApiError } from '../../src/shared/api/errors';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';

let services: DefaultServices;
let router: ApiRouter;
let datasetId: number;

beforeAll(async () => {
  const modelDir = await writeTaskModel(join(await makeTmpDir('cwb-attn-only-'), 'attn-only'), 11, { attn_only: true });
  services = await createDefaultServices({ appVersion: '0.0.0-test', modelDir, dataDir: await makeTmpDir('cwb-attn-only-data-'), log: () => undefined });
  router = new ApiRouter(services);
  datasetId = (await router.invoke('dataset.generate', { name: 'comparison-4', task: 'comparison', n: 4, seed: 2 })).id;
});

afterAll(async () => {
  await services?.shutdown();
  await removeTmpDirs();
});

describe('copy scores on an attention-only model', () => {
  it('default to token embeddings, with the antonym pairs scored', async () => {
    expect((await router.invoke('model.info', {})).config.attnOnly).toBe(true);
    const outcome = await router.invoke('analysis.run', { datasetId, kind: 'copy-scores' });
    expect(outcome.run.options).toMatchObject({ input: 'embed', antonyms: true });
    expect(outcome.result).toMatchObject({ kind: 'copy-scores', input: 'embed' });
    expect((outcome.result as { antonym: number[] }).antonym).toHaveLength(2 * 4);
  });

  it('refuses input "mlp0" before recording a run, naming the parameter', async () => {
    const before = (await router.invoke('run.list', {})).runs.length;
    const error = await router.invoke('analysis.run', { datasetId, kind: 'copy-scores', input: 'mlp0' }).then(
      () => null,
      (e: unknown) => e as ApiError,
    );
    expect(error).toMatchObject({ code: 'invalid_request', path: 'params.input' });
    expect(error?.message).toMatch(/input "mlp0" needs an MLP in layer 0; the model is attention-only/);
    expect((await router.invoke('run.list', {})).runs.length).toBe(before);
  });
});
