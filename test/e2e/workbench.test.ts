/**
 * The "Must show", end to end: the built renderer served by the real WebSocket server
 * on the real services (a small random GPT-2 on disk whose vocabulary covers every generated
 * task word; the default project in a temp data folder), driven in headless Chromium. Each step
 * saves a screenshot to test-results/e2e/; with CWB_README_SHOTS=1 a few are also copied to
 * docs/screenshots for the README (opt-in, so a test run leaves the working tree unchanged).
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultServices, type DefaultServices } from '../../src/main/api/defaultServices';
import { ApiRouter } from '../../src/main/api/router';
import { startServer, type RunningServer } from '../../src/server/server';
import { collectPageProblems, launchChromium } from '../helpers/browser';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = resolve(ROOT, 'test-results/e2e');
const README_SHOTS = resolve(ROOT, 'docs/screenshots');

let services: DefaultServices;
let router: ApiRouter;
let server: RunningServer;
let browser: Browser;
let page: Page;
let downloads: string;
const problems: string[] = [];

async function shot(name: string, copyToDocs = false): Promise<void> {
  const path = resolve(SHOTS, `${name}.png`);
  await page.screenshot({ path });
  if (copyToDocs && process.env.CWB_README_SHOTS === '1') copyFileSync(path, resolve(README_SHOTS, `${name}.png`));
}

async function saveDownload(trigger: () => Promise<void>): Promise<{ download: Download; path: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), trigger()]);
  const path = join(downloads, download.suggestedFilename());
  await download.saveAs(path);
  return { download, path };
}

/** The newest job in the jobs panel, once it has finished. */
async function lastJobState(): Promise<string | null> {
  return page.getByTestId('job').first().getAttribute('data-state');
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  mkdirSync(README_SHOTS, { recursive: true });
  downloads = await makeTmpDir('cwb-e2e-downloads-');
  const modelDir = await writeTaskModel(join(await makeTmpDir('cwb-e2e-model-'), 'workbench-test-model'), 11);
  const dataDir = await makeTmpDir('cwb-e2e-data-');
  services = await createDefaultServices({ appVersion: '0.0.0-e2e', modelDir, dataDir, log: () => undefined });
  router = new ApiRouter(services);
  server = await startServer({ router, rendererDir: resolve(ROOT, 'out/renderer'), port: 0 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  collectPageProblems(page, problems);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await services?.shutdown();
  await removeTmpDirs();
});

describe('the workbench, as the issue asks', () => {
  it('opens the default project with the model registered', async () => {
    await page.goto(server.url);
    await expect.poll(() => page.getByTestId('project-name').textContent()).toBe('default');
    await expect.poll(() => page.getByTestId('sidebar-model').textContent()).toContain('workbench-test-model');
    await shot('01-default-project');
  });

  it('generates a dataset of 8 IOI prompts and refuses a file with bad rows, row by row', async () => {
    await page.getByTestId('new-dataset').click();
    await page.getByTestId('generate-name').fill('ioi-8');
    await page.getByTestId('generate-n').fill('8');
    await page.getByTestId('generate-seed').fill('1');
    await page.getByTestId('generate-run').click();
    await expect.poll(() => page.getByTestId('dataset-item').count()).toBe(8);
    await shot('02-dataset', true);

    await page.getByTestId('new-dataset').click();
    await page.getByTestId('import-name').fill('broken');
    const good = JSON.stringify({ clean: 'When Mary and John went to the store, John gave a drink to', corrupted: 'When Mary and John went to the store, Mary gave a drink to', correct: ' Mary', incorrect: ' John', template: 't', task: 'ioi' });
    const bad = JSON.stringify({ clean: 'When Mary and John went to the store, John gave a drink to', corrupted: 'short', correct: ' Zorblax', incorrect: ' John', template: 't', task: 'ioi' });
    await page.getByTestId('import-text').fill(`${good}\n${bad}\n`);
    await page.getByTestId('import-run').click();
    await expect.poll(() => page.getByTestId('import-problem').count()).toBeGreaterThanOrEqual(2);
    const rows = await page.getByTestId('import-problem').allTextContents();
    expect(rows.every((r) => r.startsWith('2'))).toBe(true);
    expect(rows.join('\n')).toContain('correct');
    await shot('03-import-problems');
  });

  it('shows the logit lens as a line chart', async () => {
    await page.getByTestId('open-analyses').click();
    await page.getByTestId('analysis-kind').selectOption('logit-lens');
    await page.getByTestId('analysis-run').click();
    await page.getByTestId('run-view').waitFor();
    await expect.poll(() => page.getByTestId('chart-panel').first().getAttribute('data-title')).toBe('Logit lens (clean)');
    await expect.poll(lastJobState).toBe('done');
    await shot('04-logit-lens', true);
  });

  it("shows a head's attention pattern with token labels", async () => {
    await page.getByTestId('open-analyses').click();
    await page.getByTestId('analysis-kind').selectOption('attention');
    await page.getByTestId('analysis-item').fill('0');
    await page.getByTestId('analysis-run').click();
    await page.getByTestId('attention-layer').waitFor();
    await page.getByTestId('attention-layer').selectOption('1');
    await page.getByTestId('attention-head').selectOption('2');
    await expect.poll(() => page.getByTestId('chart-panel').first().getAttribute('data-title')).toBe('Attention pattern L1H2');
    await shot('05-attention-pattern', true);
  });

  it('shows activation patching as a layers x heads heatmap with values on hover', async () => {
    await page.getByTestId('open-analyses').click();
    await page.getByTestId('analysis-kind').selectOption('patching');
    await page.getByTestId('analysis-target').selectOption('heads');
    await page.getByTestId('analysis-run').click();
    await expect.poll(() => page.getByTestId('chart-panel').first().getAttribute('data-title')).toBe('Activation patching: heads (denoise, logit-diff)');
    const chart = page.getByTestId('chart').first();
    const box = (await chart.boundingBox())!;
    // The plot area sits between the grid margins; aim at its middle.
    await page.mouse.move(box.x + 80 + (box.width - 170) * 0.4, box.y + 50 + (box.height - 120) * 0.5);
    await expect.poll(() => chart.textContent()).toMatch(/layer L\d · head H\d/);
    await shot('06-patching-heatmap', true);
  });

  it('builds a three-node circuit by hand and evaluates it', async () => {
    await page.getByTestId('new-circuit').click();
    await page.getByTestId('circuit-editor').waitFor();
    await expect.poll(() => page.getByTestId('circuit-name').inputValue()).toMatch(/^Circuit \d+$/);
    await page.getByTestId('circuit-name').fill('Hand-built');
    await page.getByRole('button', { name: 'Rename' }).click();
    for (const node of ['input', 'a0.h1', 'logits']) {
      await page.getByTestId('add-node-select').selectOption(node);
      await page.getByTestId('add-node').click();
    }
    await page.getByTestId('edge-source').selectOption('input');
    await page.getByTestId('edge-target').selectOption('a0.h1');
    await page.getByTestId('edge-input').selectOption('v');
    await page.getByTestId('add-edge').click();
    await page.getByTestId('edge-source').selectOption('a0.h1');
    await page.getByTestId('edge-target').selectOption('logits');
    await page.getByTestId('add-edge').click();
    expect(await page.getByTestId('node-check').count()).toBe(3);
    await expect.poll(() => page.getByTestId('save-status').getAttribute('data-status')).toBe('saved');
    await page.getByTestId('evaluate').click();
    await page.getByTestId('evaluation').waitFor();
    // Each score is shown as a number with three decimals (not '–', 'NaN' or an empty cell).
    for (const score of ['faithfulness', 'completeness', 'minimality']) {
      expect((await page.getByTestId(score).textContent())?.trim(), score).toMatch(/^-?\d+\.\d{3}$/);
    }
    await shot('07-hand-built-circuit', true);
  });

  it('runs ACDC with its progress bar to the end, evaluates it, and renames a supernode', async () => {
    await page.getByTestId('new-circuit').click();
    // Wait for the new circuit's editor: until it loads, the name box still belongs to the previous circuit.
    await expect.poll(() => page.getByTestId('circuit-name').inputValue()).toMatch(/^Circuit \d+$/);
    await page.getByTestId('circuit-name').fill('ACDC circuit');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByTestId('discover-method').selectOption('acdc');
    // Discovery never overwrites: here the found circuit is asked for as this circuit's next version.
    await page.getByTestId('discover-target').selectOption('new-version');
    await page.getByTestId('discover-threshold').fill('0.05');
    await page.getByTestId('discover-run').click();
    await expect.poll(() => page.getByTestId('discover-result').textContent(), { timeout: 60_000 }).toMatch(/ACDC run \d+: \d+ edges/);
    const job = page.getByTestId('job').first();
    expect(await job.getAttribute('data-state')).toBe('done');
    expect(await job.locator('progress').getAttribute('value')).toBe('1');
    await shot('08-acdc', true);

    await page.getByTestId('evaluate').click();
    await expect.poll(() => page.getByTestId('job').first().textContent()).toContain('Evaluate ACDC circuit');
    await expect.poll(lastJobState, { timeout: 60_000 }).toBe('done');
    await page.getByTestId('evaluation').waitFor();

    const checks = page.getByTestId('node-check');
    const inner = (await checks.evaluateAll((els) => els.map((e) => e.getAttribute('data-node') ?? ''))).filter((id) => id !== 'input' && id !== 'logits');
    for (const id of inner.slice(0, 2)) await page.locator(`[data-testid="node-check"][data-node="${id}"]`).check();
    await page.getByTestId('group-name').fill('name movers');
    await page.getByTestId('group-create').click();
    const label = page.getByTestId('group-label').first();
    await expect.poll(() => label.inputValue()).toBe('name movers');
    await label.fill('backup name movers');
    await label.press('Enter');
    await expect.poll(() => page.getByTestId('save-status').getAttribute('data-status')).toBe('saved');
    await shot('09-supernode', true);
  });

  it('finds the circuits and the runs saved after a reload', async () => {
    await page.reload();
    await expect.poll(() => page.getByTestId('sidebar-circuit').allTextContents()).toEqual([expect.stringContaining('Hand-built'), expect.stringContaining('ACDC circuit')]);
    const kinds = await page.getByTestId('sidebar-run').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    expect(kinds).toEqual(expect.arrayContaining(['logit-lens', 'attention', 'patching', 'circuit.acdc', 'circuit-eval']));
    await page.getByTestId('sidebar-circuit').nth(1).click();
    await expect.poll(() => page.getByTestId('group-label').first().inputValue()).toBe('backup name movers');
    await shot('10-after-reload');
  });

  it('exports the graph as JSON and a heatmap as PNG', async () => {
    const json = await saveDownload(() => page.getByTestId('export-json').click());
    const doc = JSON.parse(readFileSync(json.path, 'utf8')) as { format: string; name: string; graph: { groups: { label: string }[] } };
    expect(doc.format).toBe('circuit-workbench/circuit@1');
    expect(doc.name).toBe('ACDC circuit');
    expect(doc.graph.groups[0].label).toBe('backup name movers');

    await page.locator('[data-testid="sidebar-run"][data-kind="patching"]').first().click();
    await page.getByTestId('chart-panel').first().waitFor();
    const png = await saveDownload(() => page.getByTestId('export-png').first().click());
    expect(png.path.endsWith('.png')).toBe(true);
    expect([...readFileSync(png.path).subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const csv = await saveDownload(() => page.getByTestId('export-csv').first().click());
    expect(readFileSync(csv.path, 'utf8').split('\r\n')[0]).toBe('layer,head,value');
    await shot('11-exports');
  });

  it('edits the model with ROME, compares the edited model with the base, and loads it', async () => {
    await page.getByTestId('open-editing').click();
    await page.getByTestId('rome-run').click();
    await page.getByTestId('rome-result').waitFor({ timeout: 90_000 });
    const efficacy = await page.getByTestId('rome-efficacy').textContent();
    const romePrompt = await page.getByTestId('rome-prompt').inputValue();
    const romeTarget = (await page.getByTestId('rome-target').inputValue()).trim();
    // The edited model is a project model of its own; the base stays loaded.
    await expect.poll(() => page.getByTestId('sidebar-model').count()).toBe(2);
    expect(await page.getByTestId('sidebar-edit').count()).toBe(1);
    // Base and edited model, side by side (the edited one was added to the comparison).
    await page.getByTestId('compare-model').first().check();
    await page.getByTestId('compare-run').click();
    await expect.poll(() => page.getByTestId('compare-row').count(), { timeout: 30_000 }).toBe(2);
    const editedPrediction = (await page.getByTestId('compare-prediction').nth(1).textContent())!.trim();
    // Efficacy (the new target is the edited prompt's top-1) agrees with a separate forward of the
    // edited model in the comparison, on the same prompt (the forms' defaults share it).
    expect(await page.getByTestId('compare-prompts').inputValue()).toBe(romePrompt);
    expect(efficacy).toBe(editedPrediction === romeTarget ? 'yes' : 'no');
    // With a dataset: per-task scores of both, and the edited model's circuit against the base's.
    await page.getByTestId('compare-dataset').selectOption({ index: 1 });
    await page.getByTestId('compare-circuit-topn').fill('8');
    await page.getByTestId('compare-run').click();
    await page.getByTestId('compare-circuit').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('compare-scores').locator('tbody tr').count()).toBe(2);
    await shot('12-model-editing', true);
    // Loading the edited model: the Predict view now answers with the edited model's top-1.
    await page.getByTestId('load-edited').click();
    await expect.poll(() => page.locator('[data-testid="sidebar-model"]:has(.badge)').textContent(), { timeout: 30_000 }).toContain('+');
    await page.getByTestId('sidebar-model').first().click();
    await page.getByTestId('predict-prompt').fill('When Mary and John went to the store, John gave a drink to');
    await page.getByTestId('predict-run').click();
    await expect.poll(async () => (await page.getByTestId('prediction-token').first().textContent())?.trim()).toBe(editedPrediction);
  });

  it('logged no errors and no CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
