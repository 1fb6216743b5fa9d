/**
 * End to end: "Add model" in the sidebar, in headless Chromium against the real server and
 * services. A hub id missing from the cache asks before downloading (from a local fake hub); on
 * yes the model is downloaded, registered and loaded; on no nothing is requested.
 */
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultServices, type DefaultServices } from '../../src/main/api/defaultServices';
import { ApiRouter } from '../../src/main/api/router';
import { startServer, type RunningServer } from '../../src/server/server';
import { launchChromium } from '../helpers/browser';
import { FakeHub, repoFromFolder } from '../helpers/fakeHub';
import { makeTmpDir, removeTmpDirs, writeRandomModel } from '../helpers/hfFixtures';

const ROOT = resolve(import.meta.dirname, '../..');

let hub: FakeHub;
let services: DefaultServices;
let server: RunningServer;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];
let answer = false;
const problems: string[] = [];

beforeAll(async () => {
  hub = new FakeHub();
  const endpoint = await hub.start();
  const source = await makeTmpDir('cwb-e2e-hub-');
  await writeRandomModel(source, { n_layer: 3 }, 21);
  hub.repos.set('org/tiny', await repoFromFolder(source));
  const start = await makeTmpDir('cwb-e2e-start-');
  await writeRandomModel(start, {}, 22);
  const cache = await makeTmpDir('cwb-e2e-cache-');
  services = await createDefaultServices({
    appVersion: '0.0.0-e2e',
    modelDir: start,
    dataDir: await makeTmpDir('cwb-e2e-data-'),
    env: { HF_ENDPOINT: endpoint, HF_HUB_CACHE: cache, HF_HOME: join(cache, 'home') },
    log: () => undefined,
  });
  server = await startServer({ router: new ApiRouter(services), rendererDir: resolve(ROOT, 'out/renderer'), port: 0 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void (answer ? d.accept() : d.dismiss());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  await page.goto(server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await services?.shutdown();
  await hub?.stop();
  await removeTmpDirs();
});

async function addModel(id: string): Promise<void> {
  if (!(await page.getByTestId('add-model-source').isVisible())) await page.getByTestId('add-model').click();
  await page.getByTestId('add-model-source').fill(id);
  await page.getByTestId('add-model-submit').click();
}

describe('Add model', () => {
  it('asks before downloading a model missing from the cache, and a no downloads nothing', async () => {
    answer = false;
    await addModel('org/tiny');
    await expect.poll(() => dialogs.length).toBe(1);
    expect(dialogs[0]).toMatch(/not complete in the Hugging Face cache[\s\S]*Download org\/tiny from the Hugging Face Hub now\?/);
    await page.waitForTimeout(300);
    expect(hub.log).toEqual([]);
    expect(await page.getByTestId('sidebar-model').allTextContents()).not.toContainEqual(expect.stringContaining('org/tiny'));
  });

  it('on yes downloads, registers and loads it', async () => {
    answer = true;
    await addModel('org/tiny');
    await expect.poll(() => page.getByTestId('status-model').textContent(), { timeout: 30_000 }).toBe('org/tiny');
    expect(dialogs).toHaveLength(2);
    expect(hub.log.some((r) => r.url.includes('/resolve/'))).toBe(true);
    await expect.poll(() => page.getByTestId('sidebar-model').allTextContents()).toContainEqual(expect.stringMatching(/^\s*org\/tiny\s*loaded/));
    expect(services.model()?.config.nLayer).toBe(3);
    expect(problems).toEqual([]);
  });
});
