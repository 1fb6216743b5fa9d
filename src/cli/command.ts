/** The shape every CLI command has: its options, and a run that returns data plus a text view. */
import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface CommandResult {
  /** What `--json` prints. */
  data: unknown;
  /** What a person reads without `--json`. */
  text: string;
}

export interface Command {
  /** One or more words, e.g. 'predict' or 'dataset generate'. */
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  run(values: OptionValues, positionals: string[]): Promise<CommandResult>;
}

export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export function requireString(values: OptionValues, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new CliError(`--${name} is required`);
  return v;
}

export function optionalInt(values: OptionValues, name: string, fallback: number, min = 1): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min) throw new CliError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

export { MODEL_OPTION } from './modelOption';
