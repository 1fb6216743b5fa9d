/**
 * End to end: the built renderer served by the real WebSocket server, driven in headless
 * Chromium. Shows the status bar, a prediction, a job with progress and cancel, a reload, and no
 * console errors or CSP violations. Screenshots go to test-results/e2e/.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultServices } from '../../src/main/api/defaultServices';
import { ApiRouter } from '../../src/main/api/router';
import { startServer, type RunningServer } from '../../src/server/server';
import { collectPageProblems, launchChromium } from '../helpers/browser';
import { makeTmpDir, removeTmpDirs, writeRandomModel } from '../helpers/hfFixtures';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = resolve(ROOT, 'test-results/e2e');

let server: RunningServer;
let router: ApiRouter;
let modelName: string;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // The real services (engine, loader, tokenizer) on a tiny random GPT-2 written in HF layout.
  const modelDir = await makeTmpDir('cwb-e2e-model-');
  await writeRandomModel(modelDir, {}, 7, { std: 0.3 });
  router = new ApiRouter(await createDefaultServices({ appVersion: '0.0.0-e2e', modelDir, log: () => undefined }));
  modelName = (await router.invoke('app.info', {})).model ?? '';
  server = await startServer({ router, rendererDir: resolve(ROOT, 'out/renderer'), port: 0 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  collectPageProblems(page, problems);
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await removeTmpDirs();
});

describe('workbench in the browser', () => {
  it('loads with the token, hides it from the address bar, and shows the status bar', async () => {
    await page.goto(server.url);
    await expect.poll(() => page.getByTestId('status-model').textContent()).toBe(modelName);
    expect(modelName).toMatch(/^cwb-e2e-model-/);
    expect(page.url()).not.toContain('token=');
    const backend = (await router.invoke('app.info', {})).backend!;
    expect(await page.getByTestId('status-backend').textContent()).toBe(`${backend.name} · ${backend.gpu ? 'GPU' : 'CPU'}`);
    expect(await page.getByTestId('status-memory').textContent()).toMatch(/\d+(\.\d)? MiB RSS\s·\s[\d.]+ (B|KiB|MiB) in \d+ tensors/);
    expect(await page.getByTestId('status-transport').textContent()).toContain('browser');
  });

  it('shows a prediction for a prompt', async () => {
    const prompt = 'When Mary and John went to the store , John gave a drink to';
    await page.getByTestId('predict-prompt').fill(prompt);
    await page.getByTestId('predict-topk').fill('5');
    await page.getByTestId('predict-run').click();
    await page.getByTestId('prediction-row').first().waitFor();
    const tokens = await page.getByTestId('prediction-token').allTextContents();
    // The page must show exactly what the API answers (the engine's numbers are checked against
    // a reference in test/cli and test/engine).
    const expected = (await router.invoke('model.predict', { prompt, topK: 5 })).predictions;
    expect(expected).toHaveLength(5);
    expect(tokens).toEqual(expected.map((p) => p.token.replace(/ /g, '␣')));
    const probs = (await page.getByTestId('prediction-prob').allTextContents()).map((t) => Number.parseFloat(t) / 100);
    probs.forEach((p, i) => expect(p).toBeCloseTo(expected[i].prob, 2));
    await page.screenshot({ path: resolve(SHOTS, '01-predict.png'), fullPage: true });
  });

  it('runs a job with a progress bar and cancels it', async () => {
    await page.getByRole('button', { name: 'Diagnostics' }).click();
    await page.getByTestId('run-test-job').click();
    // Below 1400 px the jobs panel starts collapsed (its rail counts the running jobs): open it.
    await expect.poll(() => page.getByTestId('toggle-jobs').textContent()).toContain('Jobs (1)');
    await page.getByTestId('toggle-jobs').click();
    const job = page.getByTestId('job').first();
    await expect.poll(() => job.locator('progress').getAttribute('value')).not.toBeNull();
    await expect.poll(async () => Number(await job.locator('progress').getAttribute('value'))).toBeGreaterThan(0);
    await page.screenshot({ path: resolve(SHOTS, '02-job-running.png'), fullPage: true });
    await job.getByTestId('job-cancel').click();
    await expect.poll(() => job.getAttribute('data-state')).toBe('cancelled');
    await page.screenshot({ path: resolve(SHOTS, '03-job-cancelled.png'), fullPage: true });
  });

  it('still works after a reload (the session cookie, not the token)', async () => {
    await page.reload();
    await expect.poll(() => page.getByTestId('status-model').textContent()).toBe(modelName);
  });

  it('explains what to do when opened without the token, and refuses the spent link in another browser', async () => {
    const other = await browser.newPage();
    await other.goto(`http://127.0.0.1:${server.port}/`);
    expect(await other.getByTestId('fatal-message').textContent()).toContain('npm run serve');
    await other.goto(server.url);
    expect(await other.getByTestId('fatal-message').textContent()).toContain('used already');
    await other.close();
  });

  it('logged no errors and no CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
