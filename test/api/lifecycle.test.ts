/**
 * Work is never lost (issue 13), through the real server: jobs outlive the connection that
 * started them and every connection sees them; cancelling is explicit; a run killed with its
 * server resumes to the circuit an uninterrupted run finds; a stale circuit save is refused;
 * edit.compare runs as a worker job with progress and cancel.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultServices, type DefaultServices } from '../../src/main/api/defaultServices';
import { ApiRouter } from '../../src/main/api/router';
import { startServer, type RunningServer } from '../../src/server/server';
import { ApiError } from '../../src/shared/api/errors';
import type { JobEventView, Progress } from '../../src/shared/api/protocol';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';
import { spawnTsx, waitForExit, waitForLine } from '../store/fixtures/child';
import { connectApi } from './wsClient';

const TOKEN = 'lifecycle-test-token-0123456789abcdef';
/** ACDC prompts: enough steps that a kill lands mid-run, few enough for a loaded 2-core machine. */
const ACDC_PROMPTS = 8;
const ACDC_TAU = 0.02;

let modelDir: string;
let rendererDir: string;
let services: DefaultServices;
let server: RunningServer;

const failure = (p: Promise<unknown>): Promise<ApiError> =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as ApiError,
  );

const jobEvents = (events: { kind: string }[], runId: number): JobEventView[] =>
  events.filter((e): e is { kind: 'job'; job: JobEventView } => e.kind === 'job').map((e) => e.job).filter((j) => j.runId === runId);

beforeAll(async () => {
  modelDir = await writeTaskModel(join(await makeTmpDir('cwb-life-model-'), 'task-model'));
  rendererDir = await makeTmpDir('cwb-life-renderer-');
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>test</title>');
  services = await createDefaultServices({ appVersion: '0.0.0-test', modelDir, dataDir: await makeTmpDir('cwb-life-data-'), log: () => undefined });
  server = await startServer({ router: new ApiRouter(services), rendererDir, port: 0, token: TOKEN });
});

afterAll(async () => {
  await server?.close();
  await services?.shutdown();
  await removeTmpDirs();
});

describe('jobs belong to the back end', () => {
  it('a job keeps running when the page that started it goes away; another page sees it live and finishes it', async () => {
    const a = await connectApi(server.port, TOKEN);
    const b = await connectApi(server.port, TOKEN);
    const dataset = await a.client.call('dataset.generate', { name: 'gone-page', task: 'ioi', n: 6, seed: 3 });
    let runId = 0;
    const started = new Promise<void>((resolve) => {
      void a.client
        .call('circuit.discover', { datasetId: dataset.id, method: 'eap-ig', topN: 5, steps: 3 }, { onProgress: (p: Progress) => p.runId && ((runId = p.runId), resolve()) })
        .catch(() => undefined);
    });
    await started;
    await a.close(); // the page reloads: its socket closes mid-run
    // Page B was not involved, yet sees the run's status and progress, and the run ends done.
    await expect.poll(() => jobEvents(b.events, runId).some((e) => e.status === 'done'), { timeout: 60_000 }).toBe(true);
    const seen = jobEvents(b.events, runId);
    expect(seen.every((e) => e.kind === 'circuit.attribution')).toBe(true);
    expect(seen.some((e) => e.fraction !== undefined && e.fraction > 0 && e.fraction < 1)).toBe(true);
    const detail = await b.client.call('run.get', { runId });
    expect(detail.run.status).toBe('done');
    expect(detail.results).toHaveLength(1);
    await b.close();
  }, 90_000);

  it('cancelling is explicit: run.cancel from another page cancels the run, and the starter hears "cancelled"', async () => {
    const a = await connectApi(server.port, TOKEN);
    const b = await connectApi(server.port, TOKEN);
    const dataset = await a.client.call('dataset.generate', { name: 'cancel-me', task: 'ioi', n: 6, seed: 4 });
    let runId = 0;
    let resolveStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (resolveStarted = resolve));
    const call = failure(a.client.call('circuit.discover', { datasetId: dataset.id, method: 'eap-ig', topN: 5, steps: 20 }, { onProgress: (p) => p.runId && ((runId = p.runId), resolveStarted()) }));
    await started;
    expect(await b.client.call('run.cancel', { runId })).toEqual({ cancelled: true });
    expect((await call).code).toBe('cancelled');
    expect((await b.client.call('run.get', { runId })).run).toMatchObject({ status: 'cancelled', resumable: true });
    expect((await failure(b.client.call('run.cancel', { runId }))).message).toContain('is cancelled');
    await Promise.all([a.close(), b.close()]);
  }, 90_000);
});

describe('runs again in one click', () => {
  it('run.rerun makes a new run with the same parameters and the same result', async () => {
    const a = await connectApi(server.port, TOKEN);
    const dataset = await a.client.call('dataset.generate', { name: 'again', task: 'ioi', n: 4, seed: 8 });
    const first = await a.client.call('analysis.run', { datasetId: dataset.id, kind: 'dla' });
    const again = await a.client.call('run.rerun', { runId: first.run.id });
    expect(again.run.id).not.toBe(first.run.id);
    expect(again.run).toMatchObject({ kind: 'dla', status: 'done', options: first.run.options });
    expect(again.result).toEqual(first.result);
    await a.close();
  }, 90_000);
});

describe('concurrent circuit edits', () => {
  it('a save based on an older version is refused with a conflict; both versions stay in the history', async () => {
    const a = await connectApi(server.port, TOKEN);
    const graph = (extra: string) => ({ nodes: [{ id: 'embed' }, { id: extra }, { id: 'logits' }], edges: [{ source: 'embed', target: extra }, { source: extra, target: 'logits' }] });
    const created = await a.client.call('circuit.create', { name: 'shared', graph: graph('mlp.0') });
    expect(created.headVersion).toBe(1);
    // Tab B saves first, from version 1.
    expect(await a.client.call('circuit.save', { circuitId: created.id, graph: graph('mlp.1'), baseVersion: 1 })).toEqual({ version: 2 });
    // Tab A still thinks it is on version 1: refused, nothing written.
    const refused = await failure(a.client.call('circuit.save', { circuitId: created.id, graph: graph('mlp.0'), baseVersion: 1, message: 'tab A' }));
    expect(refused.code).toBe('conflict');
    expect(refused.message).toContain('version 2');
    const head = await a.client.call('circuit.get', { circuitId: created.id });
    expect(head.version).toBe(2);
    expect(head.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(head.graph.nodes.map((n) => n.id)).toContain('mlp.1');
    // Restoring version 1 from the history is a save from the head: allowed, and history grows.
    const v1 = await a.client.call('circuit.get', { circuitId: created.id, version: 1 });
    expect(await a.client.call('circuit.save', { circuitId: created.id, graph: v1.graph as unknown as Record<string, unknown>, baseVersion: 2, message: 'restore version 1' })).toEqual({ version: 3 });
    const diff = await a.client.call('circuit.diff', { a: created.id, b: created.id, aVersion: 2, bVersion: 3 });
    expect(diff.nodes).toEqual({ onlyA: ['mlp.1'], onlyB: ['mlp.0'], both: ['embed', 'logits'] });
    await a.close();
  });
});

describe('discovery never overwrites', () => {
  it('writes a new circuit named after the run, or a new version of the chosen circuit only from its head', async () => {
    const a = await connectApi(server.port, TOKEN);
    const dataset = await a.client.call('dataset.generate', { name: 'discover-into', task: 'ioi', n: 4, seed: 6 });
    const hand = await a.client.call('circuit.create', { name: 'hand-built', graph: { nodes: [{ id: 'embed' }, { id: 'logits' }], edges: [{ source: 'embed', target: 'logits' }] } });
    const fresh = await a.client.call('circuit.discover', { datasetId: dataset.id, method: 'eap', topN: 4, saveTo: 'new-circuit' });
    expect(fresh.saved?.circuit.name).toBe(`EAP run ${fresh.run.id} on discover-into`);
    expect((await a.client.call('circuit.get', { circuitId: fresh.saved!.circuit.id })).graph.edges).toEqual(fresh.graph.edges);
    // The hand-built circuit is untouched.
    expect((await a.client.call('circuit.get', { circuitId: hand.id })).circuit.headVersion).toBe(1);
    const intoHand = await a.client.call('circuit.discover', { datasetId: dataset.id, method: 'eap', topN: 4, saveTo: 'new-version', circuitId: hand.id, baseVersion: 1 });
    expect(intoHand.saved).toMatchObject({ circuit: { id: hand.id }, version: 2 });
    // A second run that started from version 1 finds version 2 there: refused, nothing overwritten.
    const stale = await failure(a.client.call('circuit.discover', { datasetId: dataset.id, method: 'eap', topN: 4, saveTo: 'new-version', circuitId: hand.id, baseVersion: 1 }));
    expect(stale.code).toBe('conflict');
    expect((await a.client.call('circuit.get', { circuitId: hand.id })).versions.map((v) => v.version)).toEqual([1, 2]);
    await a.close();
  }, 90_000);
});

describe('edit.compare as a job', () => {
  it('runs in a worker with progress and a run of its own; its predictions match the loaded model in main', async () => {
    const a = await connectApi(server.port, TOKEN);
    const [model] = (await a.client.call('project.current', {})).models;
    const prompts = ['When Mary and John went to the store, John gave a drink to', 'When John and Mary went to the store, Mary gave a drink to'];
    const progress: Progress[] = [];
    const comparison = await a.client.call('edit.compare', { modelIds: [model.id], prompts }, { onProgress: (p) => progress.push(p) });
    expect(comparison.run?.kind).toBe('edit-compare');
    expect(progress.some((p) => p.runId === comparison.run?.id && p.done > 0 && p.done < p.total)).toBe(true);
    for (const [i, prompt] of prompts.entries()) {
      // model.predict runs in main on the loaded session: an independent path to the same numbers.
      const [top] = (await a.client.call('model.predict', { prompt, topK: 1 })).predictions;
      const row = comparison.predictions[i];
      expect(row.input).toBe(prompt);
      expect(row.prediction).toBe(top.token);
      expect(row.logit).toBeCloseTo(top.logit, 3);
    }
    // The comparison is stored with its run, so its view reopens later.
    const stored = await a.client.call('run.get', { runId: comparison.run!.id });
    expect((stored.results[0].summary as { predictions: unknown[] }).predictions).toEqual(comparison.predictions);
    await a.close();
  }, 90_000);

  it('is cancelled by its caller', async () => {
    const a = await connectApi(server.port, TOKEN);
    const [model] = (await a.client.call('project.current', {})).models;
    const dataset = await a.client.call('dataset.generate', { name: 'compare-cancel', task: 'ioi', n: 40, seed: 5 });
    const controller = new AbortController();
    let runId = 0;
    const error = await failure(
      a.client.call('edit.compare', { modelIds: [model.id, model.id], prompts: [], datasetId: dataset.id, circuitTopN: 10 }, { signal: controller.signal, onProgress: (p) => p.runId && ((runId = p.runId), controller.abort()) }),
    );
    expect(error.code).toBe('cancelled');
    await expect.poll(async () => (await a.client.call('run.get', { runId })).run.status, { timeout: 30_000 }).toBe('cancelled');
    await a.close();
  }, 90_000);
});

describe('resume after the server was killed', () => {
  it('an ACDC run killed with its server resumes from its checkpoint to the circuit an uninterrupted run finds', async () => {
    const dataDir = await makeTmpDir('cwb-life-kill-');
    const projectFile = join(dataDir, 'killed.cwb');
    const start = async () => {
      const child = spawnTsx('test/api/fixtures/serveChild.ts', [modelDir, dataDir, projectFile, rendererDir, TOKEN]);
      const [, port] = await waitForLine(child, /^listening (\d+)/, 60_000);
      return { child, port: Number(port) };
    };
    let first = await start();
    let api = await connectApi(first.port, TOKEN);
    const dataset = await api.client.call('dataset.generate', { name: 'acdc-kill', task: 'ioi', n: ACDC_PROMPTS, seed: 9 });
    let runId = 0;
    let resolveHalf: () => void = () => undefined;
    const half = new Promise<void>((resolve) => (resolveHalf = resolve));
    void api.client
      .call('circuit.discover', { datasetId: dataset.id, method: 'acdc', threshold: ACDC_TAU }, { onProgress: (p) => p.runId && ((runId = p.runId), p.done >= 300 && resolveHalf()) })
      .catch(() => undefined);
    await half;
    first.child.kill('SIGKILL');
    await waitForExit(first.child);

    first = await start();
    api = await connectApi(first.port, TOKEN);
    const interrupted = (await api.client.call('run.get', { runId })).run;
    expect(interrupted).toMatchObject({ status: 'interrupted', resumable: true, hasCheckpoint: true });
    const resumed = await api.client.call('run.resume', { runId });
    expect(resumed.run.status).toBe('done');
    const resumedSummary = resumed.result as { resumedFrom: number | null; circuit: { graph: { edges: unknown[] } }; metric?: unknown };
    expect(resumedSummary.resumedFrom).toBeGreaterThan(0);

    const fresh = await api.client.call('circuit.discover', { datasetId: dataset.id, method: 'acdc', threshold: ACDC_TAU });
    const freshSummary = (await api.client.call('run.get', { runId: fresh.run.id })).results[0].summary as typeof resumedSummary;
    expect(freshSummary.resumedFrom).toBeNull();
    expect(resumedSummary.circuit.graph.edges.length).toBeGreaterThan(0);
    expect(resumedSummary.circuit.graph).toEqual(freshSummary.circuit.graph);
    await api.close();
    first.child.kill('SIGTERM');
    await waitForExit(first.child);
  }, 240_000);
});
