/**
 * `circuit-workbench edit rome|head`: make a rank-1 edit of a model, report its before/after
 * metrics, and write the edited model as a Hugging Face folder (--out) and/or into a project
 * (--project: the edit's factors, the edited model's record, the key second moment cached).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EditedModel } from '../../main/editing/editedModel';
import { exportModelDir } from '../../main/editing/exportModel';
import { predictionTable, formatPredictionTable, asEvalModel } from '../../main/editing/compare';
import { saveEdit } from '../../main/editing/projectEdits';
import { cacheMoment, findCachedMoment } from '../../main/editing/rome/momentCache';
import { headService, romeService } from '../../main/editing/service';
import type { ModelEdit } from '../../main/editing/delta';
import type { KeyMoment } from '../../main/editing/rome/keys';
import { modelContentHash } from '../../main/api/project/modelHash';
import { openModel, type ModelSession } from '../../main/services/modelSession';
import { modelDirFromOptions } from '../modelOption';
import { ProjectStore } from '../../main/store';
import { readModelConfig } from '../../main/loader/modelDir';
import { CliError, MODEL_OPTION, optionalInt, requireString, type Command, type OptionValues } from '../command';

function num(values: OptionValues, name: string): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new CliError(`--${name} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

function list(values: OptionValues, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
}

/** The project's record of the model folder (added when missing). */
async function projectModelId(store: ProjectStore, dir: string, hash: string): Promise<number> {
  const found = store.models.findByHash(hash)[0];
  if (found) return found.id;
  const { hfConfig } = await readModelConfig(dir);
  return store.models.add({ name: path.basename(dir), path: dir, contentHash: hash, config: hfConfig as never }).id;
}

/** Write the edit where asked: a Hugging Face folder and/or the project. */
async function writeEdit(session: ModelSession, edit: ModelEdit, values: OptionValues, hash: string | undefined): Promise<{ out?: string; project?: { file: string; editId: number; modelId: number; contentHash: string } }> {
  const written: { out?: string; project?: { file: string; editId: number; modelId: number; contentHash: string } } = {};
  if (typeof values.out === 'string') {
    const out = path.resolve(values.out);
    const edited = EditedModel.apply(session.model, [edit]);
    try {
      const tokenizerJson = JSON.parse(await readFile(path.join(session.dir, 'tokenizer.json'), 'utf8')) as object;
      await exportModelDir(out, edited.model, tokenizerJson);
    } finally {
      edited.dispose();
    }
    written.out = out;
  }
  if (typeof values.project === 'string') {
    const file = path.resolve(values.project);
    const store = ProjectStore.open(file, { create: true });
    try {
      const baseId = await projectModelId(store, session.dir, hash!);
      const saved = saveEdit(store, { baseModelId: baseId, config: session.config, edit });
      written.project = { file, editId: saved.edit.id, modelId: saved.model.id, contentHash: saved.model.contentHash };
    } finally {
      store.close();
    }
  }
  return written;
}

function traceTable(trace: { probs: number[][] }, labels: string[]): string {
  const width = Math.max(...labels.map((l) => l.length), 6);
  const head = `${'layer'.padEnd(6)}${labels.map((l) => l.padStart(width + 1)).join('')}`;
  return [head, ...trace.probs.map((row, l) => `${String(l).padEnd(6)}${row.map((p) => p.toFixed(3).padStart(width + 1)).join('')}`)].join('\n');
}

export const editRomeCommand: Command = {
  name: 'edit rome',
  summary: 'ROME: rewrite what an MLP recalls for a subject (rank-1 update of c_proj), with efficacy/specificity',
  usage: 'edit rome [--model DIR|ID [--download]] --prompt TEXT --subject WORDS --target " WORD" [--layer N|auto] [--last] [--paraphrase TEXT]... [--neighbour TEXT]... [--contexts 4] [--steps 20] [--lr 0.5] [--trace] [--out DIR] [--project FILE]',
  options: {
    ...MODEL_OPTION,
    prompt: { type: 'string' },
    subject: { type: 'string' },
    target: { type: 'string' },
    layer: { type: 'string' },
    last: { type: 'boolean' },
    paraphrase: { type: 'string', multiple: true },
    neighbour: { type: 'string', multiple: true },
    contexts: { type: 'string' },
    steps: { type: 'string' },
    lr: { type: 'string' },
    'kl-factor': { type: 'string' },
    'weight-decay': { type: 'string' },
    trace: { type: 'boolean' },
    name: { type: 'string' },
    out: { type: 'string' },
    project: { type: 'string' },
  },
  async run(values) {
    const prompt = requireString(values, 'prompt');
    const subject = requireString(values, 'subject');
    const target = requireString(values, 'target');
    const layerText = typeof values.layer === 'string' ? values.layer : 'auto';
    const layer = layerText === 'auto' ? 'auto' : num(values, 'layer')!;
    const session = await openModel(await modelDirFromOptions(values));
    try {
      const hash = typeof values.project === 'string' ? await modelContentHash(session.dir) : undefined;
      const cached = new Map<number, KeyMoment>();
      const getMoment = async (l: number): Promise<KeyMoment | undefined> => {
        if (!hash) return undefined;
        const store = ProjectStore.open(path.resolve(values.project as string), { create: true });
        try {
          const m = findCachedMoment(store, hash, l);
          if (m) cached.set(l, m);
          return m;
        } finally {
          store.close();
        }
      };
      const result = await romeService(session, {
        prompt,
        subject,
        target,
        layer,
        occurrence: values.last ? 'last' : 'first',
        contexts: optionalInt(values, 'contexts', 4, 0),
        paraphrases: list(values, 'paraphrase'),
        neighbourhood: list(values, 'neighbour'),
        name: values.name as string | undefined,
        trace: values.trace === true,
        rome: { steps: optionalInt(values, 'steps', 20), lr: num(values, 'lr'), klFactor: num(values, 'kl-factor'), weightDecay: num(values, 'weight-decay') },
      }, getMoment);
      if (hash && !cached.has(result.layer)) {
        const store = ProjectStore.open(path.resolve(values.project as string), { create: true });
        try {
          cacheMoment(store, hash, result.moment, { prompts: 0 });
        } finally {
          store.close();
        }
      }
      const written = await writeEdit(session, result.edit, values, hash);
      const edited = EditedModel.apply(session.model, [result.edit]);
      let table;
      try {
        table = await predictionTable([asEvalModel(session.model, session.tokenizer, 'base'), asEvalModel(edited.model, session.tokenizer, 'edited')], [prompt, ...list(values, 'paraphrase'), ...list(values, 'neighbour')]);
      } finally {
        edited.dispose();
      }
      const d = result.edit.deltas[0];
      const labels = session.tokenizer.tokenStrings(session.tokenizer.encode(prompt));
      const posLabels = session.config.prependBos ? ['<bos>', ...labels] : labels;
      const m = result.metrics;
      return {
        data: {
          model: session.dir,
          edit: { name: result.edit.name, spec: result.edit.spec, deltas: [{ param: d.param, rows: d.u.length, cols: d.v.length }] },
          layer: result.layer,
          metrics: m,
          momentCached: cached.has(result.layer),
          traces: result.traces,
          table,
          ...written,
        },
        text: [
          `ROME edit "${result.edit.name}" on ${d.param} (layer ${result.layer}), ${result.details.value.steps} steps, ||delta|| ${result.details.deltaNorm.toFixed(3)}`,
          `efficacy ${m.efficacy ? 'yes' : 'no'} (p(target) ${m.targetProbBefore.toFixed(4)} -> ${m.targetProbAfter.toFixed(4)}), paraphrases ${Number.isNaN(m.paraphrase) ? '-' : (100 * m.paraphrase).toFixed(0) + '%'}, neighbourhood unchanged ${Number.isNaN(m.specificity) ? '-' : (100 * m.specificity).toFixed(0) + '%'}`,
          ...(result.traces.mlp ? ['', 'causal trace (MLP restored), p(answer):', traceTable(result.traces.mlp, posLabels)] : []),
          ...(result.traces.resid ? ['', 'causal trace (residual restored), p(answer):', traceTable(result.traces.resid, posLabels)] : []),
          '',
          formatPredictionTable(table),
          ...(written.out ? [`\nwrote ${written.out}`] : []),
          ...(written.project ? [`saved edit ${written.project.editId} and model ${written.project.modelId} in ${written.project.file}`] : []),
        ].join('\n'),
      };
    } finally {
      session.model.dispose();
    }
  },
};

export const editHeadCommand: Command = {
  name: 'edit head',
  summary: 'rank-1 edit of one attention head: OV (what it moves) or QK (where it attends)',
  usage: 'edit head [--model DIR|ID [--download]] --kind ov|qk --layer L --head H --prompt TEXT (ov: --source WORD --plus WORD [--minus WORD] [--target reflect|zero|N] | qk: --key WORD [--score-change 5]) [--out DIR] [--project FILE]',
  options: {
    ...MODEL_OPTION,
    kind: { type: 'string' },
    layer: { type: 'string' },
    head: { type: 'string' },
    prompt: { type: 'string' },
    source: { type: 'string' },
    plus: { type: 'string' },
    minus: { type: 'string' },
    target: { type: 'string' },
    key: { type: 'string' },
    'score-change': { type: 'string' },
    name: { type: 'string' },
    out: { type: 'string' },
    project: { type: 'string' },
  },
  async run(values) {
    const kind = requireString(values, 'kind');
    if (kind !== 'ov' && kind !== 'qk') throw new CliError(`--kind must be ov or qk, got ${JSON.stringify(kind)}`);
    const prompt = requireString(values, 'prompt');
    const targetText = values.target as string | undefined;
    const target = targetText === undefined || targetText === 'reflect' || targetText === 'zero' ? targetText : num(values, 'target');
    const session = await openModel(await modelDirFromOptions(values));
    try {
      const { edit, projection } = await headService(session, {
        kind,
        layer: optionalInt(values, 'layer', -1, 0),
        head: optionalInt(values, 'head', -1, 0),
        prompt,
        source: values.source as string | undefined,
        plus: values.plus as string | undefined,
        minus: values.minus as string | undefined,
        target: target as 'reflect' | 'zero' | number | undefined,
        key: values.key as string | undefined,
        scoreChange: num(values, 'score-change'),
        name: values.name as string | undefined,
      });
      const hash = typeof values.project === 'string' ? await modelContentHash(session.dir) : undefined;
      const written = await writeEdit(session, edit, values, hash);
      const edited = EditedModel.apply(session.model, [edit]);
      let table;
      try {
        table = await predictionTable([asEvalModel(session.model, session.tokenizer, 'base'), asEvalModel(edited.model, session.tokenizer, 'edited')], [prompt]);
      } finally {
        edited.dispose();
      }
      const d = edit.deltas[0];
      return {
        data: { model: session.dir, edit: { name: edit.name, spec: edit.spec, deltas: [{ param: d.param, rows: d.u.length, cols: d.v.length }] }, projection, table, ...written },
        text: [`${edit.name} on ${d.param}`, ...(projection ? [`projection on the direction: ${projection.before.toFixed(3)} -> ${projection.after.toFixed(3)}`] : []), '', formatPredictionTable(table), ...(written.out ? [`\nwrote ${written.out}`] : [])].join('\n'),
      };
    } finally {
      session.model.dispose();
    }
  },
};

export const EDIT_COMMANDS: Command[] = [editRomeCommand, editHeadCommand];
