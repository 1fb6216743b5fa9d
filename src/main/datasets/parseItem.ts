/** Turning a decoded record (a JSONL object or a CSV row) into a TaskItem, with precise errors. */
import type { TaskItem, TaskName } from './types';
import { TASK_NAMES } from './types';

/** A file that cannot be read as a dataset; `message` names the file, the line/row and the field. */
export class DatasetParseError extends Error {
  constructor(
    message: string,
    readonly source: string,
    readonly line: number,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DatasetParseError';
  }
}

export const ITEM_FIELDS = ['clean', 'corrupted', 'correct', 'incorrect', 'template', 'task', 'meta'] as const;
export type ItemField = (typeof ITEM_FIELDS)[number];
const STRING_FIELDS = ['clean', 'corrupted', 'correct', 'incorrect', 'template', 'task'] as const;

/** Where a record came from, for error messages: "data.csv: row 3 (line 4)". */
export interface RecordPlace {
  source: string;
  line: number;
  label: string;
}

function fail(place: RecordPlace, field: string | undefined, problem: string): never {
  const where = field === undefined ? place.label : `${place.label}, field "${field}"`;
  throw new DatasetParseError(`${place.source}: ${where}: ${problem}`, place.source, place.line, field);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const shown = (s: string) => (s.length <= 80 ? s : `${s.slice(0, 80)}… (${s.length} characters)`);
  return typeof value === 'string' ? `"${shown(value)}"` : `${typeof value} ${shown(JSON.stringify(value))}`;
}

export function parseMeta(value: unknown, place: RecordPlace): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(place, 'meta', `expected an object of strings, got ${describe(value)}`);
  }
  const meta: Record<string, string> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(place, 'meta', `value of "${key}" must be a string, got ${describe(v)}`);
    meta[key] = v;
  }
  return meta;
}

/** Every string field present and a string, `task` a known task, `meta` absent or an object of strings, nothing else. */
export function parseItem(record: Record<string, unknown>, place: RecordPlace): TaskItem {
  for (const key of Object.keys(record)) {
    if (!(ITEM_FIELDS as readonly string[]).includes(key)) {
      fail(place, key.length <= 80 ? key : `${key.slice(0, 80)}…`, `unknown field (expected: ${ITEM_FIELDS.join(', ')})`);
    }
  }
  for (const field of STRING_FIELDS) {
    if (!(field in record)) fail(place, field, 'missing');
    if (typeof record[field] !== 'string') fail(place, field, `expected a string, got ${describe(record[field])}`);
  }
  const task = record.task as string;
  if (!(TASK_NAMES as readonly string[]).includes(task)) {
    fail(place, 'task', `unknown task ${describe(task)} (expected one of: ${TASK_NAMES.join(', ')})`);
  }
  const item: TaskItem = {
    clean: record.clean as string,
    corrupted: record.corrupted as string,
    correct: record.correct as string,
    incorrect: record.incorrect as string,
    template: record.template as string,
    task: task as TaskName,
  };
  if (record.meta !== undefined) item.meta = parseMeta(record.meta, place);
  return item;
}
