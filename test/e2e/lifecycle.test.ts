/**
 * Issue 13 in the browser: nothing a researcher does is lost or hidden. The built renderer is
 * served by the real WebSocket server on the real services (a small random GPT-2 whose vocabulary
 * covers the task words) and driven in headless Chromium, in two tabs at once. Screenshots go to
 * test-results/e2e/lifecycle-*.png.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultServices, type DefaultServices } from '../../src/main/api/defaultServices';
import { ApiRouter } from '../../src/main/api/router';
import { generate } from '../../src/main/datasets';
import { workbenchJobRegistry } from '../../src/main/jobs/handlers';
import { startServer, type RunningServer } from '../../src/server/server';
import { collectPageProblems, launchChromium } from '../helpers/browser';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = resolve(ROOT, 'test-results/e2e');
const TOKEN = 'e2e-lifecycle-token-0123456789abcdef';
/** The issue asks for 200; CWB_E2E_ACDC_PROMPTS lowers it on a machine too loaded for that. */
// Enough prompts that the (now fast) ACDC run is still running when the page reloads.
const ACDC_PROMPTS = Number(process.env.CWB_E2E_ACDC_PROMPTS ?? 4000);

let modelDir: string;
let dataDir: string;
let downloads: string;
let services: DefaultServices;
let router: ApiRouter;
let server: RunningServer;
let port = 0;
let browser: Browser;
let context: BrowserContext;
let tabA: Page;
let tabB: Page;
const problems: string[] = [];
const dialogs: string[] = [];

async function startWorkbench(): Promise<void> {
  services = await createDefaultServices({ appVersion: '0.0.0-e2e', modelDir, dataDir, log: () => undefined });
  router = new ApiRouter(services);
  server = await startServer({ router, rendererDir: resolve(ROOT, 'out/renderer'), port, token: TOKEN });
  port = server.port;
  loggedIn = false;
}

/** The printed link's token is accepted once per server: later tabs of this browser use its session cookie. */
let loggedIn = false;
function entryUrl(): string {
  if (loggedIn) return `http://127.0.0.1:${server.port}/`;
  loggedIn = true;
  return server.url;
}

async function stopWorkbench(): Promise<void> {
  await server.close();
  await services.shutdown();
}

async function openTab(): Promise<Page> {
  const page = await context.newPage();
  // A restarted server drops the socket on purpose: the reconnect noise is expected.
  collectPageProblems(page, problems, /WebSocket|ERR_CONNECTION_REFUSED|connection/);
  page.on('dialog', (d) => {
    dialogs.push(d.type());
    void d.accept();
  });
  await page.goto(entryUrl());
  await page.locator('[data-testid="project-name"]', { hasText: 'default' }).waitFor();
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: resolve(SHOTS, `lifecycle-${name}.png`) });

/** Everything a run view shows as text: provenance, parameters and every table. */
async function runViewText(page: Page): Promise<string> {
  const view = page.getByTestId('run-view');
  await view.getByTestId('run-provenance').waitFor();
  const tables = await view.getByTestId('table-panel').allTextContents();
  return [await view.getByTestId('run-provenance').textContent(), await view.getByTestId('run-params').textContent().catch(() => ''), ...tables].join('\n');
}

async function openRunFromList(page: Page, runId: number): Promise<string> {
  await page.locator(`[data-testid="sidebar-run"]`, { hasText: `#${runId} ` }).first().click();
  await expect.poll(() => page.getByTestId('run-view').locator('h1').textContent()).toContain(`Run #${runId}:`);
  return runViewText(page);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  modelDir = await writeTaskModel(join(await makeTmpDir('cwb-e2e-life-model-'), 'lifecycle-model'), 11);
  dataDir = await makeTmpDir('cwb-e2e-life-data-');
  downloads = await makeTmpDir('cwb-e2e-life-downloads-');
  await startWorkbench();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  tabA = await openTab();
  tabB = await openTab();
});

afterAll(async () => {
  await browser?.close();
  await stopWorkbench().catch(() => undefined);
  await removeTmpDirs();
});

describe('jobs belong to the back end', () => {
  let acdcRun = 0;

  it(`ACDC on ${ACDC_PROMPTS} prompts survives a reload mid-run, tab B follows it live, and its result opens`, async () => {
    const dataset = await router.invoke('dataset.generate', { name: `ioi ${ACDC_PROMPTS}`, task: 'ioi', n: ACDC_PROMPTS, seed: 2 });
    await tabA.reload();
    await tabA.getByTestId('new-circuit').click();
    await tabA.getByTestId('circuit-editor').waitFor();
    await tabA.getByTestId('editor-dataset').selectOption(String(dataset.id));
    await tabA.getByTestId('discover-method').selectOption('acdc');
    await tabA.getByTestId('discover-threshold').fill('0.001');
    await tabA.getByTestId('discover-run').click();
    const runningA = tabA.locator('[data-testid="job"][data-state="running"]');
    await expect.poll(async () => Number(await runningA.first().getAttribute('data-run-id')), { timeout: 30_000 }).toBeGreaterThan(0);
    acdcRun = Number(await runningA.first().getAttribute('data-run-id'));
    // Wait for real progress before the reload, so the run is mid-way.
    await expect.poll(async () => Number(await runningA.first().locator('progress').getAttribute('value')), { timeout: 120_000 }).toBeGreaterThan(0.05);
    // Tab B never started it, yet sees it with its progress.
    const inB = tabB.locator(`[data-testid="job"][data-run-id="${acdcRun}"]`);
    await expect.poll(() => inB.getAttribute('data-state'), { timeout: 10_000 }).toBe('running');
    await expect.poll(async () => Number(await inB.locator('progress').getAttribute('value'))).toBeGreaterThan(0);
    await expect.poll(() => tabB.getByTestId('sidebar-run').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining(`#${acdcRun} `)]));
    expect(await tabA.getByTestId('jobs-continue').textContent()).toContain('does not stop them');
    await shot(tabA, '01-acdc-running');
    await shot(tabB, '02-acdc-in-tab-b');

    await tabA.reload();
    expect(dialogs).toContain('beforeunload');
    const again = tabA.locator(`[data-testid="job"][data-run-id="${acdcRun}"]`);
    await expect.poll(() => again.getAttribute('data-state'), { timeout: 10_000 }).toBe('running');
    const fractionAfterReload = Number(await again.locator('progress').getAttribute('value'));
    await shot(tabA, '03-reattached-after-reload');
    await expect.poll(() => again.getAttribute('data-state'), { timeout: 600_000, interval: 2000 }).toBe('done');
    expect(fractionAfterReload).toBeGreaterThan(0);
    await expect.poll(() => inB.getAttribute('data-state')).toBe('done');

    // The run ended with no page waiting for it: the back end still saved its circuit, named after it.
    await expect.poll(() => tabA.getByTestId('sidebar-circuit').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining(`ACDC run ${acdcRun} on ioi ${ACDC_PROMPTS}`)]));
    const text = await openRunFromList(tabA, acdcRun);
    expect(text).toContain('tau');
    expect(await tabA.getByTestId('run-view').getByTestId('graph-panel').count()).toBe(1);
    expect(await tabA.getByTestId('run-status').textContent()).toBe('done');
    await shot(tabA, '04-acdc-result');
  }, 900_000);

  it('every kind of run opens from the runs list after a server restart with the same numbers', async () => {
    const items = generate('ioi', { n: 1, seed: 11, split: 'heldout' });
    const item = items[0];
    const small = await router.invoke('dataset.generate', { name: 'ioi 6', task: 'ioi', n: 6, seed: 3 });
    const analysis = await router.invoke('analysis.run', { datasetId: small.id, kind: 'logit-lens' });
    const eapIg = await router.invoke('circuit.discover', { datasetId: small.id, method: 'eap-ig', topN: 8, steps: 3 });
    const circuits = (await router.invoke('project.current', {})).circuits;
    const acdcCircuit = circuits.find((c) => c.name.startsWith(`ACDC run ${acdcRun}`))!;
    const evaluation = await router.invoke('circuit.evaluate', { circuitId: acdcCircuit.id, datasetId: small.id });
    const rome = await router.invoke('edit.rome', { prompt: item.clean, subject: item.meta!.s, target: item.incorrect, last: true, contexts: 0, steps: 20, lr: 1 });
    const head = await router.invoke('edit.head', { kind: 'ov', layer: 1, head: 1, prompt: item.clean, source: item.meta!.io, plus: item.meta!.io, minus: item.meta!.s });
    const models = (await router.invoke('project.current', {})).models;
    const compare = await router.invoke('edit.compare', { modelIds: [models[0].id, rome.model.id], prompts: [item.clean] });
    const runs: Record<string, number> = {
      [analysis.run.kind]: analysis.run.id,
      'circuit.acdc': acdcRun,
      [eapIg.run.kind]: eapIg.run.id,
      [evaluation.run.kind]: evaluation.run.id,
      [rome.run.kind]: rome.run.id,
      [head.run.kind]: head.run.id,
      [compare.run!.kind]: compare.run!.id,
    };
    // Every job kind the registry knows that the issue lists has a run here (path patching too is a view, tested in test/renderer).
    expect(Object.keys(runs).every((k) => workbenchJobRegistry().has(k))).toBe(true);

    await tabA.reload();
    const before: Record<string, string> = {};
    for (const [kind, id] of Object.entries(runs)) {
      before[kind] = await openRunFromList(tabA, id);
      expect(await tabA.getByTestId('run-view').textContent()).not.toContain('[object Object]');
      expect(await tabA.getByTestId('run-view').textContent()).not.toContain('has no view');
    }
    await shot(tabA, '05-rome-run-before-restart');
    const csvOf = async (page: Page): Promise<string> => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('run-view').getByTestId('chart-panel').first().getByTestId('export-csv').click()]);
      const path = join(downloads, `${Date.now()}-${download.suggestedFilename()}`);
      await download.saveAs(path);
      return readFileSync(path, 'utf8');
    };
    await openRunFromList(tabA, analysis.run.id);
    const lensBefore = await csvOf(tabA);

    await stopWorkbench();
    await startWorkbench();
    // A fresh load: every number below comes from the restarted server, none from this page's memory.
    // The restarted server knows no session yet, so the tab logs in through its new one-time link.
    await tabA.goto(entryUrl());
    await tabA.locator('[data-testid="project-name"]', { hasText: 'default' }).waitFor();
    for (const [kind, id] of Object.entries(runs)) {
      const after = await openRunFromList(tabA, id);
      expect(after, kind).toBe(before[kind]);
    }
    await openRunFromList(tabA, rome.run.id);
    const romeView = tabA.getByTestId('run-view');
    expect(await romeView.getByTestId('chart-panel').count()).toBeGreaterThan(0); // the causal trace
    expect(await romeView.textContent()).toContain('Frobenius');
    await shot(tabA, '06-rome-run-after-restart');
    await openRunFromList(tabA, compare.run!.id);
    await shot(tabA, '07-compare-run-after-restart');
    await openRunFromList(tabA, evaluation.run.id);
    await shot(tabA, '08-evaluation-run-after-restart');
    await openRunFromList(tabA, analysis.run.id);
    expect(await csvOf(tabA)).toBe(lensBefore);
  }, 900_000);
});

describe('two tabs edit one circuit', () => {
  it('the second save is refused with a visible conflict; both versions are recoverable from the history', async () => {
    const shared = await router.invoke('circuit.create', { name: 'Shared', graph: { nodes: [{ id: 'input' }, { id: 'logits' }], edges: [] } });
    for (const page of [tabA, tabB]) {
      await page.reload();
      await page.locator('[data-testid="sidebar-circuit"]', { hasText: 'Shared' }).click();
      await expect.poll(() => page.getByTestId('circuit-name').inputValue()).toBe('Shared');
    }
    await tabB.getByTestId('add-node-select').selectOption('a0.h0');
    await tabB.getByTestId('add-node').click();
    await expect.poll(() => tabB.getByTestId('save-status').textContent()).toContain('version 2');

    await tabA.getByTestId('add-node-select').selectOption('a1.h2');
    await tabA.getByTestId('add-node').click();
    await expect.poll(() => tabA.getByTestId('save-status').getAttribute('data-status')).toBe('conflict');
    expect(await tabA.getByTestId('save-conflict').textContent()).toContain('version 2');
    await shot(tabA, '09-save-conflict');
    // Nothing was overwritten: version 2 is tab B's.
    const head = await router.invoke('circuit.get', { circuitId: shared.id });
    expect(head.version).toBe(2);
    expect(head.graph.nodes.map((n) => n.id)).toContain('a0.h0');

    // Tab A keeps its edit as a new circuit.
    await tabA.getByTestId('conflict-save-new').click();
    await expect.poll(() => tabA.getByTestId('circuit-name').inputValue()).toBe('Shared (my edit)');
    const mine = (await router.invoke('project.current', {})).circuits.find((c) => c.name === 'Shared (my edit)')!;
    expect((await router.invoke('circuit.get', { circuitId: mine.id })).graph.nodes.map((n) => n.id)).toContain('a1.h2');

    // Tab B's history: diff v1 against v2, then restore v1 as v3.
    await tabB.getByTestId('circuit-history').locator('summary').click();
    await tabB.locator('[data-testid="history-version"][data-version="1"]').getByTestId('history-diff').click();
    await expect.poll(() => tabB.getByTestId('history-diff-result').textContent()).toContain('only in v2: L0H0');
    await tabB.locator('[data-testid="history-version"][data-version="1"]').getByTestId('history-restore').click();
    await expect.poll(() => tabB.getByTestId('save-status').textContent()).toContain('version 3');
    await shot(tabB, '10-history-restored');
    const history = await router.invoke('circuit.get', { circuitId: shared.id });
    expect(history.versions.map((v) => v.version)).toEqual([1, 2, 3]);
    expect(history.graph.nodes.map((n) => n.id).sort()).toEqual(['input', 'logits']);
    expect((await router.invoke('circuit.get', { circuitId: shared.id, version: 2 })).graph.nodes.map((n) => n.id)).toContain('a0.h0');
    expect(problems).toEqual([]);
  }, 300_000);
});
