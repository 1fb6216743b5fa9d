/**
 * A small runtime schema library for the API boundary: each schema parses an unknown value into
 * a typed one or throws a ValidationError naming the path and the problem. Schemas are data, so
 * tests can walk every operation's params and generate valid and invalid requests automatically.
 * No Node or DOM imports: this file runs in main, preload and renderer alike.
 */

export class ValidationError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path} ${problem}`);
    this.name = 'ValidationError';
  }
}

export interface Schema<T, Optional extends boolean = false> {
  readonly kind: 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'object' | 'array' | 'json';
  readonly optional: Optional;
  /** Parse `value` found at `path` (e.g. "params.topK"); throws ValidationError. */
  parse(value: unknown, path: string): T;
  /** A valid value, so tests can build a valid request from the schema alone. */
  example(): T;
  /** Values this schema must reject (wrong type, out of range). */
  invalidExamples(): unknown[];
  /** Human description used in error messages, e.g. "an integer from 1 to 100". */
  readonly description: string;
}

export type AnySchema = Schema<unknown, boolean>;
export type Infer<S> = S extends Schema<infer T, infer O> ? (O extends true ? T | undefined : T) : never;

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

function fail(path: string, description: string, value: unknown): never {
  throw new ValidationError(path, `must be ${description}, got ${show(value)}`);
}

function range(min: number | undefined, max: number | undefined, unit: string): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}${unit}`;
  if (min !== undefined) return ` of at least ${min}${unit}`;
  if (max !== undefined) return ` of at most ${max}${unit}`;
  return '';
}

export interface StringOptions {
  min?: number;
  max: number;
  /** A pattern the whole string must match, with a word for it in errors. */
  pattern?: { regex: RegExp; description: string };
}

export function string(opts: StringOptions): Schema<string> {
  const min = opts.min ?? 0;
  const description = `a string${range(min, opts.max, ' characters')}${opts.pattern ? ` (${opts.pattern.description})` : ''}`;
  return {
    kind: 'string',
    optional: false,
    description,
    parse(value, path) {
      if (typeof value !== 'string' || value.length < min || value.length > opts.max) fail(path, description, value);
      if (opts.pattern && !opts.pattern.regex.test(value)) fail(path, description, value);
      return value;
    },
    example: () => 'a'.repeat(Math.max(min, 1)),
    invalidExamples: () => [42, null, ...(min > 0 ? [''] : []), 'x'.repeat(opts.max + 1)],
  };
}

export function integer(opts: { min?: number; max?: number }): Schema<number> {
  const description = `an integer${range(opts.min, opts.max, '')}`;
  const ok = (v: unknown): v is number =>
    typeof v === 'number' && Number.isSafeInteger(v) && (opts.min === undefined || v >= opts.min) && (opts.max === undefined || v <= opts.max);
  return {
    kind: 'integer',
    optional: false,
    description,
    parse(value, path) {
      if (!ok(value)) fail(path, description, value);
      return value;
    },
    example: () => opts.min ?? 0,
    invalidExamples: () => [
      '1',
      1.5,
      Number.NaN,
      ...(opts.min !== undefined ? [opts.min - 1] : []),
      ...(opts.max !== undefined ? [opts.max + 1] : []),
    ],
  };
}

export function number(opts: { min?: number; max?: number }): Schema<number> {
  const description = `a finite number${range(opts.min, opts.max, '')}`;
  return {
    kind: 'number',
    optional: false,
    description,
    parse(value, path) {
      const ok =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (opts.min === undefined || value >= opts.min) &&
        (opts.max === undefined || value <= opts.max);
      if (!ok) fail(path, description, value);
      return value as number;
    },
    example: () => opts.min ?? 0,
    invalidExamples: () => ['1', Number.POSITIVE_INFINITY, ...(opts.min !== undefined ? [opts.min - 1] : [])],
  };
}

export function boolean(): Schema<boolean> {
  return {
    kind: 'boolean',
    optional: false,
    description: 'true or false',
    parse(value, path) {
      if (typeof value !== 'boolean') fail(path, 'true or false', value);
      return value;
    },
    example: () => false,
    invalidExamples: () => ['true', 0],
  };
}

export function oneOf<const V extends readonly string[]>(values: V): Schema<V[number]> {
  const description = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  return {
    kind: 'enum',
    optional: false,
    description,
    parse(value, path) {
      if (typeof value !== 'string' || !values.includes(value)) fail(path, description, value);
      return value as V[number];
    },
    example: () => values[0],
    invalidExamples: () => [`not-${values[0]}`, 1],
  };
}

export function array<T>(item: Schema<T>, opts: { min?: number; max: number }): Schema<T[]> {
  const min = opts.min ?? 0;
  const description = `a list${range(min, opts.max, ' items')} of ${item.description}`;
  return {
    kind: 'array',
    optional: false,
    description,
    parse(value, path) {
      if (!Array.isArray(value) || value.length < min || value.length > opts.max) fail(path, description, value);
      return value.map((v, i) => item.parse(v, `${path}[${i}]`));
    },
    example: () => Array.from({ length: Math.max(min, 1) }, () => item.example()),
    invalidExamples: () => ['not a list', [item.invalidExamples()[0]], ...(min > 0 ? [[]] : [])],
  };
}

type Shape = Record<string, AnySchema>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type RequiredKeys<S extends Shape> = { [K in keyof S]: S[K]['optional'] extends true ? never : K }[keyof S];
type OptionalKeys<S extends Shape> = Exclude<keyof S, RequiredKeys<S>>;
export type InferShape<S extends Shape> = Simplify<
  { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }
>;

export interface ObjectSchema<S extends Shape> extends Schema<InferShape<S>> {
  readonly kind: 'object';
  readonly fields: S;
}

/** A plain object with exactly these fields: unknown fields are rejected, not ignored. */
export function object<S extends Shape>(fields: S): ObjectSchema<S> {
  const names = Object.keys(fields);
  const description = names.length ? `an object with fields ${names.join(', ')}` : 'an empty object';
  return {
    kind: 'object',
    optional: false,
    fields,
    description,
    parse(value, path) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, description, value);
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        if (!Object.hasOwn(fields, key)) {
          throw new ValidationError(`${path}.${key}`, `is not a known field (expected ${names.length ? names.join(', ') : 'no fields'})`);
        }
      }
      const out: Record<string, unknown> = {};
      for (const key of names) {
        const schema = fields[key];
        const v = record[key];
        if (v === undefined) {
          if (!schema.optional) throw new ValidationError(`${path}.${key}`, `is required (${schema.description})`);
          continue;
        }
        out[key] = schema.parse(v, `${path}.${key}`);
      }
      return out as InferShape<S>;
    },
    example: () => Object.fromEntries(names.map((k) => [k, fields[k].example()])) as InferShape<S>,
    invalidExamples: () => [null, 'text', [], { __unknown_field__: 1 }],
  };
}

/**
 * Any plain JSON object up to `maxBytes` of JSON text (a circuit graph, an imported document):
 * the boundary checks it is an object of JSON values; the service checks its structure.
 */
export function jsonObject(opts: { maxBytes: number }): Schema<Record<string, unknown>> {
  const description = `a JSON object of at most ${opts.maxBytes} bytes`;
  return {
    kind: 'json',
    optional: false,
    description,
    parse(value, path) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, description, value);
      let text: string;
      try {
        text = JSON.stringify(value);
      } catch {
        throw new ValidationError(path, 'must be plain JSON (it could not be serialised)');
      }
      if (text.length > opts.maxBytes) throw new ValidationError(path, `must be at most ${opts.maxBytes} bytes of JSON, got ${text.length}`);
      return value as Record<string, unknown>;
    },
    example: () => ({}),
    invalidExamples: () => ['text', 42, null, [], { big: 'x'.repeat(opts.maxBytes) }],
  };
}

/** The same schema, but the field may be left out. */
export function optional<T>(schema: Schema<T>): Schema<T, true> {
  return { ...schema, optional: true };
}
