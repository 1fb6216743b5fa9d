/** Small conversions shared by the repositories: timestamps, JSON text, content hashes. */
import { createHash } from 'node:crypto';
import { InvalidDataError } from './errors';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function nowIso(): string {
  return new Date().toISOString();
}

/** JSON text for a column; `what` names the field in the error. Rejects undefined, functions, cycles. */
export function toJsonText(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new InvalidDataError(`${what}: cannot be stored as JSON (${(err as Error).message})`);
  }
  if (text === undefined) throw new InvalidDataError(`${what}: cannot be stored as JSON (got ${typeof value})`);
  return text;
}

export function parseJsonText<T = Json>(text: string, where: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new InvalidDataError(`${where}: stored JSON does not parse (${(err as Error).message})`);
  }
}

/** Hex SHA-256 of a canonical JSON rendering (object keys sorted), so equal content hashes equally. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
