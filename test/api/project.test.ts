/**
 * The project, dataset, run and circuit operations against the real services: a real model on
 * disk, real .cwb files in a temp folder, jobs in real worker threads.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultServices, type DefaultServices } from '../../src/main/api/defaultServices';
import { modelContentHash } from '../../src/main/api/project/modelHash';
import { ApiRouter } from '../../src/main/api/router';
import { generate, toCsv, toJsonl } from '../../src/main/datasets';
import { ProjectStore } from '../../src/main/store';
import { ApiError } from '../../src/shared/api/errors';
import type { Progress } from '../../src/shared/api/protocol';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';
import { copyScores, type CopyScoreResult } from '../../src/main/analysis/copyScores';
import { ANTONYM_PAIRS } from '../../src/main/datasets/words';
import { openModel } from '../../src/main/services/modelSession';

let dataDir: string;
let modelDir: string;
let services: DefaultServices;
let router: ApiRouter;

const failure = (p: Promise<unknown>): Promise<ApiError> =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as ApiError,
  );

beforeAll(async () => {
  // A first start: the data folder does not exist yet.
  dataDir = join(await makeTmpDir('cwb-api-data-'), 'first-start');
  modelDir = await writeTaskModel(join(await makeTmpDir('cwb-api-model-'), 'task-model'));
  services = await createDefaultServices({ appVersion: '0.0.0-test', modelDir, dataDir, log: () => undefined });
  router = new ApiRouter(services);
});

afterAll(async () => {
  await services?.shutdown();
  await removeTmpDirs();
});

describe('projects', () => {
  it('opens the default project in the data folder with the loaded model registered', async () => {
    const overview = await router.invoke('project.current', {});
    expect(overview.path).toBe(join(dataDir, 'default.cwb'));
    expect(overview.name).toBe('default');
    expect(overview.models).toHaveLength(1);
    expect(overview.models[0]).toMatchObject({ name: 'task-model', path: modelDir, loaded: true, contentHash: await modelContentHash(modelDir) });
    expect((await router.invoke('project.recent', {})).projects).toEqual([{ path: join(dataDir, 'default.cwb'), name: 'default' }]);
  });

  it('creates, saves as and reopens projects; the recent list is newest first', async () => {
    const other = join(dataDir, 'other.cwb');
    expect(await router.invoke('project.create', { path: other })).toEqual({ path: other, name: 'other' });
    expect((await router.invoke('project.current', {})).models.map((m) => m.name)).toEqual(['task-model']);
    await router.invoke('dataset.generate', { name: 'only-in-other', task: 'ioi', n: 2, seed: 1 });
    const copy = join(dataDir, 'copy.cwb');
    expect((await router.invoke('project.saveAs', { path: copy })).path).toBe(copy);
    expect((await router.invoke('project.current', {})).datasets.map((d) => d.name)).toEqual(['only-in-other']);
    expect((await router.invoke('project.recent', {})).projects.map((p) => p.name)).toEqual(['copy', 'other', 'default']);
    await router.invoke('project.open', { path: join(dataDir, 'default.cwb') });
    expect((await router.invoke('project.current', {})).datasets).toEqual([]);
  });

  it('refuses to create over an existing file and explains a file that is not a project', async () => {
    const error = await failure(router.invoke('project.create', { path: join(dataDir, 'other.cwb') }));
    expect(error.message).toContain('already exists');
    const text = join(dataDir, 'notes.cwb');
    writeFileSync(text, 'just some text, not SQLite at all');
    const notProject = await failure(router.invoke('project.open', { path: text }));
    expect(notProject.code).toBe('failed');
    expect(notProject.message).toContain('not a Circuit Workbench project');
    expect(readFileSync(text, 'utf8')).toBe('just some text, not SQLite at all');
    const missing = await failure(router.invoke('project.open', { path: join(dataDir, 'missing.cwb') }));
    expect(missing.code).toBe('not_found');
    // The open project did not change.
    expect((await router.invoke('project.current', {})).name).toBe('default');
  });

  it('exports the project as a JSON bundle with progress', async () => {
    const progress: Progress[] = [];
    const dest = join(dataDir, 'bundle.json');
    const result = await router.invoke('project.export', { path: dest, format: 'json' }, { onProgress: (p) => progress.push(p) });
    const bundle = JSON.parse(readFileSync(dest, 'utf8')) as { format: string; models: unknown[] };
    expect(result.bytes).toBe(readFileSync(dest).length);
    expect(bundle.format).toBe('circuit-workbench/project-bundle@1');
    expect(bundle.models).toHaveLength(1);
    expect(progress.at(-1)).toMatchObject({ done: progress.at(-1)!.total });
  });
});

describe('datasets', () => {
  it('generates a dataset from templates, saved in the project and paged back in order', async () => {
    const entry = await router.invoke('dataset.generate', { name: 'ioi-8', task: 'ioi', n: 8, seed: 3, corruption: 'abc' });
    expect(entry).toMatchObject({ name: 'ioi-8', task: 'ioi', itemCount: 8 });
    const expected = generate('ioi', { n: 8, seed: 3, corruption: 'abc' });
    const page = await router.invoke('dataset.items', { datasetId: entry.id, offset: 2, limit: 3 });
    expect(page.total).toBe(8);
    expect(page.items.map((i) => i.clean)).toEqual(expected.slice(2, 5).map((i) => i.clean));
    expect(page.items[0]).toMatchObject({ corrupted: expected[2].corrupted, correct: expected[2].correct, template: expected[2].template, task: 'ioi' });
  });

  it('refuses a corruption the task does not have, and a duplicate name', async () => {
    expect((await failure(router.invoke('dataset.generate', { name: 'x', task: 'latest', n: 2, seed: 0, corruption: 'abc' }))).message).toBe(
      'The latest task has no "abc" corruption; it has swap.',
    );
    expect((await failure(router.invoke('dataset.generate', { name: 'ioi-8', task: 'ioi', n: 2, seed: 0 }))).message).toContain('already exists');
  });

  it('imports JSONL and CSV files that fit the model', async () => {
    const items = generate('comparison', { n: 5, seed: 9 });
    const fromJsonl = await router.invoke('dataset.import', { name: 'cmp-jsonl', format: 'jsonl', text: toJsonl(items) });
    expect(fromJsonl).toMatchObject({ problems: [], dataset: { name: 'cmp-jsonl', itemCount: 5, task: 'comparison' } });
    const fromCsv = await router.invoke('dataset.import', { name: 'cmp-csv', format: 'csv', text: toCsv(items) });
    expect(fromCsv.dataset?.contentHash).toBe(fromJsonl.dataset?.contentHash);
  });

  it('reports every problem with its row and field, and saves nothing', async () => {
    const items = generate('ioi', { n: 4, seed: 5 });
    items[1] = { ...items[1], correct: ' Zyxwv' };
    items[3] = { ...items[3], clean: `${items[3].clean} Qwerty` };
    const before = (await router.invoke('project.current', {})).datasets.length;
    const result = await router.invoke('dataset.import', { name: 'bad', format: 'jsonl', text: toJsonl(items) });
    expect(result.dataset).toBeNull();
    expect(result.problems.map((p) => [p.row, p.field])).toEqual(
      expect.arrayContaining([
        [2, 'correct'],
        [4, 'clean'],
      ]),
    );
    expect(result.problems.every((p) => p.message.startsWith(`row ${p.row}, field "${p.field}"`))).toBe(true);
    const csv = await router.invoke('dataset.import', { name: 'bad', format: 'csv', text: toCsv(items) });
    expect(csv.problems.map((p) => p.row)).toEqual(expect.arrayContaining([3, 5]));
    const broken = await router.invoke('dataset.import', { name: 'bad', format: 'jsonl', text: `${toJsonl(items.slice(0, 1))}{"clean": oops}\n` });
    expect(broken.problems).toEqual([{ row: 2, field: null, message: expect.stringContaining('bad.jsonl: line 2: invalid JSON') }]);
    expect((await router.invoke('project.current', {})).datasets.length).toBe(before);
  });

  it('says which dataset does not exist', async () => {
    const error = await failure(router.invoke('dataset.items', { datasetId: 999 }));
    expect(error).toMatchObject({ code: 'not_found', message: 'There is no dataset 999 in this project.' });
  });
});

describe('analyses as jobs', () => {
  let datasetId: number;
  beforeAll(async () => {
    datasetId = (await router.invoke('dataset.generate', { name: 'ioi-6', task: 'ioi', n: 6, seed: 1 })).id;
  });

  it('runs the logit lens in a worker with progress; the run and result are saved in the project', async () => {
    const progress: Progress[] = [];
    const outcome = await router.invoke('analysis.run', { datasetId, kind: 'logit-lens' }, { onProgress: (p) => progress.push(p) });
    expect(outcome.run).toMatchObject({ kind: 'logit-lens', status: 'done', progress: 1, datasetName: 'ioi-6', options: { side: 'clean', datasetId } });
    const result = outcome.result as { kind: string; stages: string[]; mean: number[]; logitDiff: number[] };
    expect(result.kind).toBe('logit-lens');
    expect(result.stages).toEqual(['embed', 'L0 mid', 'L0 post', 'L1 mid', 'L1 post']);
    expect(result.logitDiff).toHaveLength(6);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.map((p) => p.done)).toEqual([...progress.map((p) => p.done)].sort((a, b) => a - b));
    expect(progress.at(-1)).toEqual({ done: 1000, total: 1000, message: 'Done', runId: outcome.run.id });
    const again = await router.invoke('run.get', { runId: outcome.run.id });
    expect(again.results[0].summary).toEqual(outcome.result);
    expect((await router.invoke('run.list', {})).runs[0].id).toBe(outcome.run.id);
  });

  it('checks kind-specific options against the model before starting a job', async () => {
    const runsBefore = (await router.invoke('run.list', {})).runs.length;
    expect(await failure(router.invoke('analysis.run', { datasetId, kind: 'correlation', layer: 5, head: 0 }))).toMatchObject({
      code: 'failed',
      message: 'The model has 2 layers (0 to 1); layer 5 does not exist.',
    });
    expect(await failure(router.invoke('analysis.run', { datasetId, kind: 'patching' }))).toMatchObject({ code: 'invalid_request', path: 'params.target' });
    expect((await router.invoke('run.list', {})).runs.length).toBe(runsBefore);
  });

  it('copy scores default to the study\'s convention: input after MLP0, with the antonym pairs and the average head', async () => {
    const outcome = await router.invoke('analysis.run', { datasetId, kind: 'copy-scores' });
    expect(outcome.run.options).toMatchObject({ k: 5, input: 'mlp0', antonyms: true });
    const result = outcome.result as CopyScoreResult;
    // the candidates: the dataset's answers, then every comparative of the antonym pairs (an IOI dataset has none of them)
    const session = await openModel(modelDir);
    const id = (word: string): number => session.tokenizer.encode(word)[0];
    const items = (await router.invoke('dataset.items', { datasetId, limit: 1000 })).items;
    const answers = new Set(items.flatMap((it) => [id(it.correct), id(it.incorrect)]));
    const pairs = ANTONYM_PAIRS.map((p) => [id(` ${p.comparative[0]}`), id(` ${p.comparative[1]}`)] as [number, number]);
    expect(new Set(result.tokens.slice(0, answers.size))).toEqual(answers);
    expect(result.tokens.slice(answers.size)).toEqual(pairs.flat());
    // the same numbers as copyScores called directly on those candidates
    const direct = await copyScores(session.model, result.tokens, { k: 5, input: 'mlp0', antonyms: pairs });
    session.model.dispose();
    expect(result.antonym).toEqual(direct.antonym);
    expect(result.copying).toEqual(direct.copying);
    expect(result.averageHead).toEqual(direct.averageHead);
    const embed = (await router.invoke('analysis.run', { datasetId, kind: 'copy-scores', input: 'embed', antonyms: false })).result as CopyScoreResult;
    expect(embed).toMatchObject({ input: 'embed', tokens: result.tokens.slice(0, answers.size) });
    expect(embed.antonym).toBeUndefined();
  });

  it('reports a failing job in plain words (no stack, no error class)', async () => {
    // The worker refuses k above the vocabulary (257 words); the schema allows up to 1000.
    const error = await failure(router.invoke('analysis.run', { datasetId, kind: 'copy-scores', k: 300 }));
    expect(error.code).toBe('failed');
    expect(error.message).toBe('k must be an integer in 1..257, got 300');
    const run = (await router.invoke('run.list', {})).runs[0];
    expect(run).toMatchObject({ kind: 'copy-scores', status: 'failed', error: error.message });
  });

  it('cancels a running job when the caller cancels; the run is recorded as cancelled', async () => {
    const controller = new AbortController();
    const pending = router.invoke('analysis.run', { datasetId, kind: 'patching', target: 'heads' }, {
      signal: controller.signal,
      // Cancel at the first report (the run is queued or its worker is starting), long before it could finish.
      onProgress: () => controller.abort(),
    });
    expect((await failure(pending)).code).toBe('cancelled');
    const run = (await router.invoke('run.list', {})).runs[0];
    expect(run).toMatchObject({ kind: 'patching', status: 'cancelled' });
  });

  it('keeps runs and results when the project is closed and opened again', async () => {
    const file = (await router.invoke('project.current', {})).path;
    const runs = (await router.invoke('run.list', {})).runs;
    await services.shutdown();
    const store = ProjectStore.open(file);
    try {
      expect(store.runs.list().map((r) => [r.id, r.status])).toEqual(runs.map((r) => [r.id, r.status]));
      const done = runs.find((r) => r.status === 'done' && r.kind === 'logit-lens')!;
      expect(store.results.listForRun(done.id)[0].name).toBe('logit-lens');
    } finally {
      store.close();
    }
    services = await createDefaultServices({ appVersion: '0.0.0-test', modelDir, dataDir, log: () => undefined });
    router = new ApiRouter(services);
    expect((await router.invoke('run.list', {})).runs.map((r) => r.id)).toEqual(runs.map((r) => r.id));
  });
});

describe('circuits', () => {
  const graph = {
    nodes: [{ id: 'embed' }, { id: 'L0H1' }, { id: 'logits' }],
    edges: [
      { source: 'embed', target: 'L0H1', input: 'v', score: 0.5 },
      { source: 'L0H1', target: 'logits', score: 1.5 },
    ],
  };

  it('creates, saves versions, renames, exports and imports a circuit', async () => {
    const created = await router.invoke('circuit.create', { name: 'hand-made', graph });
    expect(created).toMatchObject({ name: 'hand-made', headVersion: 1 });
    const next = { ...graph, groups: [{ id: 'g1', label: 'name movers', members: ['L0H1'] }] };
    expect(await router.invoke('circuit.save', { circuitId: created.id, graph: next, message: 'grouped' })).toEqual({ version: 2 });
    const detail = await router.invoke('circuit.get', { circuitId: created.id });
    expect(detail.version).toBe(2);
    expect(detail.graph.groups?.[0].label).toBe('name movers');
    expect(detail.versions.map((v) => [v.version, v.message])).toEqual([
      [1, 'created'],
      [2, 'grouped'],
    ]);
    expect((await router.invoke('circuit.get', { circuitId: created.id, version: 1 })).graph).toEqual(graph);
    expect((await router.invoke('circuit.rename', { circuitId: created.id, name: 'IOI sketch' })).name).toBe('IOI sketch');
    const doc = await router.invoke('circuit.export', { circuitId: created.id });
    expect(doc).toMatchObject({ format: 'circuit-workbench/circuit@1', name: 'IOI sketch', version: 2, graph: next });
    const imported = await router.invoke('circuit.import', { document: doc, name: 'copy' });
    expect((await router.invoke('circuit.get', { circuitId: imported.id })).graph).toEqual(next);
  });

  it('refuses a graph with an edge to a missing node, naming it', async () => {
    const error = await failure(router.invoke('circuit.create', { name: 'broken', graph: { nodes: [{ id: 'embed' }], edges: [{ source: 'embed', target: 'L9H9' }] } }));
    expect(error.message).toBe('circuit "broken": edges[0].target "L9H9" is not a node of the graph');
  });

  it('diffs two circuits into only-A, only-B and both', async () => {
    const a = await router.invoke('circuit.create', { name: 'A', graph });
    const b = await router.invoke('circuit.create', {
      name: 'B',
      graph: { nodes: [{ id: 'embed' }, { id: 'L1H0' }, { id: 'logits' }], edges: [{ source: 'embed', target: 'L1H0', input: 'q' }, { source: 'L1H0', target: 'logits' }] },
    });
    const diff = await router.invoke('circuit.diff', { a: a.id, b: b.id });
    expect(diff.nodes).toEqual({ onlyA: ['L0H1'], onlyB: ['L1H0'], both: ['embed', 'logits'] });
    expect(diff.edges).toEqual({ onlyA: ['embed->L0H1:v', 'L0H1->logits'], onlyB: ['embed->L1H0:q', 'L1H0->logits'], both: [] });
  });
});

describe('circuit discovery and evaluation as jobs', () => {
  let datasetId: number;
  beforeAll(async () => {
    datasetId = (await router.invoke('dataset.generate', { name: 'ioi-discovery', task: 'ioi', n: 6, seed: 4 })).id;
  });

  it('runs ACDC with progress and returns a graph the store accepts', async () => {
    const progress: Progress[] = [];
    const outcome = await router.invoke('circuit.discover', { datasetId, method: 'acdc', threshold: 0.05 }, { onProgress: (p) => progress.push(p) });
    expect(outcome.run).toMatchObject({ kind: 'circuit.acdc', status: 'done', datasetName: 'ioi-discovery', options: { method: 'acdc', tau: 0.05 } });
    expect(outcome.summary).toMatchObject({ method: { name: 'acdc', tau: 0.05 } });
    expect(outcome.graph.edges.length).toBe((outcome.summary as { edges: number }).edges);
    expect(progress.at(-1)!.done).toBe(1000);
    const saved = await router.invoke('circuit.create', { name: 'acdc-found', graph: outcome.graph as unknown as Record<string, unknown> });
    expect((await router.invoke('circuit.get', { circuitId: saved.id })).graph.edges).toHaveLength(outcome.graph.edges.length);
  });

  it('runs EAP and EAP-IG keeping the top-n edges (pruned) with their scores', async () => {
    for (const method of ['eap', 'eap-ig'] as const) {
      const outcome = await router.invoke('circuit.discover', { datasetId, method, topN: 60 });
      // The top 60, less any that no longer connect the input to the logits (pruned).
      const selected = (outcome.summary as { selection: { edges: number } }).selection.edges;
      expect(outcome.graph.edges).toHaveLength(selected);
      expect(selected).toBeGreaterThan(0);
      expect(selected).toBeLessThanOrEqual(60);
      expect(outcome.graph.edges.every((e) => Number.isFinite(e.score))).toBe(true);
    }
  });

  it('runs path patching into the logits as a graph of senders', async () => {
    const outcome = await router.invoke('circuit.discover', { datasetId, method: 'path-patching', threshold: 0 });
    expect(outcome.graph.edges.every((e) => e.target === 'logits' && /^a\d+\.h\d+$/.test(e.source))).toBe(true);
    expect(outcome.graph.edges.length).toBe((outcome.summary as { values: (number | null)[] }).values.filter((v) => v !== null).length);
  });

  it('evaluates a hand-built circuit: faithfulness, completeness, minimality', async () => {
    const graph = {
      nodes: [{ id: 'input' }, { id: 'a0.h1' }, { id: 'logits' }],
      edges: [
        { source: 'input', target: 'a0.h1', input: 'v' },
        { source: 'a0.h1', target: 'logits' },
      ],
    };
    const circuit = await router.invoke('circuit.create', { name: 'three nodes', graph });
    const outcome = await router.invoke('circuit.evaluate', { circuitId: circuit.id, datasetId });
    type KnockOut = { nodes: string[]; circuit: number; full: number; score: number };
    const summary = outcome.summary as {
      faithfulness: { circuit: number; full: number; empty: number; ratio: number };
      completeness: { random: KnockOut[]; classes: KnockOut[]; greedy: KnockOut[]; worst: number };
      minimality: { node: string }[];
    };
    const f = summary.faithfulness;
    expect(outcome.faithfulness).toBeCloseTo(f.circuit / f.full, 6);
    // One inner node, so every knock-out set K is {} or {a0.h1}. Knocking a0.h1 out of the circuit
    // leaves no edge: F(C\K) is the all-ablated F(∅) the faithfulness phase measured; K = {}
    // gives F(C) and F(M) again. Completeness is the largest |F(C\K) - F(M\K)|.
    const knockOuts = [...summary.completeness.random, ...summary.completeness.classes, ...summary.completeness.greedy];
    expect(knockOuts.some((k) => k.nodes.includes('a0.h1'))).toBe(true);
    for (const k of knockOuts) {
      expect(k.circuit).toBeCloseTo(k.nodes.includes('a0.h1') ? f.empty : f.circuit, 5);
      if (k.nodes.length === 0) expect(k.full).toBeCloseTo(f.full, 5);
      expect(k.score).toBeCloseTo(Math.abs(k.circuit - k.full), 10);
    }
    expect(outcome.completeness).toBe(Math.max(...knockOuts.map((k) => k.score)));
    expect(summary.minimality.map((m) => m.node)).toEqual(['a0.h1']);
    expect(outcome.run).toMatchObject({ kind: 'circuit-eval', status: 'done' });
  });

  it('refuses to evaluate an empty circuit, in words', async () => {
    const empty = await router.invoke('circuit.create', { name: 'empty', graph: { nodes: [], edges: [] } });
    expect((await failure(router.invoke('circuit.evaluate', { circuitId: empty.id, datasetId }))).message).toBe(
      'Circuit "empty" has no edges yet: add some, or find them with ACDC or EAP.',
    );
  });
});

describe('without a project service', () => {
  it('says plainly that no project is open', async () => {
    const bare = new ApiRouter(await createDefaultServices({ appVersion: '1', log: () => undefined }));
    expect(await failure(bare.invoke('project.current', {}))).toMatchObject({ code: 'not_available' });
    expect(existsSync(join(dataDir, 'default.cwb'))).toBe(true);
  });
});
