import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DatasetParseError,
  TASK_NAMES,
  generate,
  parseCsv,
  parseJsonl,
  toCsv,
  toJsonl,
  type TaskItem,
} from '../../src/main/datasets';

/** Items whose fields hold every character CSV and JSON must escape. */
const TRICKY: TaskItem[] = [
  {
    clean: 'When Mary and John went to the store, John gave a drink to',
    corrupted: 'She said "hi", then left',
    correct: ' Mary',
    incorrect: ' John',
    template: 'ioi/when-went/ABBA',
    task: 'ioi',
    meta: { note: 'comma, "quote" and\nnewline', crlf: 'a\r\nb', empty: '' },
  },
  {
    clean: 'line one\nline two\r\nline three\rend',
    corrupted: '""', // only quotes
    correct: ',',
    incorrect: '  padded  ',
    template: 'tab\there, ünïcödé ✓ and emoji 🙂',
    task: 'comparison',
  },
  {
    clean: ' leading space',
    corrupted: 'trailing space ',
    correct: '"',
    incorrect: "'",
    template: '',
    task: 'latest',
    meta: {},
  },
];

describe('JSONL', () => {
  it('round-trips exactly, tricky characters included', () => {
    expect(parseJsonl(toJsonl(TRICKY))).toEqual(TRICKY);
    // A second pass gives byte-identical text.
    expect(toJsonl(parseJsonl(toJsonl(TRICKY)))).toBe(toJsonl(TRICKY));
  });

  it('round-trips generated datasets through a real file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cwb-datasets-'));
    try {
      for (const task of TASK_NAMES) {
        const items = generate(task, { n: 200, seed: 1 });
        const file = join(dir, `${task}.jsonl`);
        await writeFile(file, toJsonl(items), 'utf8');
        expect(parseJsonl(await readFile(file, 'utf8'), file)).toEqual(items);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('skips blank lines, accepts CRLF and a BOM, and counts lines as they are in the file', () => {
    const [a, b] = toJsonl(TRICKY.slice(0, 2)).trimEnd().split('\n');
    expect(parseJsonl(`\uFEFF${a}\r\n\r\n${b}\r\n`)).toEqual(TRICKY.slice(0, 2));
    expect(() => parseJsonl(`${a}\n\n{"clean": 1}\n`, 'x.jsonl')).toThrow(/^x\.jsonl: line 3, field "clean": expected a string, got number 1$/);
  });

  const line = toJsonl([TRICKY[0]]).trim();
  const cases: [string, string, RegExp][] = [
    ['invalid JSON', `${line}\n{"clean": "a",`, /^d\.jsonl: line 2: invalid JSON: /],
    ['not an object', `${line}\n[1, 2]`, /^d\.jsonl: line 2: expected a JSON object, got an array$/],
    ['null', 'null', /^d\.jsonl: line 1: expected a JSON object, got null$/],
    ['missing field', JSON.stringify({ ...TRICKY[1], correct: undefined }), /^d\.jsonl: line 1, field "correct": missing$/],
    ['wrong type', JSON.stringify({ ...TRICKY[1], template: null }), /^d\.jsonl: line 1, field "template": expected a string, got null$/],
    ['unknown task', JSON.stringify({ ...TRICKY[1], task: 'sva' }), /^d\.jsonl: line 1, field "task": unknown task "sva" \(expected one of: ioi, comparison, latest\)$/],
    ['unknown field', JSON.stringify({ ...TRICKY[1], answer: 'x' }), /^d\.jsonl: line 1, field "answer": unknown field/],
    ['meta not an object', JSON.stringify({ ...TRICKY[1], meta: 'x' }), /^d\.jsonl: line 1, field "meta": expected an object of strings, got "x"$/],
    ['meta value not a string', JSON.stringify({ ...TRICKY[1], meta: { k: 2 } }), /^d\.jsonl: line 1, field "meta": value of "k" must be a string, got number 2$/],
  ];
  for (const [name, text, message] of cases) {
    it(`names the line and the field: ${name}`, () => {
      let error: unknown;
      try {
        parseJsonl(text, 'd.jsonl');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DatasetParseError);
      expect((error as Error).message).toMatch(message);
    });
  }
});

describe('CSV', () => {
  it('round-trips exactly, tricky characters included', () => {
    const text = toCsv(TRICKY);
    expect(parseCsv(text)).toEqual(TRICKY);
    expect(toCsv(parseCsv(text))).toBe(text);
  });

  it('writes RFC 4180: header, CRLF record ends, quotes only where needed and doubled inside', () => {
    const item = TRICKY[2];
    expect(toCsv([{ ...item, meta: undefined, template: 'a "b", c' }])).toBe(
      'clean,corrupted,correct,incorrect,template,task,meta\r\n' +
        '" leading space","trailing space ","""",\',"a ""b"", c",latest,\r\n',
    );
  });

  it('round-trips generated datasets through a real file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cwb-datasets-'));
    try {
      for (const task of TASK_NAMES) {
        const items = generate(task, { n: 200, seed: 2 });
        const file = join(dir, `${task}.csv`);
        await writeFile(file, toCsv(items), 'utf8');
        expect(parseCsv(await readFile(file, 'utf8'), file)).toEqual(items);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads LF line ends, columns in any order, no meta column, a BOM and no final newline', () => {
    const text = '\uFEFFtask,correct,incorrect,clean,corrupted,template\nioi, Mary, John,"a, b",c d,t1\nlatest," Sue", Tom,e,f,t2';
    expect(parseCsv(text)).toEqual([
      { task: 'ioi', correct: ' Mary', incorrect: ' John', clean: 'a, b', corrupted: 'c d', template: 't1' },
      { task: 'latest', correct: ' Sue', incorrect: ' Tom', clean: 'e', corrupted: 'f', template: 't2' },
    ]);
  });

  const header = 'clean,corrupted,correct,incorrect,template,task,meta\r\n';
  const good = 'a,b, Mary, John,t,ioi,\r\n';
  const cases: [string, string, RegExp][] = [
    ['unclosed quote', `${header}${good}"a\r\nb,b, Mary, John,t,ioi,\r\n`, /^d\.csv: row 3 \(line 3\), field "clean": quoted field is not closed$/],
    ['quote inside an unquoted field', `${header}${good}a,b"c, Mary, John,t,ioi,\r\n`, /^d\.csv: row 3 \(line 3\), field "corrupted": a quote inside an unquoted field/],
    ['text after a closing quote', `${header}"a"x,b, Mary, John,t,ioi,\r\n`, /^d\.csv: row 2 \(line 2\), field "clean": unexpected "x" after a closing quote/],
    ['too few fields', `${header}${good}a,b, Mary, John,t\r\n`, /^d\.csv: row 3 \(line 3\): expected 7 fields, got 5$/],
    ['row spanning lines counts its first line', `${header}"x\ny",b, Mary, John,t,ioi,\r\na,b\r\n`, /^d\.csv: row 3 \(line 4\): expected 7 fields, got 2$/],
    ['unknown task', `${header}a,b, Mary, John,t,IOI,\r\n`, /^d\.csv: row 2 \(line 2\), field "task": unknown task "IOI"/],
    ['bad meta JSON', `${header}a,b, Mary, John,t,ioi,{oops}\r\n`, /^d\.csv: row 2 \(line 2\), field "meta": invalid JSON: /],
    ['meta value not a string', `${header}a,b, Mary, John,t,ioi,"{""k"":[1]}"\r\n`, /^d\.csv: row 2 \(line 2\), field "meta": value of "k" must be a string, got an array$/],
    ['missing column', 'clean,corrupted,correct,template,task\r\na,b,c,d,ioi\r\n', /^d\.csv: line 1 \(header\): missing column "incorrect"$/],
    ['unknown column', 'clean,corrupted,correct,incorrect,template,task,answer\r\n', /^d\.csv: line 1 \(header\): unknown column "answer"/],
    ['duplicate column', 'clean,clean,corrupted,correct,incorrect,template,task\r\n', /^d\.csv: line 1 \(header\): column "clean" appears twice$/],
    ['empty file', '', /^d\.csv: no header row$/],
  ];
  for (const [name, text, message] of cases) {
    it(`names the row, the line and the field: ${name}`, () => {
      let error: unknown;
      try {
        parseCsv(text, 'd.csv');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DatasetParseError);
      expect((error as Error).message).toMatch(message);
    });
  }
});
