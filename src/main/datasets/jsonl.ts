/** JSONL import/export: one JSON object per line, fields in TaskItem order. */
import type { TaskItem } from './types';
import { DatasetParseError, parseItem } from './parseItem';
import { checkDatasetText } from './encoding';
import { DuplicateKeyError, parseJsonStrict } from '../loader/strictJson';

/** Fixed key order, so that exports are byte-stable and diff well. */
function ordered(item: TaskItem): Record<string, unknown> {
  const record: Record<string, unknown> = {
    clean: item.clean,
    corrupted: item.corrupted,
    correct: item.correct,
    incorrect: item.incorrect,
    template: item.template,
    task: item.task,
  };
  if (item.meta !== undefined) record.meta = item.meta;
  return record;
}

export function toJsonl(items: readonly TaskItem[]): string {
  return items.map((item) => JSON.stringify(ordered(item)) + '\n').join('');
}

/** Parse JSONL text; blank lines are skipped; errors name `source`, the line and the field. */
export function parseJsonl(text: string, source = 'dataset.jsonl'): TaskItem[] {
  const items: TaskItem[] = [];
  checkDatasetText(text, source);
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, index) => {
    const line = index + 1;
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (content.trim() === '') return;
    let value: unknown;
    try {
      value = parseJsonStrict(content);
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw new DatasetParseError(`${source}: line ${line}, field ${JSON.stringify(error.key)}: appears twice in one row`, source, line, error.key);
      throw new DatasetParseError(`${source}: line ${line}: invalid JSON: ${(error as Error).message}`, source, line);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DatasetParseError(`${source}: line ${line}: expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'null' : typeof value}`, source, line);
    }
    items.push(parseItem(value as Record<string, unknown>, { source, line, label: `line ${line}` }));
  });
  return items;
}
