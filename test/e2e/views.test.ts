/**
 * Issue 14's "Must show", in the browser at 1280x720: the built renderer served by the real
 * WebSocket server on the real services (a small random GPT-2 on disk, 2 layers x 4 heads),
 * driven in headless Chromium. Screenshots go to test-results/e2e/ and, for the README, to
 * docs/screenshots/14-*.png with CWB_README_SHOTS=1.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultServices, type DefaultServices } from '../../src/main/api/defaultServices';
import { ApiRouter } from '../../src/main/api/router';
import { startServer, type RunningServer } from '../../src/server/server';
import { edgeLabel, nodeIdOfLabel } from '../../src/renderer/src/circuit/modelGraph';
import { generate } from '../../src/main/datasets';
import { metricDefinition } from '../../src/shared/metrics/definitions';
import { collectPageProblems, launchChromium } from '../helpers/browser';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = resolve(ROOT, 'test-results/e2e');
const README_SHOTS = resolve(ROOT, 'docs/screenshots');

let services: DefaultServices;
let modelDir: string;
let server: RunningServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

async function shot(name: string): Promise<void> {
  const path = resolve(SHOTS, `${name}.png`);
  await page.screenshot({ path });
  if (process.env.CWB_README_SHOTS === '1') copyFileSync(path, resolve(README_SHOTS, `${name}.png`));
}

/** The canvas's cytoscape instance, read in the page: ids of the elements it shows. */
async function canvasIds(selector: string): Promise<string[]> {
  return page.getByTestId('graph-canvas').evaluate((el, sel) => (el as unknown as { cy: { $(s: string): { map(f: (e: { id(): string }) => string): string[] } } }).cy.$(sel).map((e) => e.id()), selector);
}

/** Where a node is drawn, in page pixels. */
async function nodePoint(id: string): Promise<{ x: number; y: number }> {
  return page.getByTestId('graph-canvas').evaluate((el, nodeId) => {
    const cy = (el as unknown as { cy: { $id(i: string): { renderedPosition(): { x: number; y: number } } } }).cy;
    const p = cy.$id(nodeId).renderedPosition();
    const r = el.getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, id);
}

let actions = 0;

/** One user action: drag from one node onto another (the mouse moves in steps, as a hand does). */
async function dragEdge(source: string, target: string): Promise<void> {
  const a = await nodePoint(source);
  const b = await nodePoint(target);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x, b.y, { steps: 5 });
  await page.waitForTimeout(120); // edgehandles' hover delay before a node counts as the target
  await page.mouse.up();
  actions++;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  mkdirSync(README_SHOTS, { recursive: true });
  modelDir = await writeTaskModel(join(await makeTmpDir('cwb-views-model-'), 'workbench-test-model'), 11);
  const dataDir = await makeTmpDir('cwb-views-data-');
  services = await createDefaultServices({ appVersion: '0.0.0-e2e', modelDir, dataDir, log: () => undefined });
  server = await startServer({ router: new ApiRouter(services), rendererDir: resolve(ROOT, 'out/renderer'), port: 0 });
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

/** The IOI-style circuit: 6 nodes, 9 edges (inputs of heads named), written as people read it. */
const NODES = ['Embeddings', 'L0H1', 'MLP0', 'L1H2', 'L1H3', 'Logits'];
const EDGES: [string, string, ('q' | 'k' | 'v')?][] = [
  ['Embeddings', 'L0H1', 'v'],
  ['Embeddings', 'MLP0'],
  ['L0H1', 'MLP0'],
  ['L0H1', 'L1H2', 'k'],
  ['MLP0', 'L1H2', 'v'],
  ['Embeddings', 'L1H3', 'v'],
  ['MLP0', 'L1H3', 'q'],
  ['L1H3', 'Logits'],
  ['L1H2', 'Logits'],
];
const id = (label: string): string => nodeIdOfLabel(label)!;

describe('issue 14 in the browser at 1280x720', () => {
  it('opens with collapsible panels and a skip link, and the canvas gets the room', async () => {
    await page.goto(server.url);
    await expect.poll(() => page.getByTestId('project-name').textContent()).toBe('default');
    // Below 1400 px the jobs panel starts collapsed.
    expect(await page.getByTestId('toggle-jobs').getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').getAttribute('data-testid')).toBe('skip-link');
    await page.keyboard.press('Enter');
    expect(await page.locator(':focus').getAttribute('id')).toBe('main-area');
  });

  it('builds the IOI-style 6-node / 9-edge circuit by dragging edges', async () => {
    await page.getByTestId('new-circuit').click();
    await page.getByTestId('circuit-editor').waitFor();
    await page.getByTestId('empty-hint').waitFor();
    await shot('14-empty-canvas');
    await page.getByTestId('add-nodes-by-name').fill(NODES.join(' '));
    await page.getByTestId('add-nodes-by-name-run').click();
    actions += 2;
    await expect.poll(() => canvasIds('node')).toHaveLength(NODES.length);
    expect(await page.getByTestId('empty-hint').count()).toBe(0);
    // The node list reads as people write nodes, never internal ids.
    expect(await page.getByTestId('node-list').textContent()).toContain('L1H3');
    expect(await page.getByTestId('node-list').textContent()).not.toContain('a1.h3');

    for (const [s, t, input] of EDGES) {
      await dragEdge(id(s), id(t));
      if (input) {
        await page.getByTestId(`edge-input-choice-${input}`).click();
        actions++;
      }
    }
    const expected = EDGES.map(([s, t, input]) => `${id(s)}->${id(t)}${input ? `:${input}` : ''}`).sort();
    await expect.poll(async () => (await canvasIds('edge')).sort()).toEqual(expected);
    // The edge list shows display names (Embeddings → L0H1.v), one per drawn edge.
    expect((await page.getByTestId('edge-list').locator('li').allTextContents()).map((t) => t.trim()).sort()).toEqual(expected.map(edgeLabel).sort());
    await expect.poll(() => page.getByTestId('save-status').getAttribute('data-status')).toBe('saved');
    console.log(`built ${EDGES.length} edges and ${NODES.length} nodes in ${actions} actions (${EDGES.length} drags)`);
    // 2 to add the nodes by name, one drag per edge, one q/k/v choice per edge into a head.
    expect(actions).toBe(2 + EDGES.length + EDGES.filter((e) => e[2]).length);
    await page.mouse.move(2, 400); // off the canvas: no hover card in the picture
    await shot('14-drawn-circuit');
  });

  it('collapses a supernode into one node and expands it again', async () => {
    for (const label of ['L1H2', 'L1H3']) await page.locator(`[data-testid="node-check"][data-node="${id(label)}"]`).check();
    await page.getByTestId('group-name').fill('name movers');
    await page.getByTestId('group-create').click();
    await page.getByTestId('group-collapse').click();
    await expect.poll(() => canvasIds('node.collapsed')).toHaveLength(1);
    await page.mouse.move(2, 400);
    // The members are gone from the canvas; their edges now end at the supernode.
    expect(await canvasIds(`#${CSS_ID(id('L1H2'))}, #${CSS_ID(id('L1H3'))}`)).toEqual([]);
    const [group] = await canvasIds('node.collapsed');
    expect((await canvasIds(`edge[target = "${group}"], edge[source = "${group}"]`)).length).toBeGreaterThan(0);
    await shot('14-supernode-collapsed');
    // Expanded again from the supernode's context menu (right click on the canvas).
    const at = await nodePoint(group);
    await page.mouse.click(at.x, at.y, { button: 'right' });
    await page.getByTestId('context-menu').getByRole('menuitem', { name: 'Expand' }).click();
    await expect.poll(() => canvasIds('node.collapsed')).toHaveLength(0);
    expect((await canvasIds('edge')).length).toBe(EDGES.length);
  });

  it('runs ACDC on a generated mixed-template IOI dataset: scored edges that colour, width and the slider use', async () => {
    await page.getByTestId('new-dataset').click();
    await page.getByTestId('generate-name').fill('ioi-mixed');
    await page.getByTestId('generate-n').fill('12');
    await page.getByTestId('generate-seed').fill('2');
    await page.getByTestId('generate-run').click();
    await expect.poll(() => page.getByTestId('dataset-item').count()).toBe(12);
    await page.getByTestId('sidebar-circuit').first().click();
    await page.getByTestId('circuit-editor').waitFor();
    await page.getByTestId('discover-method').selectOption('acdc');
    await page.getByTestId('discover-target').selectOption('new-version');
    await page.getByTestId('discover-threshold').fill('0.02');
    await page.getByTestId('discover-run').click();
    await expect.poll(() => page.getByTestId('discover-result').textContent(), { timeout: 120_000 }).toMatch(/ACDC run \d+: \d+ edges/);
    const edges = await page.getByTestId('graph-canvas').evaluate((el) =>
      (el as unknown as { cy: { edges(): { map(f: (e: { id(): string; data(k: string): unknown }) => { id: string; score: number; width: number }): { id: string; score: number; width: number }[] } } }).cy
        .edges()
        .map((e) => ({ id: e.id(), score: e.data('score') as number, width: e.data('width') as number })),
    );
    expect(edges.length).toBeGreaterThan(2);
    // Every ACDC edge carries its score (the metric change when ACDC tried removing it).
    expect(edges.every((e) => typeof e.score === 'number' && Number.isFinite(e.score))).toBe(true);
    const magnitudes = [...new Set(edges.map((e) => Math.abs(e.score)))].sort((a, b) => a - b);
    expect(magnitudes.length).toBeGreaterThan(1);
    // Width follows |score|: the largest |score| has the widest edge.
    const widest = edges.reduce((a, b) => (b.width > a.width ? b : a));
    expect(Math.abs(widest.score)).toBe(magnitudes.at(-1));
    expect(await page.getByTestId('edge-legend').textContent()).toContain(metricDefinition('edge-score.acdc').label);
    await shot('14-acdc-scored');

    // The slider hides edges whose |score| is below it: set it between two scores.
    // The range input snaps to its step: the threshold in force is the value it reports back.
    const threshold = await page.getByTestId('threshold').evaluate((el, v) => {
      const input = el as unknown as { value: string; dispatchEvent(e: Event): boolean };
      input.value = String(v);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      return Number(input.value);
    }, magnitudes[Math.floor(magnitudes.length / 2)]);
    const kept = edges.filter((e) => Math.abs(e.score) >= threshold).map((e) => e.id).sort();
    await expect.poll(async () => (await canvasIds('edge')).sort()).toEqual(kept);
    expect(kept.length).toBeLessThan(edges.length);
    await shot('14-acdc-pruned');
    await page.getByTestId('threshold').evaluate((el) => {
      (el as unknown as { value: string }).value = '0';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
  });

  it('evaluates with reference values, and a metric shows its definition on hover', async () => {
    await page.getByTestId('evaluate').click();
    await page.getByTestId('evaluation-context').waitFor({ timeout: 120_000 });
    const value = async (testid: string): Promise<number> => Number((await page.getByTestId(testid).textContent())?.trim());
    const [fc, ff, fe, faith] = [await value('f-circuit'), await value('f-full'), await value('f-empty'), await value('faithfulness')];
    for (const v of [fc, ff, fe, faith]) expect(Number.isFinite(v)).toBe(true);
    // Faithfulness is F(circuit) / F(full), each shown to 3 decimals: the ratio within the rounding.
    const slack = 0.0005 * (1 / Math.abs(ff) + Math.abs(fc) / ff ** 2) + 0.0005;
    expect(Math.abs(faith - fc / ff)).toBeLessThanOrEqual(slack);
    const context = (await page.getByTestId('evaluation-context').textContent()) ?? '';
    expect(context).toContain('ioi-mixed');
    expect(context).toMatch(/n = 12 prompts/);

    await page.locator('[data-testid="metric-info"][data-metric="faithfulness"]').hover();
    const popover = page.locator('[data-testid="metric-definition"][data-metric="faithfulness"]');
    await popover.waitFor();
    const text = (await popover.textContent()) ?? '';
    expect(text).toContain(metricDefinition('faithfulness').definition);
    expect(text).toContain(metricDefinition('faithfulness').formula);
    expect(text).toContain('n = 12 prompts');
    await shot('14-metric-definition');
  });

  it('patches the residual stream by position on the mixed-template dataset: one panel per template, named positions', async () => {
    await page.getByTestId('open-analyses').click();
    await page.getByTestId('analysis-dataset').selectOption({ label: 'ioi-mixed (12)' });
    await page.getByTestId('analysis-kind').selectOption('patching');
    await page.getByTestId('analysis-target').selectOption('resid');
    await page.getByTestId('analysis-run').click();
    await page.getByTestId('run-view').waitFor();
    // The templates the generator used for these 12 items (same task, n and seed as the form).
    const templates = [...new Set(generate('ioi', { n: 12, seed: 2 }).map((i) => i.template))];
    expect(templates.length).toBeGreaterThan(1);
    await expect.poll(() => page.getByTestId('chart-panel').count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(templates.length);
    const titles = await page.getByTestId('chart-panel').evaluateAll((els) => els.map((e) => e.getAttribute('data-title') ?? ''));
    for (const t of templates) expect(titles.some((title) => title.includes(`template ${t}`)), t).toBe(true);
    // Every row lands in one panel: the prompts of the panels add up to the dataset.
    expect(titles.reduce((sum, t) => sum + Number(/\((\d+) prompts\)/.exec(t)?.[1] ?? 0), 0)).toBe(12);
    const labels = await page.getByTestId('chart-panel').evaluateAll((els) => els.map((e) => (e.getAttribute('data-x-labels') ?? '').split('|')));
    for (const l of labels) expect(l).toEqual(expect.arrayContaining(['IO', 'S1', 'S2', 'END']));
    await shot('14-patching-panels');

    // Or one template, picked in the form: one panel, titled with it, positions still named.
    await page.getByTestId('open-analyses').click();
    await page.getByTestId('analysis-template').selectOption(templates[0]);
    await page.getByTestId('analysis-run').click();
    await expect.poll(() => page.getByTestId('chart-panel').first().getAttribute('data-title'), { timeout: 60_000 }).toContain(`template ${templates[0]}`);
    expect(await page.getByTestId('chart-panel').count()).toBe(1);
    expect((await page.getByTestId('chart-panel').first().getAttribute('data-x-labels'))?.split('|')).toEqual(expect.arrayContaining(['IO', 'S1', 'S2', 'END']));
  });

  it('shows the logit lens top tokens per layer and position', async () => {
    await page.getByTestId('open-analyses').click();
    await page.getByTestId('analysis-kind').selectOption('logit-lens');
    await page.getByTestId('analysis-run').click();
    const table = page.locator('[data-testid="table-panel"][data-panel="logit-lens-top"]');
    await table.waitFor({ timeout: 60_000 });
    const header = await table.locator('th').allTextContents();
    const rows = await table.locator('tbody tr').count();
    // One row per stage (the line chart's stages), one column per prompt token.
    expect(rows).toBeGreaterThan(1);
    expect(header[0]).toBe('stage');
    expect(header.length).toBeGreaterThan(5);
    expect(await table.locator('tbody tr').first().locator('td').nth(1).textContent()).toMatch(/\d+%/);
    await shot('14-logit-lens-top-tokens');
  });

  it('shows copy scores with the antonym column and the average head as the reference row', async () => {
    await page.getByTestId('open-analyses').click();
    await page.getByTestId('analysis-kind').selectOption('copy-scores');
    expect(await page.getByTestId('analysis-antonyms').isChecked()).toBe(true);
    await shot('14-copy-scores-form');
    await page.getByTestId('analysis-run').click();
    const table = page.locator('[data-testid="table-panel"][data-panel="copy-scores"]').first();
    await table.waitFor({ timeout: 60_000 });
    expect(await table.locator('header span').first().textContent()).toContain('input after MLP0');
    // each score column carries its metric's info button ("i") after the name
    expect(await table.locator('th').allTextContents()).toEqual(['head', 'copying', 'negative', 'antonym'].map((c) => expect.stringMatching(new RegExp(`^${c}`))));
    // one row per head of the model (its config on disk), then the average head
    const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as { n_layer: number; n_head: number };
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(config.n_layer * config.n_head + 1);
    expect(await rows.last().locator('td').first().textContent()).toBe('average head (all OV matrices averaged)');
    await shot('14-copy-scores-antonym');
    // the circuit's inspector shows a head's antonym score beside the average head's, from this run
    const cellNumber = async (row: ReturnType<typeof rows.last>): Promise<number> => Number((await row.locator('td').last().textContent())!.trim());
    const headRow = (label: string) => rows.filter({ has: page.locator('td', { hasText: new RegExp(`^${label}$`) }) });
    // the circuit's head with the largest antonym score, so a zero shown for the wrong head cannot pass
    const scored = await Promise.all(['L0H1', 'L1H2', 'L1H3'].map(async (label) => ({ label, value: await cellNumber(headRow(label)) })));
    const best = scored.reduce((a, b) => (b.value > a.value ? b : a));
    expect(best.value).toBeGreaterThan(0);
    const averaged = await cellNumber(rows.last());
    await page.getByRole('tab', { name: 'Circuit: Circuit 1' }).click();
    // a click on the empty canvas clears the earlier tests' selection; then the head alone is selected
    const canvas = (await page.getByTestId('graph-canvas').boundingBox())!;
    await page.mouse.click(canvas.x + 8, canvas.y + 8);
    const p = await nodePoint(id(best.label));
    await page.mouse.click(p.x, p.y);
    await page.getByTestId('inspector-antonym').waitFor();
    expect(await page.getByTestId('inspector-antonym').textContent()).toBe(`${best.value.toFixed(3)} (average head ${averaged.toFixed(3)})`);
  });

  it('shows every head\'s attention for a typed prompt, and enlarges one on click', async () => {
    await page.getByTestId('open-analyses').click();
    await page.getByTestId('analysis-kind').selectOption('attention');
    const prompt = 'When Mary and John went to the store, John gave a drink to';
    await page.getByTestId('analysis-prompt').fill(prompt);
    await page.getByTestId('analysis-run').click();
    await page.getByTestId('attention-grid').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('attention-prompt').textContent()).toContain(prompt);
    // One cell per head of the model (its config on disk).
    const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as { n_layer: number; n_head: number };
    expect(await page.getByTestId('attention-cell').count()).toBe(config.n_layer * config.n_head);
    await page.locator('[data-testid="attention-cell"][data-head="L1H2"]').click();
    await expect.poll(() => page.getByTestId('chart-panel').first().getAttribute('data-title')).toBe('Attention pattern L1H2');
    await shot('14-attention-grid');

    // A dataset item instead, then the next item: a new run on item 1 of the same dataset.
    await page.getByTestId('open-analyses').click();
    await page.getByTestId('analysis-prompt').fill('');
    await page.getByTestId('analysis-item').fill('0');
    await page.getByTestId('analysis-run').click();
    await page.getByTestId('attention-next').waitFor({ timeout: 60_000 });
    const items = generate('ioi', { n: 12, seed: 2 });
    expect(await page.getByTestId('attention-prompt').textContent()).toContain(items[0].clean);
    await page.getByTestId('attention-next').click();
    await expect.poll(() => page.getByTestId('attention-prompt').textContent(), { timeout: 60_000 }).toContain(items[1].clean);
  });

  it('edits a head with a strength and shows the top predictions before and after, in the form', async () => {
    await page.getByTestId('open-editing').click();
    await page.getByTestId('head-strength').fill('2');
    await page.getByTestId('head-run').click();
    const table = page.getByTestId('head-predictions');
    await table.waitFor({ timeout: 90_000 });
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(rows.length).toBe(5); // the operation's default top k
    // Each side lists its predictions most probable first.
    for (const column of [2, 4]) {
      const probs = rows.map((r) => Number.parseFloat(r[column]));
      expect(probs.every(Number.isFinite)).toBe(true);
      expect([...probs].sort((a, b) => b - a)).toEqual(probs);
    }
    // Strength 2 towards the reflection (-before): after = before + 2 (-before - before) = -3 before, shown to 3 decimals.
    const before = Number(await page.getByTestId('head-projection-before').textContent());
    const after = Number(await page.getByTestId('head-projection-after').textContent());
    expect(Number.isFinite(before) && Number.isFinite(after)).toBe(true);
    expect(Math.abs(after + 3 * before)).toBeLessThanOrEqual(0.0005 + 3 * 0.0005);
    await shot('14-head-edit');
  });

  it('fits a 1920x1080 screen too', async () => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.getByTestId('sidebar-circuit').first().click();
    await page.getByTestId('circuit-editor').waitFor();
    // A head's hover card: its edges and, from the project's attention run, where it looks.
    await expect.poll(() => canvasIds('node')).toContain(id('L1H2'));
    const at = await nodePoint(id('L1H2'));
    await page.mouse.move(at.x, at.y);
    const card = page.getByTestId('hover-card');
    await card.waitFor();
    expect(await card.textContent()).toContain('L1H2');
    expect(await page.getByTestId('hover-facts').textContent()).toMatch(/Attends most \(last position\): .+ at \d+, [\d.]+%/);
    await shot('14-editor-1920');
    await page.setViewportSize({ width: 1280, height: 720 });
  });
});

/** A node id as a cytoscape selector id (escapes the dot of a1.h2). */
function CSS_ID(nodeId: string): string {
  return nodeId.replace(/\./g, '\\.');
}

describe('no errors', () => {
  it('logged no errors and no CSP violations', () => {
    expect(problems.map((p) => p.slice(0, 400))).toEqual([]);
  });
});

