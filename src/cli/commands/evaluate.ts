import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeDatasetBytes, maxPromptTokens, parseCsv, parseJsonl, validateDataset, type TaskItem, type ValidationError } from '../../main/datasets';
import { pathKind } from '../../main/loader/fileKind';
import { evaluate, type EvaluationReport, type GroupStats } from '../../main/services/evaluate';
import { openModel } from '../../main/services/modelSession';
import { modelDirFromOptions } from '../modelOption';
import type { Tokenizer } from '../../main/tokenizer/types';
import { CliError, MODEL_OPTION, optionalInt, requireString, type Command } from '../command';
import { datasetFormat } from './dataset';

/** Errors listed in full before the rest are counted. */
const MAX_LISTED_ERRORS = 20;

/** Parse a .jsonl or .csv dataset file. Parse errors name the file, the line/row and the field. */
export async function readDatasetFile(file: string): Promise<{ items: TaskItem[]; rows: number[] }> {
  const format = datasetFormat(file);
  const kind = pathKind(file);
  if (kind.kind === 'missing') throw new CliError(`${file}: cannot read (no such file)`);
  if (kind.kind === 'other') throw new CliError(`${file}: ${kind.what}; expected a dataset file (nothing was read)`);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new CliError(`${file}: cannot read (${(err as Error).message})`);
  }
  const source = path.basename(file);
  const text = decodeDatasetBytes(bytes, source);
  if (format === 'csv') {
    const items = parseCsv(text, source);
    // The header is row 1, so item i is row i + 2 (the numbering the CSV parser's errors use).
    return { items, rows: items.map((_, i) => i + 2) };
  }
  const items = parseJsonl(text, source);
  // JSONL rows are named by their line; blank lines are skipped by the parser.
  const rows: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() !== '') rows.push(i + 1);
  });
  return { items, rows };
}

/** Every validation error of the dataset against the model's tokenizer, rows as in the file. */
export function validateAgainst(items: readonly TaskItem[], rows: readonly number[], tokenizer: Tokenizer, maxPromptTokens?: number): ValidationError[] {
  return items.flatMap((item, i) => validateDataset([item], tokenizer, { firstRow: rows[i], maxPromptTokens }));
}

function fmt(s: GroupStats): string {
  return `${String(s.n).padStart(5)}  ${(100 * s.accuracy).toFixed(1).padStart(6)}%  ${s.meanLogitDiff.toFixed(3).padStart(9)}  ${s.meanCorruptedLogitDiff.toFixed(3).padStart(9)}`;
}

function table(report: EvaluationReport): string {
  const names = Object.entries(report.tasks).flatMap(([task, s]) => [task, ...Object.keys(s.templates).map((t) => `  ${t}`)]);
  const width = Math.max(8, ...names.map((n) => n.length));
  const lines = [`${'group'.padEnd(width)}  ${'n'.padStart(5)}  ${'top-1'.padStart(7)}  ${'logit diff'.padStart(9)}  ${'corrupted'.padStart(9)}`];
  for (const [task, s] of Object.entries(report.tasks)) {
    lines.push(`${task.padEnd(width)}  ${fmt(s)}`);
    for (const [template, t] of Object.entries(s.templates)) lines.push(`${`  ${template}`.padEnd(width)}  ${fmt(t)}`);
  }
  lines.push(`${'overall'.padEnd(width)}  ${fmt(report.overall)}`);
  return lines.join('\n');
}

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'top-1 accuracy and mean logit difference (clean and corrupted) per task and template',
  usage: 'evaluate [--model DIR|ID [--download]] --dataset FILE.jsonl|FILE.csv [--batch-size N] [--per-item]',
  options: { ...MODEL_OPTION, dataset: { type: 'string', short: 'd' }, 'batch-size': { type: 'string' }, 'per-item': { type: 'boolean' } },
  async run(values) {
    const file = path.resolve(requireString(values, 'dataset'));
    const batchSize = optionalInt(values, 'batch-size', 128, 2);
    const { items, rows } = await readDatasetFile(file);
    if (items.length === 0) throw new CliError(`${file}: the dataset has no items`);
    const session = await openModel(await modelDirFromOptions(values));
    try {
      const errors = validateAgainst(items, rows, session.tokenizer, maxPromptTokens(session.config));
      if (errors.length > 0) {
        const listed = errors.slice(0, MAX_LISTED_ERRORS).map((e) => `  ${path.basename(file)}: ${e.message}`);
        if (errors.length > MAX_LISTED_ERRORS) listed.push(`  ... and ${errors.length - MAX_LISTED_ERRORS} more`);
        throw new CliError(`${file}: ${errors.length} validation error${errors.length === 1 ? '' : 's'} against the model's tokenizer:\n${listed.join('\n')}`);
      }
      const report = await evaluate(session, items, { batchSize });
      const { items: perItem, ...summary } = report;
      return {
        data: { model: session.dir, dataset: file, ...summary, ...(values['per-item'] ? { items: perItem } : {}) },
        text: `model ${session.dir}\ndataset ${file}\n\n${table(report)}`,
      };
    } finally {
      session.model.dispose();
    }
  },
};
