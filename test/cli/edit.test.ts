/**
 * `circuit-workbench edit rome|head` and `compare` through the real binary, on a random model
 * with the default vocabulary: the exported folder reloads to the same logits as the project's
 * edited model, the key second moment is cached in the project, compare reads both.
 */
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, toJsonl } from '../../src/main/datasets';
import { openModel } from '../../src/main/services/modelSession';
import { encodePrompt } from '../../src/main/services/prompt';
import { openProjectModel } from '../../src/main/editing/projectModel';
import { ProjectStore } from '../../src/main/store';
import { tf } from '../../src/main/engine/tf';
import { runCli } from '../helpers/cli';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';

let dir: string;
let modelDir: string;
let dataset: string;

beforeAll(async () => {
  dir = await makeTmpDir('cwb-edit-cli-');
  modelDir = await writeTaskModel(path.join(dir, 'base'));
  dataset = path.join(dir, 'comparison.jsonl');
  await writeFile(dataset, toJsonl(generate('comparison', { n: 12, seed: 2 })));
});
afterAll(removeTmpDirs);

const PROMPT = 'Mary likes the cat';

describe('circuit-workbench edit / compare', () => {
  it('edit rome writes a HF folder and a project edit whose logits agree to 1e-5, and caches C', async () => {
    const out = path.join(dir, 'edited');
    const project = path.join(dir, 'study.cwb');
    const args = ['edit', 'rome', '--model', modelDir, '--prompt', PROMPT, '--subject', 'cat', '--target', ' park', '--layer', '1', '--neighbour', 'Tom went home .', '--neighbour', 'The dog is very big .', '--out', out, '--project', project, '--json'];
    const r = runCli(args);
    expect(r.code, r.stderr).toBe(0);
    const data = r.json as { metrics: { efficacy: boolean; specificity: number }; momentCached: boolean; edit: { deltas: { param: string; rows: number; cols: number }[] }; project: { editId: number; modelId: number }; table: { model: string; prediction: string }[] };
    expect(data.metrics.efficacy).toBe(true);
    expect(data.momentCached).toBe(false);
    expect(data.edit.deltas).toEqual([{ param: 'h.1.mlp.c_proj.weight', rows: 128, cols: 32 }]);
    expect(data.table.filter((row) => row.model === 'edited')[0].prediction).toBe('park');

    const exported = await openModel(out);
    const store = ProjectStore.open(project);
    const fromProject = await openProjectModel(store, data.project.modelId);
    store.close();
    const ids = encodePrompt(exported.tokenizer, exported.config, PROMPT);
    const [a, b] = [tf.tidy(() => exported.model.forward([ids])), tf.tidy(() => fromProject.session.model.forward([ids]))];
    const [x, y] = [await a.data(), await b.data()];
    expect(Math.max(...Array.from(x, (v, i) => Math.abs(v - y[i])))).toBeLessThan(1e-5);
    tf.dispose([a, b]);
    exported.model.dispose();
    fromProject.dispose();

    const again = runCli(['edit', 'rome', '--model', modelDir, '--prompt', PROMPT, '--subject', 'cat', '--target', ' dog', '--layer', '1', '--project', project, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect((again.json as { momentCached: boolean }).momentCached).toBe(true);
  }, 120_000);

  it('edit head --kind ov reflects the head\'s projection; bad input names the problem', () => {
    const r = runCli(['edit', 'head', '--model', modelDir, '--kind', 'ov', '--layer', '1', '--head', '2', '--prompt', 'Mary is taller than Tom', '--source', 'taller', '--plus', 'taller', '--minus', 'shorter', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const p = (r.json as { projection: { before: number; after: number } }).projection;
    expect(p.after).toBeCloseTo(-p.before, 6);
    const bad = runCli(['edit', 'head', '--model', modelDir, '--kind', 'ov', '--layer', '1', '--head', '2', '--prompt', 'Mary is taller than Tom', '--source', 'shorter', '--plus', 'taller', '--json']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/"shorter" does not occur/);
  }, 60_000);

  it('compare --models base edited --dataset reports both models and the prediction table', () => {
    const r = runCli(['compare', '--models', modelDir, path.join(dir, 'edited'), '--dataset', dataset, '--prompts', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const data = r.json as { evaluations: { model: string; report: { overall: { n: number } } }[]; table: unknown[] };
    expect(data.evaluations.map((e) => e.report.overall.n)).toEqual([12, 12]);
    expect(data.table.length).toBe(6);
  }, 60_000);
});
