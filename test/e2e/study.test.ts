/**
 * "New study" in the browser at 1280x720: the built renderer served by the real WebSocket server on
 * the real services (a small random GPT-2 whose vocabulary covers the task words), driven in
 * headless Chromium. A small study runs as a job with progress, finishes with its report's path,
 * the report opens from the server (its route refuses what is not a study's file), the study run
 * and its section runs are listed and open, survive a reload and a restart; Cancel stops a study
 * and leaves no study marked done; a second project model, ticked, is studied beside the loaded one. Screenshots go to test-results/e2e/study-*.png.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultServices, type DefaultServices } from '../../src/main/api/defaultServices';
import { ApiRouter } from '../../src/main/api/router';
import { DEFAULT_PARAMS, STUDY_JOB_KIND, STUDY_SECTION_RUN_KIND } from '../../src/main/study/plan';
import { MODEL_SECTIONS } from '../../src/main/study/sections';
import { startServer, type RunningServer } from '../../src/server/server';
import { collectPageProblems, launchChromium } from '../helpers/browser';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = resolve(ROOT, 'test-results/e2e');
/** Small enough to finish in seconds on a loaded 2-core machine (the API takes only n and seed). */
const SMALL_N = 4;
/** Sections of a one-model study: every per-model section and the prediction table. */
const SECTIONS_ONE_MODEL = MODEL_SECTIONS.length + 1;

let modelDir: string;
let dataDir: string;
let services: DefaultServices;
let router: ApiRouter;
let server: RunningServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];
let studyRunId = 0;
let reportPath = '';

async function startWorkbench(): Promise<void> {
  services = await createDefaultServices({ appVersion: '0.0.0-e2e', modelDir, dataDir, log: () => undefined });
  router = new ApiRouter(services);
  server = await startServer({ router, rendererDir: resolve(ROOT, 'out/renderer'), port: 0 });
}

async function stopWorkbench(): Promise<void> {
  await server.close();
  await services.shutdown();
}

async function openPage(): Promise<void> {
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  // A stopped server drops the socket on purpose: the reconnect noise is expected.
  collectPageProblems(page, problems, /WebSocket|ERR_CONNECTION_REFUSED|connection/);
  await page.goto(server.url);
  await page.locator('[data-testid="project-name"]', { hasText: 'default' }).waitFor();
}

const shot = (name: string) => page.screenshot({ path: resolve(SHOTS, `study-${name}.png`) });
const origin = (): string => `http://127.0.0.1:${server.port}`;

async function runsOfKind(kind: string) {
  return (await router.invoke('run.list', { limit: 200 })).runs.filter((r) => r.kind === kind);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  modelDir = await writeTaskModel(join(await makeTmpDir('cwb-e2e-study-model-'), 'study-test-model'), 13);
  dataDir = await makeTmpDir('cwb-e2e-study-data-');
  await startWorkbench();
  browser = await launchChromium();
  await openPage();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await services?.shutdown();
  await removeTmpDirs();
});

describe('New study in the browser', () => {
  it('offers the registry\'s tasks, the loaded model, the study\'s defaults and a folder beside the project', async () => {
    await page.getByTestId('new-study').click();
    await page.getByTestId('study-form').waitFor();
    const tasks = (await router.invoke('dataset.tasks', {})).tasks.map((t) => t.task);
    await expect.poll(() => page.getByTestId('study-task').locator('option').allTextContents()).toEqual(tasks);
    const models = page.getByTestId('study-model');
    expect(await models.count()).toBe(1);
    expect(await models.first().isChecked()).toBe(true);
    expect(await page.getByTestId('study-n').inputValue()).toBe(String(DEFAULT_PARAMS.n));
    expect(await page.getByTestId('study-seed').inputValue()).toBe(String(DEFAULT_PARAMS.seed));
    await page.getByTestId('study-task').selectOption('latest');
    expect(await page.getByTestId('study-out').inputValue()).toMatch(new RegExp(`^${join(dataDir, 'studies', 'latest-')}\\d{8}-\\d{6}$`));
  });

  it('runs a small study with progress in the form and the jobs panel, and shows the report when done', async () => {
    await page.getByTestId('study-n').fill(String(SMALL_N));
    await page.getByTestId('study-seed').fill('5');
    // one of the other parameters, changed under "More parameters"
    await page.getByTestId('study-more').locator('summary').click();
    expect(await page.getByTestId('study-param-topHeads').inputValue()).toBe(String(DEFAULT_PARAMS.topHeads));
    await page.getByTestId('study-param-topHeads').fill('2');
    expect(await page.getByTestId('study-more').locator('summary').textContent()).toContain('1 changed');
    const outDir = await page.getByTestId('study-out').inputValue();
    await page.getByTestId('study-start').click();
    // Below 1400 px the jobs panel starts collapsed: open it to see the job's bar and Cancel.
    await expect.poll(() => page.getByTestId('toggle-jobs').textContent()).toContain('Jobs (1)');
    await page.getByTestId('toggle-jobs').click();
    const job = page.getByTestId('job').first();
    expect(await job.textContent()).toContain('Study: latest');
    await expect.poll(async () => Number(await page.getByTestId('study-progress').getAttribute('value')), { interval: 50, timeout: 60_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('study-progress-text').textContent()).toMatch(/^\d+% of the study done · now: study-test-model: \w+/);
    expect(await job.getByTestId('job-cancel').count()).toBe(1);
    await shot('running');

    await page.getByTestId('study-done').waitFor({ timeout: 180_000 });
    expect(await job.getAttribute('data-state')).toBe('done');
    reportPath = (await page.getByTestId('study-report-path').textContent()) ?? '';
    expect(reportPath).toBe(join(outDir, 'report.html'));
    expect(existsSync(reportPath)).toBe(true);
    const plan = (JSON.parse(readFileSync(join(outDir, 'study.json'), 'utf8')) as { plan: { params: typeof DEFAULT_PARAMS } }).plan;
    expect([plan.params.n, plan.params.seed, plan.params.topHeads, plan.params.acdcTau]).toEqual([SMALL_N, 5, 2, DEFAULT_PARAMS.acdcTau]);
    const studies = await runsOfKind(STUDY_JOB_KIND);
    expect(studies.map((r) => r.status)).toEqual(['done']);
    studyRunId = studies[0].id;
    expect(await page.getByTestId('study-done').textContent()).toContain(`Section runs recorded in the project: ${SECTIONS_ONE_MODEL}`);
    expect(await runsOfKind(STUDY_SECTION_RUN_KIND)).toHaveLength(SECTIONS_ONE_MODEL);
    await shot('done');
  });

  it('opens the report from the server, read-only, sandboxed, and refuses anything else', async () => {
    const href = await page.getByTestId('study-open-report').getAttribute('href');
    expect(href).toBe(`/study-report/${studyRunId}/report.html`);
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByTestId('study-open-report').click()]);
    await popup.waitForLoadState();
    expect(await popup.title()).toBe('Study: latest on study-test-model');
    expect(await popup.locator('svg').count()).toBeGreaterThan(0);
    await popup.close();

    const report = await page.request.get(`${origin()}${href}`);
    expect(report.status()).toBe(200);
    expect(report.headers()['content-security-policy']).toMatch(/sandbox/);
    expect(report.headers()['content-security-policy']).toMatch(/default-src 'none'/);
    expect(await report.text()).toBe(readFileSync(reportPath, 'utf8'));
    const figures = readdirSync(join(reportPath, '..', 'figures'));
    const figure = await page.request.get(`${origin()}/study-report/${studyRunId}/figures/${figures[0]}`);
    expect(figure.status()).toBe(200);
    expect(await figure.text()).toBe(readFileSync(join(reportPath, '..', 'figures', figures[0]), 'utf8'));

    // Without the session cookie: refused like every other page.
    expect((await fetch(`${origin()}${href}`)).status).toBe(401);
    // Escapes and other files, with the session: not found, the same answer whether the file exists or not.
    const outside = join(dataDir, 'outside.svg');
    writeFileSync(outside, '<svg>secret</svg>');
    symlinkSync(outside, join(reportPath, '..', 'figures', 'link.svg'));
    const sectionRun = (await runsOfKind(STUDY_SECTION_RUN_KIND))[0].id;
    for (const path of [
      `/study-report/${studyRunId}/figures/%2e%2e%2f%2e%2e%2foutside.svg`,
      `/study-report/${studyRunId}/figures/link.svg`,
      `/study-report/${studyRunId}/default.cwb`,
      `/study-report/${sectionRun}/report.html`,
      `/study-report/999999/report.html`,
    ]) {
      const res = await page.request.get(`${origin()}${path}`);
      expect(res.status(), path).toBe(404);
      expect(await res.text(), path).not.toContain('secret');
    }
  });

  it('opens the study run and a section run from the runs list', async () => {
    await page.locator(`[data-testid="sidebar-run"][data-kind="${STUDY_JOB_KIND}"]`).click();
    const view = page.getByTestId('run-view');
    await expect.poll(() => view.getByTestId('run-study-report').textContent()).toContain(reportPath);
    const sections = view.locator('[data-testid="table-panel"][data-panel="study-sections"] tbody tr');
    expect(await sections.count()).toBe(SECTIONS_ONE_MODEL);
    await shot('run');
    expect(await page.locator(`[data-testid="sidebar-run"][data-kind="${STUDY_SECTION_RUN_KIND}"]`).count()).toBe(SECTIONS_ONE_MODEL);
    await page.locator(`[data-testid="sidebar-run"][data-kind="${STUDY_SECTION_RUN_KIND}"]`).first().click();
    await expect.poll(() => page.getByTestId('run-view').getByTestId('table-panel').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('run-view').textContent()).not.toContain('have no view');
  });

  it('still lists and opens the study after a reload and after a restart', async () => {
    await page.reload();
    await expect.poll(() => page.locator(`[data-testid="sidebar-run"][data-kind="${STUDY_JOB_KIND}"]`).getAttribute('data-status')).toBe('done');
    await page.close();
    await stopWorkbench();
    await startWorkbench();
    await openPage();
    const study = page.locator(`[data-testid="sidebar-run"][data-kind="${STUDY_JOB_KIND}"]`);
    await expect.poll(() => study.getAttribute('data-status')).toBe('done');
    expect(await page.locator(`[data-testid="sidebar-run"][data-kind="${STUDY_SECTION_RUN_KIND}"]`).count()).toBe(SECTIONS_ONE_MODEL);
    await study.click();
    await expect.poll(() => page.getByTestId('run-study-report').textContent()).toContain(reportPath);
    const href = await page.getByTestId('run-open-report').getAttribute('href');
    const report = await page.request.get(`${origin()}${href}`);
    expect(report.status()).toBe(200);
    expect(await report.text()).toBe(readFileSync(reportPath, 'utf8'));
    await page.locator(`[data-testid="sidebar-run"][data-kind="${STUDY_SECTION_RUN_KIND}"]`).last().click();
    await expect.poll(() => page.getByTestId('run-view').getByTestId('table-panel').count()).toBeGreaterThan(0);
  });

  it('Cancel stops a study: no study marked done but the first, no new section runs, no report', async () => {
    await page.getByTestId('new-study').click();
    await page.getByTestId('study-task').selectOption('comparison');
    const outDir = await page.getByTestId('study-out').inputValue();
    await page.getByTestId('study-start').click();
    if ((await page.getByTestId('toggle-jobs').getAttribute('aria-expanded')) === 'false') await page.getByTestId('toggle-jobs').click();
    const job = page.locator('[data-testid="job"][data-state="running"]').first();
    await expect.poll(async () => Number(await page.getByTestId('study-progress').getAttribute('value')), { interval: 50, timeout: 60_000 }).toBeGreaterThan(0);
    await job.getByTestId('job-cancel').click();
    await expect.poll(() => page.getByTestId('study-job').getAttribute('data-state'), { timeout: 60_000 }).toBe('cancelled');
    const studies = await runsOfKind(STUDY_JOB_KIND);
    expect(studies.map((r) => r.status).sort()).toEqual(['cancelled', 'done']);
    expect(studies.find((r) => r.status === 'done')?.id).toBe(studyRunId);
    expect(await runsOfKind(STUDY_SECTION_RUN_KIND)).toHaveLength(SECTIONS_ONE_MODEL);
    expect(existsSync(join(outDir, 'report.html'))).toBe(false);
    expect(await page.getByTestId('study-done').count()).toBe(0);
    // Section runs are records beside the study, not jobs: the jobs panel (re-attached after the restart) lists none.
    expect(await page.getByTestId('job').allTextContents()).not.toContainEqual(expect.stringContaining('Study section'));
    await shot('cancelled');
  });

  it('studies two project models side by side: the loaded one and a ticked folder', async () => {
    const second = await writeTaskModel(join(await makeTmpDir('cwb-e2e-study-model2-'), 'second-model'), 17);
    await router.invoke('model.add', { path: second });
    await page.reload();
    await page.getByTestId('new-study').click();
    const models = page.getByTestId('study-model');
    await expect.poll(() => models.count()).toBe(2);
    // The loaded model (the one just added) comes first and is ticked; the other is offered by its folder.
    expect(await page.getByTestId('study-form').textContent()).toContain(modelDir);
    expect(await models.nth(0).isChecked()).toBe(true);
    expect(await models.nth(1).isChecked()).toBe(false);
    await models.nth(1).check();
    await page.getByTestId('study-task').selectOption('latest');
    await page.getByTestId('study-n').fill(String(SMALL_N));
    const sectionsBefore = (await runsOfKind(STUDY_SECTION_RUN_KIND)).length;
    await page.getByTestId('study-start').click();
    await page.getByTestId('study-done').waitFor({ timeout: 240_000 });
    const report = (await page.getByTestId('study-report-path').textContent()) ?? '';
    const doc = JSON.parse(readFileSync(join(report, '..', 'study.json'), 'utf8')) as { plan: { models: { label: string; dir: string }[] } };
    expect(doc.plan.models.map((m) => m.dir)).toEqual([second, modelDir]);
    const added = (await runsOfKind(STUDY_SECTION_RUN_KIND)).length - sectionsBefore;
    expect(added).toBe(2 * MODEL_SECTIONS.length + 1);
    expect(await page.getByTestId('study-done').textContent()).toContain(`Section runs recorded in the project: ${added}`);
  });

  it('logged no errors', () => {
    expect(problems).toEqual([]);
  });
});
