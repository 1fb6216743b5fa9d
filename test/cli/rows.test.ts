/**
 * One numbering of dataset rows across the CLI: `analyze --prompt N` counts from 1 like
 * validation and `evaluate`; dataset files that are special files or do not fit the model are
 * refused with the file and the row.
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, toJsonl } from '../../src/main/datasets';
import { loadModelDir } from '../../src/main/loader/modelDir';
import { encodePrompt } from '../../src/main/services/prompt';
import { runCli } from '../helpers/cli';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';

const MODEL = path.resolve(import.meta.dirname, '../../resources/default-model');
let dir: string;
const items = generate('ioi', { n: 2, seed: 4 });

beforeAll(async () => {
  dir = await makeTmpDir();
  await writeFile(path.join(dir, 'two.jsonl'), toJsonl(items));
});
afterAll(removeTmpDirs);

describe('row numbers and dataset files in the CLI', () => {
  it('analyze attention --prompt 1 is the first row; 0 and 3 are outside 1..2', async () => {
    const model = await loadModelDir(MODEL);
    const first = runCli(['analyze', 'attention', '--model', MODEL, '--dataset', path.join(dir, 'two.jsonl'), '--prompt', '1', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const ids = encodePrompt(model.tokenizer, model.config, items[0].clean);
    expect((first.json as { tokens: string[] }).tokens.length).toBe(ids.length);
    expect((first.json as { tokens: string[] }).tokens.map((t) => t.replace(/^\d+:/, ''))).toEqual(model.tokenizer.tokenStrings(ids));
    for (const bad of ['3', '0']) {
      const r = runCli(['analyze', 'attention', '--model', MODEL, '--dataset', path.join(dir, 'two.jsonl'), '--prompt', bad, '--json']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(bad === '3' ? /--prompt 3 is outside 1\.\.2/ : /--prompt/);
    }
  });

  it('evaluate refuses a prompt longer than the model reads, naming the file and the row', async () => {
    const model = await loadModelDir(MODEL);
    const filler = ` ${items[0].clean}`.repeat(4);
    const long = [items[0], { ...items[1], clean: items[1].clean + filler, corrupted: items[1].corrupted + filler }];
    const file = path.join(dir, 'long.jsonl');
    await writeFile(file, toJsonl(long));
    const r = runCli(['evaluate', '--model', MODEL, '--dataset', file, '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`long.jsonl: row 2, field "clean": the prompt is`);
    expect(r.stderr).toContain(`the model reads at most ${model.config.nCtx - (model.config.prependBos ? 1 : 0)}`);
  });

  it('evaluate refuses a named pipe as the dataset at once', () => {
    const fifo = path.join(dir, 'pipe.jsonl');
    execFileSync('mkfifo', [fifo]);
    const r = runCli(['evaluate', '--model', MODEL, '--dataset', fifo, '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${fifo}: it is a named pipe (FIFO); expected a dataset file`);
  });
});
