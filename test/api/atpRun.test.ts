/**
 * Attribution patching (AtP*) offered beside exact patching through analysis.run: the real
 * services, a real model on disk, a real .cwb file and a job in a real worker thread.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultServices, type DefaultServices } from '../../src/main/api/defaultServices';
import { ApiRouter } from '../../src/main/api/router';
import type { Progress } from '../../src/shared/api/protocol';
import type { ApiError } from '../../src/shared/api/errors';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';

let services: DefaultServices;
let router: ApiRouter;
let datasetId: number;

beforeAll(async () => {
  const dataDir = join(await makeTmpDir('cwb-atp-data-'), 'data');
  const modelDir = await writeTaskModel(join(await makeTmpDir('cwb-atp-model-'), 'task-model'));
  services = await createDefaultServices({ appVersion: '0.0.0-test', modelDir, dataDir, log: () => undefined });
  router = new ApiRouter(services);
  datasetId = (await router.invoke('dataset.generate', { name: 'ioi-6', task: 'ioi', n: 6, seed: 2 })).id;
});

afterAll(async () => {
  await services?.shutdown();
  await removeTmpDirs();
});

interface AtpSummary {
  kind: string;
  method: string;
  axes: string[];
  shape: number[];
  values: number[];
  attribution: { verified: { cell: number; node: string; exactNormalised: number; estimateNormalised: number }[]; forwardEquivalents: { total: number; exactAll: number }; description: string };
}

describe('analysis.run with method "atp"', () => {
  it('saves an AtP* run whose verified cells equal an exact patching run on the same dataset, with progress', async () => {
    const progress: Progress[] = [];
    const atp = await router.invoke('analysis.run', { datasetId, kind: 'patching', target: 'heads', method: 'atp', verifyTop: 3 }, { onProgress: (p) => progress.push(p) });
    expect(atp.run).toMatchObject({ kind: 'patching', status: 'done', options: { target: 'heads', method: 'atp', verifyTop: 3 } });
    const r = atp.result as unknown as AtpSummary;
    expect(r).toMatchObject({ kind: 'patch', method: 'atp*', axes: ['layer', 'head'] });
    expect(r.attribution.verified).toHaveLength(3);
    expect(r.attribution.verified.every((v) => /^L\dH\d$/.test(v.node))).toBe(true);
    expect(r.attribution.forwardEquivalents.total).toBeGreaterThan(0);
    expect(r.attribution.description).toMatch(/forward-equivalents/);
    expect(progress.map((p) => p.done)).toEqual([...progress.map((p) => p.done)].sort((a, b) => a - b));

    const exact = await router.invoke('analysis.run', { datasetId, kind: 'patching', target: 'heads' });
    const e = exact.result as unknown as { values: number[]; method?: string };
    expect(e.method).toBeUndefined();
    for (const v of r.attribution.verified) expect(v.exactNormalised).toBeCloseTo(e.values[v.cell], 5);
  });

  it('refuses verifyTop without method "atp", naming the field', async () => {
    const error = await router.invoke('analysis.run', { datasetId, kind: 'patching', target: 'heads', verifyTop: 3 }).then(
      () => undefined,
      (err: unknown) => err as ApiError,
    );
    expect(error).toMatchObject({ code: 'invalid_request', path: 'params.verifyTop' });
  });
});
