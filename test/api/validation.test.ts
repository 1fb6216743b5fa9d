/**
 * Every operation in the table rejects malformed requests with an error that names the field:
 * the cases are generated from each operation's schema, so a new operation is covered by
 * adding it to the table.
 */
import { describe, expect, it } from 'vitest';
import { ApiRouter } from '../../src/main/api/router';
import { ApiError } from '../../src/shared/api/errors';
import { OP_NAMES, operations, type OpName } from '../../src/shared/api/operations';
import type { AnySchema } from '../../src/shared/api/schema';
import { fakeServices } from './fakeServices';

interface BadCase {
  label: string;
  params: unknown;
  /** The path the error must name. */
  path: string;
}

function badCases(op: OpName): BadCase[] {
  const schema = operations[op].params;
  const valid = schema.example() as Record<string, unknown>;
  const cases: BadCase[] = [
    { label: 'params is a string', params: 'not an object', path: 'params' },
    { label: 'params is an array', params: [], path: 'params' },
    { label: 'params is null', params: null, path: 'params' },
    { label: 'an unknown field', params: { ...valid, bogus: 1 }, path: 'params.bogus' },
  ];
  for (const [field, fieldSchema] of Object.entries(schema.fields) as [string, AnySchema][]) {
    if (!fieldSchema.optional) {
      const { [field]: _dropped, ...rest } = valid;
      cases.push({ label: `${field} missing`, params: rest, path: `params.${field}` });
    }
    for (const bad of fieldSchema.invalidExamples()) {
      cases.push({ label: `${field} = ${JSON.stringify(bad) ?? String(bad)}`, params: { ...valid, [field]: bad }, path: `params.${field}` });
    }
  }
  return cases;
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the request to be rejected');
}

describe('API validation, generated for every operation', () => {
  const router = new ApiRouter(fakeServices());

  it('covers every operation in the table', () => {
    expect(OP_NAMES.length).toBe(Object.keys(operations).length);
    expect(OP_NAMES.length).toBeGreaterThanOrEqual(10);
  });

  for (const op of OP_NAMES) {
    describe(op, () => {
      const cases = badCases(op);

      it('has malformed cases to test', () => {
        expect(cases.length).toBeGreaterThanOrEqual(4);
      });

      for (const c of cases) {
        it(`rejects ${c.label} with an error naming ${c.path}`, async () => {
          const error = await rejection(router.invoke(op, c.params));
          expect(error.code).toBe('invalid_request');
          // A bad list item is named by its index (params.prompts[0]).
          expect(error.path === c.path || error.path?.startsWith(`${c.path}[`), `${error.path}`).toBe(true);
          expect(error.message.startsWith(`${op}: ${error.path} `)).toBe(true);
        });
      }

      it('accepts the example built from its own schema (validation passes)', async () => {
        const params = operations[op].params.example();
        // The op may still fail for lack of a service, but never with invalid_request.
        const outcome = await router.invoke(op, params).then(
          () => 'ok',
          (e: unknown) => (e instanceof ApiError ? e.code : 'thrown'),
        );
        expect(outcome).not.toBe('invalid_request');
        expect(outcome).not.toBe('thrown');
      });
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
  });
});
