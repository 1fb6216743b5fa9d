/**
 * CSV import/export (RFC 4180): a header row, CRLF record ends, fields quoted when they hold a
 * comma, a quote, CR, LF or leading/trailing spaces (answers are " Mary"), quotes doubled.
 * `meta` is a JSON object in one cell (empty when the item has none). Parsing accepts LF or
 * CRLF, columns in any order and an optional `meta` column.
 */
import type { TaskItem } from './types';
import { DatasetParseError, ITEM_FIELDS, parseItem, parseMeta, type RecordPlace } from './parseItem';
import { checkDatasetText } from './encoding';
import { parseJsonStrict } from '../loader/strictJson';

export const CSV_COLUMNS: readonly string[] = ITEM_FIELDS;

function quote(field: string): string {
  const needsQuotes = /[",\r\n]/.test(field) || /^\s|\s$/.test(field);
  return needsQuotes ? `"${field.replace(/"/g, '""')}"` : field;
}

export function toCsv(items: readonly TaskItem[]): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const item of items) {
    const meta = item.meta === undefined ? '' : JSON.stringify(item.meta);
    rows.push(
      [item.clean, item.corrupted, item.correct, item.incorrect, item.template, item.task, meta].map(quote).join(','),
    );
  }
  return rows.map((r) => r + '\r\n').join('');
}

interface CsvRecord {
  fields: string[];
  /** Line where the record starts (1-based). */
  line: number;
}

/**
 * Split CSV text into records. Malformed quoting throws with the row (the header is row 1), the
 * line and the field (by its header name once the header is read, else by column number).
 */
export function readCsvRecords(text: string, source: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  /** The current field was quoted, so even an empty one makes the line a record. */
  let wasQuoted = false;
  let line = 1;
  let recordLine = 1;
  const error = (problem: string, atLine = line) => {
    const column = records.length > 0 ? records[0].fields[fields.length] : undefined;
    const fieldName = column === undefined ? `column ${fields.length + 1}` : `field "${column}"`;
    return new DatasetParseError(
      `${source}: row ${records.length + 1} (line ${atLine}), ${fieldName}: ${problem}`,
      source,
      atLine,
      column,
    );
  };
  const endField = () => {
    fields.push(field);
    field = '';
    wasQuoted = false;
  };
  const endRecord = () => {
    // A line with nothing on it is not a record (a dataset row always has several fields).
    const blank = fields.length === 0 && field === '' && !wasQuoted;
    endField();
    if (!blank) records.push({ fields, line: recordLine });
    fields = [];
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      if (field !== '') throw error('a quote inside an unquoted field (quote the whole field and double the quote)');
      const startLine = line;
      i++;
      for (;;) {
        if (i >= text.length) throw error('quoted field is not closed', startLine);
        const c = text[i];
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\n') line++;
        field += c;
        i++;
      }
      wasQuoted = true;
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw error(`unexpected ${JSON.stringify(next)} after a closing quote (expected a comma or the end of the row)`);
      }
      continue;
    }
    if (ch === ',') {
      endField();
      i++;
      continue;
    }
    if (ch === '\n' || ch === '\r') {
      endRecord();
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    field += ch;
    i++;
  }
  if (fields.length > 0 || field !== '' || wasQuoted) endRecord();
  return records;
}

/** Parse CSV text; errors name `source`, the row (the header is row 1), its line and the field. */
export function parseCsv(text: string, source = 'dataset.csv'): TaskItem[] {
  checkDatasetText(text, source);
  // Spreadsheets in many locales save with ';': say so before the rows fail for another reason.
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0];
  const bySemicolon = firstLine.includes(',') ? [] : firstLine.split(';');
  if (bySemicolon.length > 1 && bySemicolon.every((name) => CSV_COLUMNS.includes(name.trim().replace(/^"|"$/g, '')))) {
    throw new DatasetParseError(`${source}: line 1 (header): columns are separated by semicolons; this reader takes comma-separated values (save or export the file with commas)`, source, 1);
  }
  const records = readCsvRecords(text.replace(/^\uFEFF/, ''), source);
  if (records.length === 0) throw new DatasetParseError(`${source}: no header row`, source, 1);
  const header = records[0];
  const headerPlace = `line ${header.line} (header)`;
  const seen = new Set<string>();
  for (const name of header.fields) {
    if (!CSV_COLUMNS.includes(name)) {
      throw new DatasetParseError(
        `${source}: ${headerPlace}: unknown column "${name}" (expected: ${CSV_COLUMNS.join(', ')})`,
        source,
        header.line,
        name,
      );
    }
    if (seen.has(name)) {
      throw new DatasetParseError(`${source}: ${headerPlace}: column "${name}" appears twice`, source, header.line, name);
    }
    seen.add(name);
  }
  for (const name of CSV_COLUMNS) {
    if (name !== 'meta' && !seen.has(name)) {
      throw new DatasetParseError(`${source}: ${headerPlace}: missing column "${name}"`, source, header.line, name);
    }
  }
  return records.slice(1).map((record, index) => {
    const place: RecordPlace = { source, line: record.line, label: `row ${index + 2} (line ${record.line})` };
    if (record.fields.length !== header.fields.length) {
      throw new DatasetParseError(
        `${source}: ${place.label}: expected ${header.fields.length} fields, got ${record.fields.length}`,
        source,
        record.line,
      );
    }
    const raw: Record<string, unknown> = {};
    header.fields.forEach((name, k) => {
      const cell = record.fields[k];
      if (name !== 'meta') raw[name] = cell;
      else if (cell !== '') raw.meta = parseMeta(parseMetaJson(cell, place), place);
    });
    return parseItem(raw, place);
  });
}

function parseMetaJson(cell: string, place: RecordPlace): unknown {
  try {
    return parseJsonStrict(cell);
  } catch (error) {
    throw new DatasetParseError(
      `${place.source}: ${place.label}, field "meta": invalid JSON: ${(error as Error).message}`,
      place.source,
      place.line,
      'meta',
    );
  }
}
