/**
 * `circuit-workbench compare --models A B [...] --dataset FILE`: the same items through several
 * models (folders, or project model ids with --project): per-task accuracy and logit difference,
 * the prediction table (Input | Model | Prediction | Logit), and with --circuit the EAP-IG circuit
 * of every model against the first one's.
 */
import path from 'node:path';
import { asEvalModel, circuitDiff, compareEvaluations, formatPredictionTable, predictionTable, type CircuitDiff } from '../../main/editing/compare';
import { openProjectModel } from '../../main/editing/projectModel';
import type { ModelConfig } from '../../main/engine/config';
import type { HookedGPT2 } from '../../main/engine/model';
import type { Tokenizer } from '../../main/tokenizer/types';
import { openModel, resolveModelDir } from '../../main/services/modelSession';
import { ProjectStore } from '../../main/store';
import { CliError, optionalInt, requireString, type Command } from '../command';
import { readDatasetFile, validateAgainst } from './evaluate';
import { maxPromptTokens } from '../../main/datasets';

interface Opened {
  label: string;
  model: HookedGPT2;
  tokenizer: Tokenizer;
  config: ModelConfig;
  dispose(): void;
}

async function openAll(specs: string[], project: string | undefined): Promise<Opened[]> {
  const opened: Opened[] = [];
  const store = project ? ProjectStore.open(path.resolve(project)) : undefined;
  try {
    for (const spec of specs) {
      if (store && /^\d+$/.test(spec)) {
        const m = await openProjectModel(store, Number(spec));
        opened.push({ label: `#${spec} ${m.label}`, model: m.session.model, tokenizer: m.session.tokenizer, config: m.session.config, dispose: () => m.dispose() });
      } else {
        // A folder or a Hugging Face id from the cache (compare never downloads).
        const s = await openModel(await resolveModelDir(spec));
        opened.push({ label: spec, model: s.model, tokenizer: s.tokenizer, config: s.config, dispose: () => s.model.dispose() });
      }
    }
    return opened;
  } catch (err) {
    for (const o of opened) o.dispose();
    throw err;
  } finally {
    store?.close();
  }
}

export const compareCommand: Command = {
  name: 'compare',
  summary: 'compare models (e.g. base and edited) on a dataset: accuracy, logit difference, predictions, circuits',
  usage: 'compare --models A B [...] --dataset FILE [--project FILE (ids as models)] [--prompts N] [--circuit] [--top-n 20]',
  options: { models: { type: 'string', multiple: true }, dataset: { type: 'string', short: 'd' }, project: { type: 'string' }, prompts: { type: 'string' }, circuit: { type: 'boolean' }, 'top-n': { type: 'string' } },
  async run(values, positionals) {
    const specs = [...((values.models as string[] | undefined) ?? []), ...positionals];
    if (specs.length < 2) throw new CliError('give at least two models: --models A B');
    const file = path.resolve(requireString(values, 'dataset'));
    const { items, rows } = await readDatasetFile(file);
    if (items.length === 0) throw new CliError(`${file}: the dataset has no items`);
    const models = await openAll(specs, values.project as string | undefined);
    try {
      for (const m of models) {
        const errors = validateAgainst(items, rows, m.tokenizer, maxPromptTokens(m.config));
        if (errors.length > 0) throw new CliError(`${file}: ${errors.length} validation error(s) against ${m.label}'s tokenizer, first: ${errors[0].message}`);
      }
      const named = models.map((m) => asEvalModel(m.model, m.tokenizer, m.label));
      const evaluations = await compareEvaluations(named, items);
      const nPrompts = optionalInt(values, 'prompts', 5, 0);
      const table = await predictionTable(named, items.slice(0, nPrompts).map((i) => i.clean));
      const circuits: { model: string; diff: CircuitDiff }[] = [];
      if (values.circuit) {
        const topN = optionalInt(values, 'top-n', 20);
        for (const m of named.slice(1)) circuits.push({ model: m.label, diff: await circuitDiff(named[0], m, items, { topN }) });
      }
      const lines = evaluations.map((e) => `${e.model}: accuracy ${(100 * e.report.overall.accuracy).toFixed(1)}%, logit diff ${e.report.overall.meanLogitDiff.toFixed(3)}${Object.entries(e.report.tasks).map(([t, s]) => `\n  ${t}: ${(100 * s.accuracy).toFixed(1)}%, ${s.meanLogitDiff.toFixed(3)}`).join('')}`);
      for (const c of circuits) lines.push(`circuit of ${c.model} vs ${named[0].label}: ${c.diff.both.length} shared, +${c.diff.onlyEdited.length} (${c.diff.onlyEdited.join(', ')}), -${c.diff.onlyBase.length} (${c.diff.onlyBase.join(', ')})`);
      return {
        data: { dataset: file, models: named.map((m) => m.label), evaluations, table, ...(values.circuit ? { circuits } : {}) },
        text: [...lines, '', formatPredictionTable(table)].join('\n'),
      };
    } finally {
      for (const m of models) m.dispose();
    }
  },
};
