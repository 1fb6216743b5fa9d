/**
 * AtP* beside exact patching in the browser: the built renderer served by the real WebSocket
 * server on the real services (a small random GPT-2 on disk). The form offers the method with
 * its cost before the run; the result shows the estimate heatmap, the verified cells with their
 * exact values (equal to an exact patching run's) and the cost.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultServices, type DefaultServices } from '../../src/main/api/defaultServices';
import { ApiRouter } from '../../src/main/api/router';
import { startServer, type RunningServer } from '../../src/server/server';
import { collectPageProblems, launchChromium } from '../helpers/browser';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';

const ROOT = resolve(import.meta.dirname, '../..');

let services: DefaultServices;
let router: ApiRouter;
let server: RunningServer;
let browser: Browser;
let page: Page;
let datasetId: number;
const problems: string[] = [];

beforeAll(async () => {
  const modelDir = await writeTaskModel(join(await makeTmpDir('cwb-atp-e2e-model-'), 'atp-model'), 11);
  services = await createDefaultServices({ appVersion: '0.0.0-e2e', modelDir, dataDir: await makeTmpDir('cwb-atp-e2e-data-'), log: () => undefined });
  router = new ApiRouter(services);
  datasetId = (await router.invoke('dataset.generate', { name: 'ioi-8', task: 'ioi', n: 8, seed: 3 })).id;
  server = await startServer({ router, rendererDir: resolve(ROOT, 'out/renderer'), port: 0 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  collectPageProblems(page, problems);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await services?.shutdown();
  await removeTmpDirs();
});

describe('AtP* in the analyses form', () => {
  it('offers attribution beside exact patching with its cost, and shows verified cells equal to exact patching', async () => {
    await page.goto(server.url);
    await page.getByTestId('open-analyses').click();
    await page.getByTestId('analysis-dataset').selectOption({ label: 'ioi-8 (8)' });
    await page.getByTestId('analysis-kind').selectOption('patching');
    await page.getByTestId('analysis-target').selectOption('heads');
    // The cost is shown before the run, for both methods.
    await expect.poll(() => page.getByTestId('analysis-cost').textContent()).toMatch(/AtP\* at most [\d.]+, exact [\d.]+ forward-equivalents \(2 layers × 4 heads\)/);
    await page.getByTestId('analysis-method').selectOption('atp');
    await page.getByTestId('analysis-verify-top').fill('3');
    await page.getByTestId('analysis-run').click();
    await page.getByTestId('run-view').waitFor();
    await expect.poll(() => page.locator('body').textContent()).toContain('#1 Activation patching (AtP*)');

    const verified = page.locator('[data-testid="table-panel"][data-panel="patch-atp-verified"]');
    await verified.waitFor({ timeout: 60_000 });
    const rows = await verified.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(rows).toHaveLength(3);
    const cost = page.locator('[data-testid="table-panel"][data-panel="patch-atp-cost"]');
    expect(await cost.textContent()).toMatch(/exact patching of all 8 cells/);
    expect(await page.getByTestId('chart-panel').first().getAttribute('data-title')).toContain('Attribution patching (AtP*): heads');
    mkdirSync(resolve(ROOT, 'test-results/e2e'), { recursive: true });
    await page.screenshot({ path: resolve(ROOT, 'test-results/e2e/atp-result.png'), fullPage: true });

    // The exact column is exact patching's value for the same head.
    const exact = (await router.invoke('analysis.run', { datasetId, kind: 'patching', target: 'heads' })).result as unknown as { values: number[] };
    for (const [node, , exactText] of rows) {
      const [, l, h] = /^L(\d)H(\d)$/.exec(node)!.map(Number);
      expect(Number(exactText)).toBeCloseTo(exact.values[l * 4 + h], 2);
    }
    expect(problems).toEqual([]);
  });
});
