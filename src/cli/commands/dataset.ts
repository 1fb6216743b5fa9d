import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CORRUPTIONS, DEFAULT_CORRUPTION, generateDataset, TASK_NAMES, templateIds, toCsv, toJsonl, type Corruption, type Split, type TaskName } from '../../main/datasets';
import { CliError, optionalInt, requireString, type Command } from '../command';

const SPLITS: readonly Split[] = ['train', 'heldout', 'all'];

/** 'jsonl' or 'csv' from a file name; anything else is an error naming the file. */
export function datasetFormat(file: string): 'jsonl' | 'csv' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.jsonl') return 'jsonl';
  if (ext === '.csv') return 'csv';
  throw new CliError(`${file}: unknown dataset format "${ext || '(no extension)'}" (use .jsonl or .csv)`);
}

function integer(value: unknown, name: string): number {
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isInteger(n)) throw new CliError(`--${name} must be an integer, got ${JSON.stringify(value)}`);
  return n;
}

export const datasetGenerateCommand: Command = {
  name: 'dataset generate',
  summary: 'generate a task dataset (clean/corrupted prompt pairs) as JSONL or CSV',
  usage: 'dataset generate --task ioi|comparison|latest --n N --seed S [--split train|heldout|all] [--corruption C] [--template ID ...] --out FILE',
  options: {
    task: { type: 'string', short: 't' },
    n: { type: 'string' },
    seed: { type: 'string' },
    split: { type: 'string' },
    corruption: { type: 'string' },
    template: { type: 'string', multiple: true },
    out: { type: 'string', short: 'o' },
  },
  async run(values) {
    const task = requireString(values, 'task');
    if (!(TASK_NAMES as readonly string[]).includes(task)) throw new CliError(`--task must be one of ${TASK_NAMES.join(', ')}, got "${task}"`);
    const n = optionalInt(values, 'n', NaN, 1);
    if (Number.isNaN(n)) throw new CliError('--n is required');
    const seed = integer(requireString(values, 'seed'), 'seed');
    const split = (values.split ?? 'all') as Split;
    if (!SPLITS.includes(split)) throw new CliError(`--split must be one of ${SPLITS.join(', ')}, got "${String(values.split)}"`);
    const corruption = (values.corruption ?? DEFAULT_CORRUPTION[task as TaskName]) as Corruption;
    const allowed = CORRUPTIONS[task as TaskName];
    if (!allowed.includes(corruption)) throw new CliError(`--corruption "${corruption}" is not available for task "${task}" (use one of ${allowed.join(', ')})`);
    const out = path.resolve(requireString(values, 'out'));
    const format = datasetFormat(out);
    // --template picks templates by id (opt-in ones included); none: the task's default mix.
    const named = values.template as string[] | undefined;
    const known = templateIds(task as TaskName);
    const unknown = (named ?? []).filter((t) => !known.includes(t));
    if (unknown.length > 0) throw new CliError(`--template ${unknown.join(', ')}: not a template of "${task}" (known: ${known.join(', ')})`);
    const dataset = generateDataset(task as TaskName, { n, seed, split, corruption, templates: named });
    await writeFile(out, format === 'jsonl' ? toJsonl(dataset.items) : toCsv(dataset.items), 'utf8');
    const templates: Record<string, number> = {};
    for (const item of dataset.items) templates[item.template] = (templates[item.template] ?? 0) + 1;
    return {
      data: { out, format, name: dataset.name, task, n, seed, split, corruption, templates },
      text: `wrote ${n} ${task} items (${split} split, ${corruption} corruption, seed ${seed}) to ${out}`,
    };
  },
};
