/**
 * Every operation's params against cases written here, independently of the schemas: the bounds
 * below are the API's contract typed out by hand (not read from operations.ts), so a wrong bound,
 * a lost `optional` or a loosened type in the table fails a test. For each field: the values at
 * the exact boundaries are accepted (checked with the pure validator, so nothing runs) and the
 * values just outside, wrong types and a missing required field are refused through the real
 * router with an `invalid_request` error naming the field. The list of operations is the
 * table's own (OP_NAMES): a new operation without cases here fails.
 */
import { describe, expect, it } from 'vitest';
import { ApiRouter } from '../../src/main/api/router';
import { ApiError } from '../../src/shared/api/errors';
import { OP_NAMES, type OpName } from '../../src/shared/api/operations';
import { validateParams } from '../../src/shared/api/validate';
import { fakeServices } from './fakeServices';

type Params = Record<string, unknown>;

interface Field {
  name: string;
  required: boolean;
  /** Values that must pass, the boundaries among them. */
  accept: unknown[];
  /** Values that must be refused with an error naming this field. */
  reject: unknown[];
}

interface Spec {
  /** A valid request (every required field, plus whatever the cases need). */
  valid: Params;
  fields: Field[];
}

const show = (v: unknown): string => {
  if (typeof v === 'string') return v.length > 20 ? `a string of ${v.length}` : JSON.stringify(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object' && v !== null) return `an object of ${JSON.stringify(v).length} characters`;
  return String(v);
};

const int = (name: string, min: number, max: number, required = true): Field => ({
  name,
  required,
  accept: [min, max],
  reject: [min - 1, max === Number.MAX_SAFE_INTEGER ? 2 ** 53 : max + 1, min + 0.5, String(min), null, Number.NaN, true],
});

const num = (name: string, min: number, max: number, required = false): Field => {
  const step = (x: number): number => Math.max(Math.abs(x) * 1e-6, 1e-12);
  return { name, required, accept: [min, max, (min + max) / 2], reject: [min - step(min), max + step(max), Number.POSITIVE_INFINITY, Number.NaN, String(max), null] };
};

const str = (name: string, min: number, max: number, required = true): Field => ({
  name,
  required,
  accept: [min === 0 ? '' : 'a'.repeat(min), 'a'.repeat(max)],
  reject: ['a'.repeat(max + 1), ...(min > 0 ? ['a'.repeat(min - 1)] : []), 42, null, ['a']],
});

const enm = (name: string, values: readonly string[], required = true): Field => ({
  name,
  required,
  accept: [...values],
  reject: ['bogus', `${values[0]} `, values[0].toUpperCase(), 1, null].filter((v) => !values.includes(v as string)),
});

const bool = (name: string): Field => ({ name, required: false, accept: [true, false], reject: ['true', 0, null] });

const list = (name: string, good: unknown, bad: unknown, min: number, max: number, required = true): Field => ({
  name,
  required,
  accept: [Array(max).fill(good), Array(Math.max(min, 0)).fill(good)],
  reject: [Array(max + 1).fill(good), ...(min > 0 ? [[]] : []), [bad], 'x', null],
});

/** A JSON object whose serialisation is exactly n characters: {"p":"xxx..."} is 8 + k. */
const jsonOf = (n: number): Params => ({ p: 'x'.repeat(n - 8) });
const json = (name: string, maxChars: number, required = true): Field => ({
  name,
  required,
  accept: [{}, jsonOf(maxChars)],
  reject: [jsonOf(maxChars + 1), [], 'x', 42, null],
});

const MAX_ID = Number.MAX_SAFE_INTEGER;
const PATH_MAX = 4096;
const NAME_MAX = 200;
const GRAPH_CHARS = 8 * 1024 * 1024;
const id = (name: string, required = true): Field => int(name, 1, MAX_ID, required);
const version = (name: string): Field => int(name, 1, 1_000_000, false);
const none: Spec = { valid: {}, fields: [] };

const SPECS: Record<OpName, Spec> = {
  'app.info': none,
  'model.info': none,
  'model.predict': { valid: { prompt: 'Hi' }, fields: [str('prompt', 1, 20_000), int('topK', 1, 100, false)] },
  'project.create': { valid: { path: 'p.cwb' }, fields: [str('path', 1, PATH_MAX)] },
  'project.open': { valid: { path: 'p.cwb' }, fields: [str('path', 1, PATH_MAX)] },
  'project.saveAs': { valid: { path: 'p.cwb' }, fields: [str('path', 1, PATH_MAX)] },
  'project.recent': none,
  'project.export': { valid: { path: 'p.json', format: 'json' }, fields: [str('path', 1, PATH_MAX), enm('format', ['json'])] },
  'project.current': none,
  'dataset.tasks': none,
  'dataset.generate': {
    valid: { name: 'd', task: 'ioi', n: 10, seed: 0 },
    fields: [
      str('name', 1, NAME_MAX),
      enm('task', ['ioi', 'comparison', 'latest']),
      int('n', 1, 100_000),
      int('seed', 0, 2 ** 31 - 1),
      enm('split', ['train', 'heldout', 'all'], false),
      enm('corruption', ['abc', 'abc-s2', 'swap', 'flip', 'premise'], false),
    ],
  },
  'dataset.import': {
    valid: { name: 'd', format: 'jsonl', text: '{}' },
    fields: [str('name', 1, NAME_MAX), enm('format', ['jsonl', 'csv']), str('text', 1, 16 * 1024 * 1024)],
  },
  'dataset.items': { valid: { datasetId: 1 }, fields: [id('datasetId'), int('offset', 0, 10_000_000, false), int('limit', 1, 1000, false)] },
  'dataset.remove': { valid: { datasetId: 1 }, fields: [id('datasetId')] },
  'analysis.run': {
    valid: { kind: 'dla', datasetId: 1 },
    fields: [
      enm('kind', ['logit-lens', 'dla', 'patching', 'attention', 'correlation', 'copy-scores', 'neuroscope']),
      id('datasetId'),
      enm('side', ['clean', 'corrupted'], false),
      enm('target', ['resid', 'attn', 'mlp', 'heads', 'head-pos', 'q', 'k', 'v', 'pattern'], false),
      enm('direction', ['denoise', 'noise'], false),
      enm('method', ['exact', 'atp'], false),
      int('verifyTop', 0, 100_000, false),
      enm('metric', ['logit-diff', 'kl'], false),
      int('item', 0, 10_000_000, false),
      int('layer', 0, 1000, false),
      int('head', 0, 1000, false),
      int('neuron', 0, 1_000_000, false),
      enm('y', ['logit', 'attention'], false),
      int('k', 1, 1000, false),
      enm('input', ['embed', 'mlp0'], false),
      bool('antonyms'),
      str('template', 1, 200, false),
    ],
  },
  'run.list': { valid: {}, fields: [int('limit', 1, 10_000, false)] },
  'run.get': { valid: { runId: 1 }, fields: [id('runId')] },
  'run.remove': { valid: { runId: 1 }, fields: [id('runId')] },
  'run.cancel': { valid: { runId: 1 }, fields: [id('runId')] },
  'run.resume': { valid: { runId: 1 }, fields: [id('runId')] },
  'run.rerun': { valid: { runId: 1 }, fields: [id('runId')] },
  'analysis.attention': {
    valid: { prompt: 'p' },
    fields: [
      str('prompt', 1, 2000, false),
      id('datasetId', false),
      int('item', 0, 10_000_000, false),
      enm('side', ['clean', 'corrupted'], false),
      int('layer', 0, 1000, false),
    ],
  },
  'model.add': { valid: {}, fields: [str('path', 1, PATH_MAX, false), str('id', 1, 300, false), bool('download')] },
  'study.run': {
    valid: { task: 'comparison', outDir: '/tmp/s' },
    fields: [
      enm('task', ['ioi', 'comparison', 'latest']),
      str('outDir', 1, PATH_MAX),
      list('modelDirs', '/m', 42, 1, 8, false),
      int('n', 1, 4096, false),
      int('seed', 0, 2 ** 31 - 1, false),
      enm('corruption', ['abc', 'abc-s2', 'swap', 'flip', 'premise'], false),
      {
        name: 'params',
        required: false,
        accept: [{}, { acdcTau: 0, topHeads: 64, romeLr: 1e-6, acdcStartTopN: 10_000_000 }, { acdcTau: 1e6, topHeads: 1, editSeed: 2 ** 31 - 1, predictionPrompts: 256 }],
        reject: [{ acdcTau: -0.01 }, { topHeads: 0 }, { topHeads: 65 }, { topHeads: 1.5 }, { romeLr: 0 }, { editSeed: 2 ** 31 }, { n: 4 }, { bogus: 1 }, 'x', []],
      },
    ],
  },
  'circuit.get': { valid: { circuitId: 1 }, fields: [id('circuitId'), version('version')] },
  'circuit.create': { valid: { name: 'c', graph: {} }, fields: [str('name', 1, NAME_MAX), json('graph', GRAPH_CHARS)] },
  'circuit.save': {
    valid: { circuitId: 1, graph: {} },
    fields: [id('circuitId'), json('graph', GRAPH_CHARS), str('message', 0, 500, false), version('baseVersion')],
  },
  'circuit.rename': { valid: { circuitId: 1, name: 'c' }, fields: [id('circuitId'), str('name', 1, NAME_MAX)] },
  'circuit.remove': { valid: { circuitId: 1 }, fields: [id('circuitId')] },
  'circuit.export': { valid: { circuitId: 1 }, fields: [id('circuitId'), version('version')] },
  'circuit.import': { valid: { document: {} }, fields: [json('document', GRAPH_CHARS), str('name', 1, NAME_MAX, false)] },
  'circuit.diff': { valid: { a: 1, b: 2 }, fields: [id('a'), id('b'), version('aVersion'), version('bVersion')] },
  'circuit.discover': {
    valid: { datasetId: 1, method: 'acdc' },
    fields: [
      id('datasetId'),
      enm('method', ['acdc', 'eap', 'eap-ig', 'path-patching']),
      num('threshold', 0, 1e6),
      int('topN', 1, 1_000_000, false),
      enm('metric', ['logit-diff', 'kl'], false),
      int('steps', 1, 1000, false),
      enm('saveTo', ['new-circuit', 'new-version'], false),
      id('circuitId', false),
      version('baseVersion'),
    ],
  },
  'circuit.evaluate': { valid: { circuitId: 1, datasetId: 1 }, fields: [id('circuitId'), id('datasetId'), version('version')] },
  'model.select': { valid: { modelId: 1 }, fields: [id('modelId')] },
  'edit.rome': {
    valid: { prompt: 'Mary likes the cat', subject: 'cat', target: ' dog' },
    fields: [
      str('prompt', 1, 2000),
      str('subject', 1, 200),
      str('target', 1, 200),
      int('layer', 0, 1000, false),
      bool('last'),
      int('contexts', 0, 16, false),
      int('steps', 1, 500, false),
      num('lr', 1e-6, 100),
      num('weightDecay', 0, 100),
      list('paraphrases', 'p', '', 0, 50, false),
      list('neighbourhood', 'n', '', 0, 200, false),
      str('name', 1, NAME_MAX, false),
    ],
  },
  'edit.head': {
    valid: { kind: 'ov', layer: 0, head: 0, prompt: 'p' },
    fields: [
      enm('kind', ['ov', 'qk']),
      int('layer', 0, 1000),
      int('head', 0, 1000),
      str('prompt', 1, 2000),
      str('source', 1, 200, false),
      str('plus', 1, 200, false),
      str('minus', 1, 200, false),
      str('key', 1, 200, false),
      num('scoreChange', -1000, 1000),
      num('strength', -100, 100),
      enm('target', ['reflect', 'zero'], false),
      int('topK', 1, 50, false),
      str('name', 1, NAME_MAX, false),
    ],
  },
  'edit.compare': {
    valid: { modelIds: [1], prompts: [] },
    fields: [list('modelIds', 1, 0, 1, 8), list('prompts', 'p', '', 0, 100), id('datasetId', false), int('circuitTopN', 1, 100_000, false)],
  },
  'edit.export': { valid: { modelId: 1, path: 'out' }, fields: [id('modelId'), str('path', 1, PATH_MAX)] },
  echo: { valid: { message: 'hi' }, fields: [str('message', 0, 10_000)] },
  sleep: { valid: { ms: 0 }, fields: [int('ms', 0, 600_000), int('steps', 1, 1000, false)] },
};

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the request to be rejected');
}

describe('API validation against hand-written cases', () => {
  const router = new ApiRouter(fakeServices());

  it('has cases for exactly the operations in the table', () => {
    expect(Object.keys(SPECS).sort()).toEqual([...OP_NAMES].sort());
  });

  for (const op of OP_NAMES) {
    const spec = SPECS[op];
    describe(op, () => {
      /** Refused through the router, naming `path` (a bad list item by its index). */
      const expectRefused = async (params: unknown, path: string): Promise<void> => {
        const error = await rejection(router.invoke(op, params));
        expect(error.code).toBe('invalid_request');
        expect(error.path === path || error.path?.startsWith(`${path}[`) || error.path?.startsWith(`${path}.`), `named ${error.path}, expected ${path}`).toBe(true); // or its item or member
        expect(error.message.startsWith(`${op}: ${error.path} `), error.message).toBe(true);
        expect(error.message.length).toBeLessThan(400); // never echoes a long value back
      };

      it('accepts the valid request and refuses a non-object or an unknown field', async () => {
        expect(validateParams(op, spec.valid)).toEqual(spec.valid);
        for (const bad of ['not an object', [], null, 7]) await expectRefused(bad, 'params');
        await expectRefused({ ...spec.valid, bogus: 1 }, 'params.bogus');
      });

      for (const field of spec.fields) {
        it(`${field.name}: accepts ${field.accept.map(show).join(', ')}${field.required ? '' : ' or nothing'}`, () => {
          for (const v of field.accept) expect(validateParams(op, { ...spec.valid, [field.name]: v }), show(v)).toEqual({ ...spec.valid, [field.name]: v });
          const { [field.name]: _dropped, ...without } = spec.valid;
          if (!field.required) expect(validateParams(op, without)).toEqual(without);
        });

        it(`${field.name}: refuses ${field.reject.map(show).join(', ')}${field.required ? ' and its absence' : ''}`, async () => {
          for (const v of field.reject) await expectRefused({ ...spec.valid, [field.name]: v }, `params.${field.name}`);
          if (field.required) {
            const { [field.name]: _dropped, ...without } = spec.valid;
            await expectRefused(without, `params.${field.name}`);
          }
        });
      }
    });
  }

  it('rejects an unknown operation by name', async () => {
    const error = await rejection(router.invoke('model.explode', {}));
    expect(error.code).toBe('unknown_operation');
    expect(error.message).toContain('"model.explode"');
  });

  it('says what it got and what it expected', async () => {
    const error = await rejection(router.invoke('model.predict', { prompt: 'Hi', topK: 0 }));
    expect(error.message).toBe('model.predict: params.topK must be an integer from 1 to 100, got 0');
    const long = await rejection(router.invoke('model.predict', { prompt: 'x'.repeat(20_001) }));
    expect(long.message).toBe('model.predict: params.prompt must be a string from 1 to 20000 characters, got a string of 20001 characters');
  });
});
