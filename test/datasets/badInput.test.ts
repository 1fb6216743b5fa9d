/**
 * Dataset files that are not what the readers expect get a message that names the file, the row
 * or line, the field, and the real cause; answers must be words, prompts must fit the model.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultServices, type DefaultServices } from '../../src/main/api/defaultServices';
import { ApiRouter } from '../../src/main/api/router';
import { decodeDatasetBytes, DatasetParseError, END_OF_TEXT, generate, maxPromptTokens, parseCsv, parseJsonl, toCsv, toJsonl, validateDataset } from '../../src/main/datasets';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';
import { defaultTokenizer } from './defaultTokenizer';

function parseError(fn: () => unknown): DatasetParseError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DatasetParseError);
    return e as DatasetParseError;
  }
  throw new Error('expected a DatasetParseError');
}

const items = generate('ioi', { n: 3, seed: 1 });

describe('file encodings and line ends', () => {
  it('CR-only line ends are named as such (JSONL and CSV)', () => {
    const jsonl = toJsonl(items).replace(/\n/g, '\r');
    expect(parseError(() => parseJsonl(jsonl, 'd.jsonl')).message).toBe('d.jsonl: line 1: lines end with a lone carriage return (CR, old Mac line ends); save the file with LF or CRLF line ends');
    const csv = toCsv(items).replace(/\r\n/g, '\r');
    expect(parseError(() => parseCsv(csv, 'd.csv')).message).toMatch(/^d\.csv: line 1: lines end with a lone carriage return/);
    // CRLF stays accepted.
    expect(parseJsonl(toJsonl(items).replace(/\n/g, '\r\n'), 'd.jsonl')).toEqual(items);
  });

  it('UTF-16 files are named by their byte order mark, or by their NULs once decoded as UTF-8', () => {
    const text = toJsonl(items);
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect(parseError(() => decodeDatasetBytes(le, 'd.jsonl')).message).toBe('d.jsonl: the file is UTF-16 (little-endian, by its byte order mark); save it as UTF-8');
    const be = Buffer.from(le);
    be.swap16();
    expect(parseError(() => decodeDatasetBytes(be, 'd.jsonl')).message).toMatch(/UTF-16 \(big-endian/);
    const noBom = Buffer.from(text, 'utf16le').toString('utf8');
    expect(parseError(() => parseJsonl(noBom, 'd.jsonl')).message).toMatch(/^d\.jsonl: the file looks like UTF-16/);
    expect(parseError(() => parseCsv(Buffer.from(toCsv(items), 'utf16le').toString('utf8'), 'd.csv')).message).toMatch(/looks like UTF-16/);
    // A UTF-8 BOM is fine.
    expect(parseJsonl(decodeDatasetBytes(Buffer.from(`\uFEFF${text}`), 'd.jsonl'), 'd.jsonl')).toEqual(items);
  });

  it('a semicolon-separated CSV is named as such', () => {
    const csv = toCsv(items).replace(/,/g, ';');
    expect(parseError(() => parseCsv(csv, 'd.csv')).message).toBe(
      'd.csv: line 1 (header): columns are separated by semicolons; this reader takes comma-separated values (save or export the file with commas)',
    );
  });
});

describe('ambiguous rows', () => {
  it('a key twice in one JSONL row is refused with the line and the field', () => {
    const lines = toJsonl(items).split('\n');
    lines[1] = lines[1].replace('{', '{"correct":" Zed",');
    const err = parseError(() => parseJsonl(lines.join('\n'), 'd.jsonl'));
    expect(err.message).toBe('d.jsonl: line 2, field "correct": appears twice in one row');
    expect([err.line, err.field]).toEqual([2, 'correct']);
  });

  it('a key twice in a CSV meta cell is refused', () => {
    const withMeta = items.map((i) => ({ ...i, meta: { a: 'x' } }));
    const csv = toCsv(withMeta).replace('{""a"":""x""}', '{""a"":""x"",""a"":""y""}');
    expect(parseError(() => parseCsv(csv, 'd.csv')).message).toMatch(/^d\.csv: row 2 \(line 2\), field "meta": invalid JSON: duplicate key "a" on line 1/);
  });

  it('a huge unknown task is not echoed in full', () => {
    const row = { ...items[0], task: 'x'.repeat(1_000_000) };
    const err = parseError(() => parseJsonl(JSON.stringify(row), 'd.jsonl'));
    expect(err.message).toContain('(1000000 characters)');
    expect(err.message.length).toBeLessThan(400);
  });
});

describe('validation against the model', () => {
  const tokenizer = defaultTokenizer();

  it('the special end-of-text token is refused as an answer', () => {
    expect(tokenizer.tokenToId(END_OF_TEXT)).toBe(tokenizer.bosId);
    const bad = [{ ...items[0], correct: END_OF_TEXT }, { ...items[1], incorrect: ` ${END_OF_TEXT}` }];
    const problems = validateDataset(bad, tokenizer);
    expect(problems.filter((p) => p.problem === 'special-token').map((p) => [p.row, p.field])).toEqual([
      [1, 'correct'],
      [2, 'incorrect'],
    ]);
    expect(problems.find((p) => p.problem === 'special-token')?.message).toBe(`row 1, field "correct": answer "${END_OF_TEXT}" is the special token "${END_OF_TEXT}", not a word the model can be scored on`);
  });

  it('prompts longer than the model reads are refused with their length', () => {
    const long = { ...items[0], clean: `${items[0].clean} ${'Mary '.repeat(40)}`.trim() };
    const n = tokenizer.encode(long.clean).length;
    expect(maxPromptTokens({ nCtx: 32, prependBos: true })).toBe(31);
    const problems = validateDataset([items[1], long], tokenizer, { maxPromptTokens: 31 }).filter((p) => p.problem === 'too-long');
    expect(problems.map((p) => p.message)).toEqual([`row 2, field "clean": the prompt is ${n} tokens; the model reads at most 31`]);
    expect(validateDataset([long], tokenizer).some((p) => p.problem === 'too-long')).toBe(false);
  });
});

describe('dataset.import through the API', () => {
  let services: DefaultServices;
  let router: ApiRouter;
  beforeAll(async () => {
    const dataDir = join(await makeTmpDir('cwb-import-data-'), 'data');
    const modelDir = await writeTaskModel(join(await makeTmpDir('cwb-import-model-'), 'task-model'));
    services = await createDefaultServices({ appVersion: '0.0.0-test', modelDir, dataDir, log: () => undefined });
    router = new ApiRouter(services);
  });
  afterAll(async () => {
    await services?.shutdown();
    await removeTmpDirs();
  });

  it('refuses prompts longer than the loaded model context at import, with the row, and saves nothing', async () => {
    const good = generate('ioi', { n: 3, seed: 2 });
    const filler = ' Mary'.repeat(200);
    const bad = [good[0], { ...good[1], clean: good[1].clean + filler, corrupted: good[1].corrupted + filler }, good[2]];
    const before = (await router.invoke('project.current', {})).datasets.length;
    const result = await router.invoke('dataset.import', { name: 'long', format: 'jsonl', text: toJsonl(bad) });
    expect(result.dataset).toBeNull();
    expect(result.problems.map((p) => [p.row, p.field])).toEqual([
      [2, 'clean'],
      [2, 'corrupted'],
    ]);
    expect(result.problems[0].message).toMatch(/^row 2, field "clean": the prompt is \d+ tokens; the model reads at most \d+$/);
    expect((await router.invoke('project.current', {})).datasets.length).toBe(before);
  });
});
