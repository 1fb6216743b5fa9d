import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTokenizerJson, generate, parseCsv, parseJsonl, toJsonl, type TaskItem } from '../../src/main/datasets';
import { initBackend } from '../../src/main/engine/backend';
import { parseHfConfig } from '../../src/main/engine/config';
import { HookedGPT2 } from '../../src/main/engine/model';
import { randomParams } from '../../src/main/engine/params';
import { writeModelDir } from '../../src/main/loader/modelDir';
import { evaluate } from '../../src/main/services/evaluate';
import { tokenizerFromJson } from '../../src/main/tokenizer';
import { runCli } from '../helpers/cli';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';

let dir: string;
let modelDir: string;
const tokenizerJson = defaultTokenizerJson();
const tokenizer = tokenizerFromJson(tokenizerJson);
const config = parseHfConfig({ n_layer: 1, n_head: 2, n_embd: 16, n_positions: 32, vocab_size: tokenizer.vocabSize, prepend_bos: true });
const params = randomParams(config, 9, 0.3);

beforeAll(async () => {
  dir = await makeTmpDir();
  modelDir = path.join(dir, 'model');
  await writeModelDir(modelDir, { config, params, tokenizerJson });
});
afterAll(removeTmpDirs);

describe('circuit-workbench dataset generate', () => {
  it('writes JSONL and CSV files that parse back to exactly the generated items', async () => {
    const jsonl = path.join(dir, 'ioi.jsonl');
    const r = runCli(['dataset', 'generate', '--task', 'ioi', '--n', '25', '--seed', '4', '--split', 'heldout', '--corruption', 'swap', '--out', jsonl, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const expected = generate('ioi', { n: 25, seed: 4, split: 'heldout', corruption: 'swap' });
    expect(parseJsonl(await readFile(jsonl, 'utf8'))).toEqual(expected);
    const data = r.json as { format: string; n: number; templates: Record<string, number> };
    expect(data.format).toBe('jsonl');
    expect(Object.values(data.templates).reduce((a, b) => a + b, 0)).toBe(25);

    const csv = path.join(dir, 'latest.csv');
    const c = runCli(['dataset', 'generate', '--task', 'latest', '--n', '10', '--seed=-3', '--out', csv]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/wrote 10 latest items \(all split, swap corruption, seed -3\)/);
    expect(parseCsv(await readFile(csv, 'utf8'))).toEqual(generate('latest', { n: 10, seed: -3 }));
  });

  it('refuses bad options with a message naming the option', () => {
    const out = path.join(dir, 'x.jsonl');
    const cases: [string[], RegExp][] = [
      [['--task', 'sum', '--n', '5', '--seed', '1', '--out', out], /--task must be one of ioi, comparison, latest, got "sum"/],
      [['--task', 'latest', '--n', '5', '--seed', '1', '--corruption', 'flip', '--out', out], /--corruption "flip" is not available for task "latest" \(use one of swap\)/],
      [['--task', 'ioi', '--n', '5', '--seed', '1', '--out', path.join(dir, 'x.txt')], /x\.txt: unknown dataset format "\.txt" \(use \.jsonl or \.csv\)/],
      [['--task', 'ioi', '--n', '0', '--seed', '1', '--out', out], /--n must be an integer >= 1, got "0"/],
      [['--task', 'ioi', '--n', '5', '--seed', '1.5', '--out', out], /--seed must be an integer, got "1.5"/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(['dataset', 'generate', ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('circuit-workbench evaluate', () => {
  it('prints the numbers of the evaluation service, per task and per template, for .jsonl and .csv', async () => {
    const items = [...generate('comparison', { n: 12, seed: 2 }), ...generate('latest', { n: 12, seed: 2 })];
    const file = path.join(dir, 'mixed.jsonl');
    await writeFile(file, toJsonl(items));
    const r = runCli(['evaluate', '--model', modelDir, '--dataset', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    await initBackend();
    const model = HookedGPT2.fromParams(config, params);
    const expected = await evaluate({ model, tokenizer, config }, items);
    model.dispose();
    const data = r.json as { tasks: typeof expected.tasks; overall: typeof expected.overall; items?: unknown };
    expect(data.items).toBeUndefined();
    expect(Object.keys(data.tasks)).toEqual(['comparison', 'latest']);
    for (const task of ['comparison', 'latest']) {
      expect(data.tasks[task].n).toBe(12);
      expect(data.tasks[task].accuracy).toBe(expected.tasks[task].accuracy);
      expect(data.tasks[task].meanLogitDiff).toBeCloseTo(expected.tasks[task].meanLogitDiff, 4);
      expect(data.tasks[task].meanCorruptedLogitDiff).toBeCloseTo(expected.tasks[task].meanCorruptedLogitDiff, 4);
      expect(Object.keys(data.tasks[task].templates).sort()).toEqual(Object.keys(expected.tasks[task].templates).sort());
    }

    const csv = path.join(dir, 'mixed.csv');
    const g = runCli(['dataset', 'generate', '--task', 'comparison', '--n', '12', '--seed', '2', '--out', csv]);
    expect(g.code, g.stderr).toBe(0);
    const t = runCli(['evaluate', '--model', modelDir, '--dataset', csv]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^comparison\s+12\s+[\d.]+%\s+-?[\d.]+\s+-?[\d.]+$/m);
    expect(t.stdout).toMatch(/^ {2}comparison\/the-one\/same\s+\d+/m);
    expect(t.stdout).not.toMatch(/subject/);

    // Opt-in templates come only by name; an unknown one is refused with the known ids.
    const optIn = path.join(dir, 'opt-in.jsonl');
    const o = runCli(['dataset', 'generate', '--task', 'comparison', '--n', '12', '--seed', '2', '--template', 'comparison/subject/same', '--template', 'comparison/subject/antonym', '--out', optIn, '--json']);
    expect(o.code, o.stderr).toBe(0);
    expect(Object.keys((o.json as { templates: Record<string, number> }).templates).sort()).toEqual(['comparison/subject/antonym', 'comparison/subject/same']);
    const bad = runCli(['dataset', 'generate', '--task', 'comparison', '--n', '2', '--seed', '2', '--template', 'comparison/nope', '--out', optIn]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--template comparison\/nope: not a template of "comparison" \(known: .*comparison\/the-one\/same/);
  });

  it('names the row and field of every validation error (JSONL lines, CSV rows)', async () => {
    const [a, b, c] = generate('ioi', { n: 3, seed: 8 });
    const bad: TaskItem[] = [
      a,
      { ...b, correct: ' Mary Sue' }, // answer not a single token
      { ...c, corrupted: `${c.corrupted} the` }, // clean/corrupted lengths differ
      { ...a, clean: a.clean.replace(/^When/, 'Whenever') }, // a word outside the vocabulary
    ];
    const jsonl = path.join(dir, 'bad.jsonl');
    // A blank line after row 1: rows are named by their line in the file.
    await writeFile(jsonl, toJsonl(bad).replace('\n', '\n\n'));
    const r = runCli(['evaluate', '--model', modelDir, '--dataset', jsonl, '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/3 validation errors against the model's tokenizer/);
    expect(r.stderr).toMatch(/bad\.jsonl: row 3, field "correct": answer " Mary Sue" is 2 tokens \("Mary", "Sue"\), expected 1/);
    expect(r.stderr).toMatch(/bad\.jsonl: row 4, field "corrupted": clean and corrupted token lengths differ: clean \d+ tokens, corrupted \d+/);
    expect(r.stderr).toMatch(/bad\.jsonl: row 5, field "clean": word "Whenever" is not in the tokenizer's vocabulary/);
    expect((r.json as { error: { message: string } }).error.message).toMatch(/row 5, field "clean"/);

    const { toCsv } = await import('../../src/main/datasets');
    const csv = path.join(dir, 'bad.csv');
    await writeFile(csv, toCsv(bad));
    const c2 = runCli(['evaluate', '--model', modelDir, '--dataset', csv]);
    expect(c2.code).toBe(1);
    // The header is row 1, so the items are rows 2..5.
    expect(c2.stderr).toMatch(/bad\.csv: row 3, field "correct": answer " Mary Sue" is 2 tokens/);
    expect(c2.stderr).toMatch(/bad\.csv: row 4, field "corrupted": clean and corrupted token lengths differ/);
    expect(c2.stderr).toMatch(/bad\.csv: row 5, field "clean": word "Whenever"/);
  });

  it('reports unreadable and malformed files precisely', async () => {
    const broken = path.join(dir, 'broken.jsonl');
    await writeFile(broken, toJsonl(generate('latest', { n: 1, seed: 1 })) + '{"clean": 3}\n');
    const r = runCli(['evaluate', '--model', modelDir, '--dataset', broken]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.jsonl: line 2/);
    const missing = runCli(['evaluate', '--model', modelDir, '--dataset', path.join(dir, 'nope.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.csv: cannot read/);
  });
});
