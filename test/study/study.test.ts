/**
 * The study end to end through the real CLI (a child process, real worker threads, a real project
 * file): the comparison task on both bundled models (resources/default-model and larger-model), with small
 * sizes (a small random model serves the in-process checks). Every outline section is there for every model with non-empty figures and tables; its
 * numbers agree with a plain forward pass; a rerun from study.json reproduces every number within
 * 1e-6; the project holds the study run and one run per section; the job reports progress and
 * stops on cancel; bad input is refused with the file and field named. The report is rendered in
 * headless Chromium (CWB_README_SHOTS=1 copies the screenshot to docs/screenshots).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/index';
import { generate } from '../../src/main/datasets';
import { toStoredItem } from '../../src/main/api/project/taskItems';
import { datasetContentHash } from '../../src/main/store/repos/datasets';
import { tf } from '../../src/main/engine/tf';
import { JobRunner } from '../../src/main/jobs';
import { workbenchJobRegistry } from '../../src/main/jobs/handlers';
import { openModel } from '../../src/main/services/modelSession';
import { encodePrompt, singleTokenId } from '../../src/main/services/prompt';
import { ProjectStore } from '../../src/main/store';
import { compareNumbers } from '../../src/main/study/compare';
import { labelModels, makePlan, STUDY_JOB_KIND } from '../../src/main/study/plan';
import { sectionRunsOf } from '../../src/main/study/project';
import { runStudy, type StudyDocument } from '../../src/main/study/run';
import { MODEL_SECTIONS } from '../../src/main/study/sections';
import { patchingSection } from '../../src/main/study/sections/patching';
import { DEFAULT_PARAMS } from '../../src/main/study/plan';
import { encodeTaskItems } from '../../src/main/analysis/promptBatch';
import type { ModelContext } from '../../src/main/study/context';
import { SECTION_KINDS, type StudyFigure, type StudySection } from '../../src/main/study/types';
import { launchChromium } from '../helpers/browser';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/circuit-workbench.mjs');
const DEFAULT_MODEL = path.join(ROOT, 'resources/default-model');
/** The two bundled models: the outline's two-model study runs on them, offline. */
const LARGER_MODEL = path.join(ROOT, 'resources/larger-model');
const SHOTS = path.join(ROOT, 'test-results/study');
/** Small sizes: the whole file stays around two minutes on a loaded 2-core machine. */
// 'premise' (not the task's default) checks that a chosen corruption reaches the items
const SMALL = { n: 6, seed: 3, corruption: 'premise', topHeads: 2, topNeurons: 3, eapIgSteps: 3, completenessSamples: 2, completenessGreedySteps: 1, romeSteps: 5, editParaphrases: 2, editNeighbours: 2, predictionPrompts: 3 };
const SMALL_ARGS = Object.entries(SMALL).flatMap(([k, v]) => ['--param', `${k}=${v}`]);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 240_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** The same CLI in this process, for refusals that happen before any model loads (no child start-up). */
async function cliHere(args: string[]): Promise<CliResult> {
  const errors: string[] = [];
  const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    return { code: await main(args), stdout: '', stderr: errors.join('\n') };
  } finally {
    err.mockRestore();
    log.mockRestore();
  }
}

let dir: string;
let smallModel: string;
let out: string;
let doc: StudyDocument;

beforeAll(async () => {
  dir = await makeTmpDir('cwb-study-');
  smallModel = await writeTaskModel(path.join(dir, 'small-model'), 5);
});
afterAll(removeTmpDirs);

/** How many data points a figure draws. */
function pointsOf(f: StudyFigure): number {
  switch (f.kind) {
    case 'line':
    case 'bar':
      return f.series.reduce((a, s) => a + s.values.length, 0);
    case 'scatter':
      return f.series.reduce((a, s) => a + s.points.length, 0);
    case 'heatmap':
      return f.values.reduce((a, r) => a + r.length, 0);
  }
}

/** Every number in a JSON value, in document order (an independent walk for the rerun check). */
function numbersIn(x: unknown, into: number[] = []): number[] {
  if (typeof x === 'number') into.push(x);
  else if (Array.isArray(x)) for (const v of x) numbersIn(v, into);
  else if (x && typeof x === 'object') for (const k of Object.keys(x).sort()) numbersIn((x as Record<string, unknown>)[k], into);
  return into;
}

const sectionOf = (kind: string, model: string | null): StudySection => {
  const s = doc.sections.find((x) => x.kind === kind && x.model === model);
  if (!s) throw new Error(`no ${kind} section for ${model}`);
  return s;
};

describe('study --task comparison on both bundled models', () => {
  beforeAll(async () => {
    out = path.join(dir, 'study');
    const r = await cli(['study', '--task', 'comparison', '--models', DEFAULT_MODEL, LARGER_MODEL, '--out', out, ...SMALL_ARGS, '--json']);
    expect(r.code, r.stderr).toBe(0);
    doc = JSON.parse(readFileSync(path.join(out, 'study.json'), 'utf8')) as StudyDocument;
  }, 300_000);

  it('has every outline section for every model, each with non-empty figures (SVG) and tables (CSV), in a self-contained report', () => {
    const labels = labelModels([DEFAULT_MODEL, LARGER_MODEL]).map((m) => m.label);
    expect(doc.plan.models.map((m) => m.label)).toEqual(labels);
    const expected = [...labels.flatMap((m) => MODEL_SECTIONS.map((s) => `${s.kind}@${m}`)), 'predictions@all'];
    expect(doc.sections.map((s) => `${s.kind}@${s.model ?? 'all'}`)).toEqual(expected);
    expect(new Set(doc.sections.map((s) => s.kind))).toEqual(new Set(SECTION_KINDS));
    const report = readFileSync(path.join(out, 'report.html'), 'utf8');
    let figures = 0;
    for (const s of doc.sections) {
      expect(s.figures.length, `${s.kind} ${s.model}`).toBeGreaterThan(0);
      expect(s.tables.length, `${s.kind} ${s.model}`).toBeGreaterThan(0);
      expect(report.includes(s.title), s.title).toBe(true);
      for (const f of s.figures) {
        figures++;
        expect(pointsOf(f), f.id).toBeGreaterThan(0);
        const svg = readFileSync(path.join(out, 'figures', `${f.id}.svg`), 'utf8');
        expect(svg.startsWith('<svg'), f.id).toBe(true);
        expect(svg, f.id).toMatch(/<(path|rect|circle)\b/);
      }
      for (const t of s.tables) {
        expect(t.rows.length, t.id).toBeGreaterThan(0);
        const csv = readFileSync(path.join(out, 'tables', `${t.id}.csv`), 'utf8');
        expect(csv.trimEnd().split('\r\n')).toHaveLength(t.rows.length + 1);
      }
    }
    expect(readdirSync(path.join(out, 'figures'))).toHaveLength(figures);
    // Self-contained: every figure inline, no script, nothing fetched.
    expect(report.match(/<svg\b/g)?.length).toBe(figures);
    expect(report).not.toMatch(/<script\b/i);
    expect(report).not.toMatch(/(src|href)=["']?(https?:|\/\/)/i);
    // Methods: every parameter, every model's and dataset's hash, the backend.
    for (const key of Object.keys(doc.plan.params)) expect(report.includes(`>${key}</td>`), key).toBe(true);
    for (const m of doc.provenance.models) {
      expect(m.contentHash).toMatch(/^[0-9a-f]{64}$/);
      expect(report.includes(m.contentHash) && report.includes(m.datasetHash), m.label).toBe(true);
    }
    expect(report.includes(`${doc.provenance.backend.name} (`)).toBe(true);
    expect(report).toContain('corrupted prompts by the <b>premise</b> corruption');
  });

  it("lists each studied head's patching effect and rank as the patching section's every-head table gives them", () => {
    for (const spec of doc.plan.models) {
      const every = sectionOf('patching', spec.label).tables.find((t) => t.id.startsWith('plot2-heads'))!;
      const effectOf = new Map(every.rows.map((r) => [r[0] as string, r[1] as number]));
      const scores = sectionOf('heads', spec.label).tables.find((t) => t.id.startsWith('plot4-head-scores'))!;
      const col = (name: string) => scores.columns.indexOf(name);
      const heads = scores.rows.filter((r) => r[0] !== 'average head');
      expect(heads.length).toBeGreaterThan(0);
      for (const row of heads) {
        const effect = effectOf.get(row[0] as string)!;
        expect(row[col('patching effect')]).toBe(effect);
        // rank by |effect|, counted here from the every-head table
        expect(row[col('patching rank')]).toBe(1 + [...effectOf.values()].filter((e) => Math.abs(e) > Math.abs(effect)).length);
      }
    }
  });

  it('draws its items with the chosen corruption: the dataset hash is that of the premise-corrupted items', () => {
    const items = generate('comparison', { n: SMALL.n, seed: SMALL.seed, split: 'heldout', corruption: 'premise' });
    const hash = datasetContentHash('comparison', items.map(toStoredItem));
    expect(hash).not.toBe(datasetContentHash('comparison', generate('comparison', { n: SMALL.n, seed: SMALL.seed, split: 'heldout' }).map(toStoredItem)));
    for (const m of doc.provenance.models) expect(m.datasetHash, m.label).toBe(hash);
  });

  it('reports the logit difference and the prediction table that a plain forward pass gives', async () => {
    const items = generate('comparison', { n: SMALL.n, seed: SMALL.seed, split: 'heldout' });
    const predictions = sectionOf('predictions', null).tables[0];
    for (const spec of doc.plan.models) {
      const session = await openModel(spec.dir);
      try {
        const lastLogits = (text: string): number[] => {
          const t = tf.tidy(() => session.model.forward([encodePrompt(session.tokenizer, session.config, text)], 'last').reshape([-1])); // [V]
          const v = Array.from(t.dataSync());
          t.dispose();
          return v;
        };
        const diffs = items.map((i) => {
          const l = lastLogits(i.clean);
          return l[singleTokenId(session.tokenizer, i.correct)] - l[singleTokenId(session.tokenizer, i.incorrect)];
        });
        const lens = sectionOf('lens', spec.label).tables.find((t) => t.columns.includes('clean'))!;
        expect(lens.rows[0][0]).toBe(items.length);
        expect(lens.rows[0][1] as number).toBeCloseTo(diffs.reduce((a, b) => a + b, 0) / diffs.length, 4);
        const rows = predictions.rows.filter((r) => r[1] === spec.label);
        expect(rows).toHaveLength(SMALL.predictionPrompts);
        rows.forEach((r, i) => {
          expect(r[0]).toBe(items[i].clean);
          const l = lastLogits(items[i].clean);
          const top = l.indexOf(Math.max(...l));
          expect(r[2]).toBe(session.tokenizer.tokenStrings([top])[0]);
          expect(r[3] as number).toBeCloseTo(l[top], 4);
          expect(r[6]).toBe(top === singleTokenId(session.tokenizer, items[i].correct) ? 1 : 0);
        });
      } finally {
        session.model.dispose();
      }
    }
  });

  it('study --rerun study.json reproduces every number within 1e-6', async () => {
    const again = path.join(dir, 'rerun');
    const r = await cli(['study', '--rerun', path.join(out, 'study.json'), '--out', again, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const second = JSON.parse(readFileSync(path.join(again, 'study.json'), 'utf8')) as StudyDocument;
    const a = numbersIn(doc.sections);
    const b = numbersIn(second.sections);
    expect(a.length).toBeGreaterThan(1000);
    expect(b).toHaveLength(a.length);
    const worst = Math.max(...a.map((x, i) => Math.abs(x - b[i])));
    expect(worst).toBeLessThanOrEqual(1e-6);
    expect(second.provenance.models.map((m) => [m.contentHash, m.datasetHash])).toEqual(doc.provenance.models.map((m) => [m.contentHash, m.datasetHash]));
    // The CLI's own check reports the same, and would catch a changed number.
    expect((JSON.parse(r.stdout) as { rerun: { numbers: number; maxAbsDiff: number } }).rerun.maxAbsDiff).toBeLessThanOrEqual(1e-6);
    const tampered = JSON.parse(JSON.stringify(doc)) as StudyDocument;
    const lens = tampered.sections[0].tables[0];
    lens.rows[0][1] = (lens.rows[0][1] as number) + 1e-3;
    const diff = compareNumbers(doc, tampered);
    expect(diff.maxAbsDiff).toBeCloseTo(1e-3, 9);
    expect(diff.worstPath).toBe('$.sections[0].tables[0].rows[0][1]');
  });

  it('is in the project: the study run and one run per section, with the model and dataset hashes', () => {
    const store = ProjectStore.open(path.join(out, 'study.cwb'));
    try {
      const studies = store.runs.list({ kind: STUDY_JOB_KIND });
      expect(studies).toHaveLength(1);
      expect(studies[0].status).toBe('done');
      const [result] = store.results.listForRun(studies[0].id);
      expect(result.name).toBe('study');
      expect((result.summary as unknown as StudyDocument).sections).toEqual(doc.sections);
      const runs = sectionRunsOf(store, studies[0].id);
      expect(runs).toHaveLength(doc.sections.length);
      runs.forEach((run, i) => {
        const s = doc.sections[i];
        expect(run.status).toBe('done');
        expect(run.params).toMatchObject({ studyRunId: studies[0].id, section: s.kind, model: s.model });
        const m = doc.provenance.models.find((x) => x.label === s.model);
        expect(run.modelHash).toBe(m?.contentHash ?? null);
        expect(run.datasetHash).toBe(m?.datasetHash ?? null);
        expect(store.results.listForRun(run.id).map((x) => x.summary)).toEqual([s]);
      });
    } finally {
      store.close();
    }
  });

  it('renders in headless Chromium', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(`file://${path.join(out, 'report.html')}`);
      const sizes = await page.$$eval('figure.chart svg', (els) => els.map((e) => e.getBoundingClientRect().width * e.getBoundingClientRect().height));
      expect(sizes.length).toBe(doc.sections.reduce((a, s) => a + s.figures.length, 0));
      expect(Math.min(...sizes)).toBeGreaterThan(10_000);
      const shot = path.join(SHOTS, '13-study-report.png');
      // Plot 2 at the top of the window: both models' head patching and lens-by-head heatmaps.
      await page.$eval('#patching', (el) => el.scrollIntoView({ block: 'start' }));
      await page.screenshot({ path: shot });
      if (process.env.CWB_README_SHOTS === '1') copyFileSync(shot, path.join(ROOT, 'docs/screenshots/13-study-report.png'));
    } finally {
      await browser.close();
    }
  });

  it('runStudy leaves no tensors behind, and gives in this thread the numbers the job gave in its worker', async () => {
    // The larger bundled model: the job ran it in its worker; here it runs in this thread.
    const [larger] = labelModels([DEFAULT_MODEL, LARGER_MODEL]).slice(1);
    const plan = makePlan({ task: 'comparison', models: [larger], params: SMALL }, 'test');
    const before = tf.memory().numTensors;
    const run = await runStudy(plan);
    expect(tf.memory().numTensors).toBe(before);
    const here = JSON.parse(JSON.stringify(run)) as StudyDocument; // as study.json holds it (NaN -> null)
    const diff = compareNumbers(doc.sections.filter((s) => s.model === larger.label), here.sections.filter((s) => s.model === larger.label));
    expect(diff.numbers).toBeGreaterThan(100);
    expect(diff.mismatches).toEqual([]);
    expect(diff.maxAbsDiff).toBeLessThanOrEqual(1e-6);
  });
});

describe('the patching section', () => {
  it('runs on a task whose prompts differ in token length (IOI), and takes the top heads and MLP from its own tables', async () => {
    const session = await openModel(smallModel);
    try {
      const items = generate('ioi', { n: 6, seed: 1, split: 'heldout' });
      const batch = encodeTaskItems(items, session.tokenizer, session.config);
      expect(batch.groups.length).toBeGreaterThan(1);
      const ctx: ModelContext = { label: 'small', session, task: 'ioi', items, batch, params: { ...DEFAULT_PARAMS, topHeads: 2 }, found: { topHeads: [], headEffects: [], topMlp: null } };
      const s = await patchingSection(ctx);
      const heads = s.tables.find((t) => t.id.startsWith('plot2-heads'))!;
      const byEffect = [...heads.rows].sort((a, b) => Math.abs(b[1] as number) - Math.abs(a[1] as number));
      expect(ctx.found.topHeads.map((h) => h.label)).toEqual(byEffect.slice(0, 2).map((r) => r[0]));
      const mlps = s.tables.find((t) => t.id.startsWith('plot2-mlps'))!;
      const best = mlps.rows.reduce((a, r) => (Math.abs(r[2] as number) > Math.abs(a[2] as number) ? r : a));
      expect(`MLP${ctx.found.topMlp}`).toBe(best[0]);
    } finally {
      session.model.dispose();
    }
  });
});

describe('the study job', () => {
  it('reports progress per section and stops on cancel, leaving no result and no files', async () => {
    const jobDir = await makeTmpDir('cwb-study-job-');
    const store = ProjectStore.open(path.join(jobDir, 'p.cwb'), { create: true });
    const runner = new JobRunner({ store, registry: workbenchJobRegistry(), progressWriteIntervalMs: 0 });
    try {
      const plan = makePlan({ task: 'comparison', models: labelModels([DEFAULT_MODEL]), params: SMALL }, 'test');
      const outDir = path.join(jobDir, 'out');
      const handle = runner.start(STUDY_JOB_KIND, { plan, outDir });
      const messages: string[] = [];
      runner.onEvent((e) => {
        if (e.type !== 'progress' || e.runId !== handle.runId) return;
        messages.push(e.message ?? '');
        if (e.message?.endsWith(': patching')) runner.cancel(handle.runId);
      });
      const record = await handle.done;
      expect(record.status).toBe('cancelled');
      expect(messages).toContain('default-model: lens');
      expect(messages.some((m) => m.endsWith(': circuit'))).toBe(false);
      expect(store.results.listForRun(record.id)).toEqual([]);
      expect(existsSync(outDir)).toBe(false);
    } finally {
      await runner.shutdown();
      store.close();
    }
  });
});

describe('study refuses bad input', () => {
  it('names a model folder that is not one, and writes nothing', async () => {
    const bad = path.join(dir, 'no-such-model');
    const target = path.join(dir, 'refused');
    const r = await cliHere(['study', '--task', 'comparison', '--models', bad, '--out', target]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}: not a model folder (no config.json)`);
    expect(existsSync(target)).toBe(false);
  });

  it('names an unknown parameter and an out-of-range one', async () => {
    const target = path.join(dir, 'refused');
    let r = await cliHere(['study', '--task', 'comparison', '--models', DEFAULT_MODEL, '--out', target, '--param', 'bogus=1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown parameter "bogus"');
    r = await cliHere(['study', '--task', 'comparison', '--models', DEFAULT_MODEL, '--out', target, '--n', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('params.n must be an integer in 1..4096, got 0');
    expect(existsSync(target)).toBe(false);
  });

  it('names the file and the field of a study.json it cannot rerun, and leaves it byte-identical', async () => {
    const file = path.join(dir, 'broken-study.json');
    const text = JSON.stringify({ format: 'something-else', plan: {} });
    writeFileSync(file, text);
    const r = await cliHere(['study', '--rerun', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}: field "format" must be "circuit-workbench.study/1"`);
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(readdirSync(dir).filter((f) => f.startsWith('broken') || f === 'rerun-of-broken')).toEqual(['broken-study.json']);
  });
});
