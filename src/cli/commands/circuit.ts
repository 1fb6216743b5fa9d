/**
 * `circuit-workbench circuit acdc|eap|eap-ig|path-patch|evaluate`: circuit discovery and scoring
 * on any model the loader reads, over a generated task or a dataset file.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCsv, parseJsonl, type Split, type TaskItem, type TaskName } from '../../main/datasets';
import type { MetricKind } from '../../main/analysis/metrics';
import { METRIC_KINDS } from '../../main/analysis/metrics';
import type { PromptBatch } from '../../main/analysis/promptBatch';
import { ABLATION_KINDS, type AblationKind } from '../../main/circuits/ablation';
import { completeness, faithfulness, faithfulnessCurve, minimality, overlap } from '../../main/circuits/evaluation';
import { EdgeRunner } from '../../main/circuits/intervene';
import { graphShapeOf } from '../../main/circuits/graph';
import { importCircuit, type ImportedCircuit } from '../../main/circuits/json';
import { pathPatching, type PathReceiver } from '../../main/circuits/pathPatching';
import { acdcCircuit, attributionCircuit, promptBatchFor } from '../../main/circuits/service';
import { openModel, type ModelSession } from '../../main/services/modelSession';
import { modelDirFromOptions } from '../modelOption';
import { CliError, MODEL_OPTION, optionalInt, type Command, type OptionSpec, type OptionValues } from '../command';

const DATA_OPTIONS: OptionSpec = {
  ...MODEL_OPTION,
  task: { type: 'string', short: 't' },
  dataset: { type: 'string', short: 'd' },
  n: { type: 'string' },
  seed: { type: 'string' },
  split: { type: 'string' },
  metric: { type: 'string' },
  ablation: { type: 'string' },
};
const DATA_USAGE = '[--model DIR|ID [--download]] (--task ioi|comparison|latest [--n 32] [--seed 0] [--split train] | --dataset FILE) [--metric logit-diff|kl] [--ablation corrupted|mean|zero]';

function oneOf<T extends string>(values: OptionValues, name: string, allowed: readonly T[], fallback: T): T {
  const v = values[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new CliError(`--${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function number(values: OptionValues, name: string): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new CliError(`--${name} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

async function readItems(file: string): Promise<TaskItem[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`${file}: cannot read (${(err as Error).message})`);
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return parseCsv(text, path.basename(file));
  if (ext === '.jsonl') return parseJsonl(text, path.basename(file));
  throw new CliError(`${file}: a dataset must be a .jsonl or .csv file`);
}

interface Loaded {
  session: ModelSession;
  batch: PromptBatch;
  metric: MetricKind;
  ablation: AblationKind;
  data: Record<string, unknown>;
}

async function load(values: OptionValues): Promise<Loaded> {
  const metric = oneOf(values, 'metric', METRIC_KINDS, 'logit-diff');
  const ablation = oneOf(values, 'ablation', ABLATION_KINDS, 'corrupted');
  const file = values.dataset as string | undefined;
  const task = values.task as string | undefined;
  if ((file === undefined) === (task === undefined)) throw new CliError('give exactly one of --task NAME and --dataset FILE');
  const items = file ? await readItems(path.resolve(file)) : undefined;
  const n = optionalInt(values, 'n', 32);
  const seed = optionalInt(values, 'seed', 0, 0);
  const split = oneOf(values, 'split', ['train', 'heldout', 'all'] as const, 'train') as Split;
  const session = await openModel(await modelDirFromOptions(values));
  try {
    const batch = promptBatchFor(session.tokenizer, session.config, items ? { items } : { task: task as TaskName, n, seed, split });
    const data = items ? { dataset: path.resolve(file as string), prompts: batch.size } : { task, n, seed, split, prompts: batch.size };
    return { session, batch, metric, ablation, data };
  } catch (err) {
    session.model.dispose();
    throw err;
  }
}

async function writeOut(values: OptionValues, doc: unknown): Promise<string | undefined> {
  const out = values.out as string | undefined;
  if (!out) return undefined;
  await writeFile(out, `${JSON.stringify(doc, null, 2)}\n`);
  return path.resolve(out);
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export const circuitAcdcCommand: Command = {
  name: 'circuit acdc',
  summary: 'ACDC: prune edges from the logits back while the metric moves less than tau',
  usage: `circuit acdc ${DATA_USAGE} --tau X [--from-eap N [--ig-steps M]] [--max-batch N] [--out circuit.json]`,
  options: { ...DATA_OPTIONS, tau: { type: 'string' }, 'from-eap': { type: 'string' }, 'ig-steps': { type: 'string' }, 'max-batch': { type: 'string' }, out: { type: 'string', short: 'o' } },
  async run(values) {
    const tau = number(values, 'tau');
    if (tau === undefined || tau < 0) throw new CliError('--tau X (a non-negative number) is required');
    const fromEap = values['from-eap'] === undefined ? undefined : optionalInt(values, 'from-eap', 1);
    const { session, batch, metric, ablation, data } = await load(values);
    try {
      const started = performance.now();
      const report = await acdcCircuit(session.model, batch, {
        tau, metric, ablation, maxBatch: optionalInt(values, 'max-batch', 32),
        startFrom: fromEap === undefined ? undefined : { topN: fromEap, steps: optionalInt(values, 'ig-steps', 0, 0) },
        name: `ACDC ${session.name} tau=${tau}`,
      });
      const seconds = (performance.now() - started) / 1000;
      const written = await writeOut(values, report.circuit);
      const { mask: _mask, state: _state, ...rest } = report;
      const edges = report.circuit.graph.edges.map((e) => `${e.source}->${e.target}${e.input ? `:${e.input}` : ''}`);
      return {
        data: { model: session.dir, ...data, ...rest, seconds, out: written },
        text: [
          `ACDC on ${session.name}: ${report.edges} of ${report.totalEdges} edges kept (tau ${tau}, ${metric}, ${ablation} ablation, ${batch.size} prompts, ${seconds.toFixed(1)} s)`,
          `tried ${report.tried}, kept ${report.kept}, removed ${report.removed}, dropped with dead receivers ${report.skipped}`,
          `faithfulness F(C)/F(M) ${report.faithfulness.ratio.toFixed(3)}, normalised ${report.faithfulness.normalized.toFixed(3)}`,
          ...edges.slice(0, 40).map((e) => `  ${e}`),
          edges.length > 40 ? `  ... and ${edges.length - 40} more` : '',
          written ? `written to ${written}` : '',
        ].filter(Boolean).join('\n'),
      };
    } finally {
      session.model.dispose();
    }
  },
};

function attributionCommand(name: 'eap' | 'eap-ig'): Command {
  return {
    name: `circuit ${name}`,
    summary: name === 'eap' ? 'edge attribution patching: score every edge at once' : 'EAP-IG: edge attribution with integrated gradients over m steps',
    usage: `circuit ${name} ${DATA_USAGE}${name === 'eap-ig' ? ' [--steps 5]' : ''} [--top-n N | --threshold X] [--curve] [--out circuit.json]`,
    options: { ...DATA_OPTIONS, ...(name === 'eap-ig' ? { steps: { type: 'string' } } : {}), 'top-n': { type: 'string' }, threshold: { type: 'string' }, curve: { type: 'boolean' }, out: { type: 'string', short: 'o' } },
    async run(values) {
      const steps = name === 'eap-ig' ? optionalInt(values, 'steps', 5) : 0;
      const topN = values['top-n'] === undefined ? undefined : optionalInt(values, 'top-n', 1);
      const threshold = number(values, 'threshold');
      if (topN !== undefined && threshold !== undefined) throw new CliError('give at most one of --top-n and --threshold');
      const { session, batch, metric, ablation, data } = await load(values);
      try {
        const report = await attributionCircuit(session.model, batch, { steps, metric, ablation, topN, threshold, curve: values.curve === true, name: `${name} ${session.name}` });
        const written = report.selection ? await writeOut(values, report.selection.circuit) : undefined;
        if (values.out && !report.selection) throw new CliError('--out needs a circuit: add --top-n N or --threshold X');
        const { scores: _scores, selection, ...rest } = report;
        const sel = selection ? { topN: selection.topN, threshold: selection.threshold, edges: selection.edges, faithfulness: selection.faithfulness } : undefined;
        return {
          data: { model: session.dir, ...data, ...rest, selection: sel, out: written },
          text: [
            `${name.toUpperCase()} on ${session.name}: ${report.totalEdges} edges scored in ${report.seconds.toFixed(2)} s (${metric}, ${ablation} ablation, ${batch.size} prompts${steps ? `, ${steps} steps` : ''})`,
            ...report.top.map((t) => `  ${t.score.toFixed(4).padStart(10)}  ${t.edge}`),
            sel ? `circuit: ${sel.edges} edges, faithfulness ${sel.faithfulness.ratio.toFixed(3)} (normalised ${sel.faithfulness.normalized.toFixed(3)})` : '',
            report.curve ? `curve: ${report.curve.points.map((p) => `${pct(p.fraction)}:${p.faithfulness.toFixed(2)}`).join(' ')}  CPR ${report.curve.cpr.toFixed(3)} CMD ${report.curve.cmd.toFixed(3)}` : '',
            written ? `written to ${written}` : '',
          ].filter(Boolean).join('\n'),
        };
      } finally {
        session.model.dispose();
      }
    },
  };
}

export const circuitEapCommand = attributionCommand('eap');
export const circuitEapIgCommand = attributionCommand('eap-ig');

/** 'a1.h0:qk', 'a1.h0', 'm2' or 'logits'. */
function parseReceiver(text: string): PathReceiver {
  const m = /^([^:]+)(?::([qkv]+))?$/.exec(text);
  if (!m) throw new CliError(`--receiver ${JSON.stringify(text)}: expected NODE[:INPUTS], e.g. a1.h0:k, a2.h3:qkv, m1 or logits`);
  return { node: m[1], inputs: m[2] ? ([...new Set(m[2].split(''))] as ('q' | 'k' | 'v')[]) : undefined };
}

export const circuitPathPatchCommand: Command = {
  name: 'circuit path-patch',
  summary: 'path patching: each sender head patched from corrupted into chosen receivers (layers x heads table)',
  usage: `circuit path-patch ${DATA_USAGE} --receiver NODE[:qkv] [--receiver ...] [--freeze-mlps]`,
  options: { ...DATA_OPTIONS, receiver: { type: 'string', multiple: true }, 'freeze-mlps': { type: 'boolean' } },
  async run(values) {
    const receivers = ((values.receiver as string[] | undefined) ?? []).map(parseReceiver);
    if (receivers.length === 0) throw new CliError('--receiver NODE[:INPUTS] is required (e.g. --receiver a1.h0:k or --receiver logits)');
    const { session, batch, metric, data } = await load(values);
    try {
      const r = await pathPatching(session.model, batch, { receivers, metric, freezeMlps: values['freeze-mlps'] === true });
      const [L, H] = r.shape;
      const cell = (v: number | null): string => (v === null ? '     -' : v.toFixed(3).padStart(6));
      const lines = [`path patching on ${session.name} into ${r.receivers.join(', ')} (${metric}; 1 = clean, 0 = corrupted; clean ${r.baseline.clean.toFixed(3)}, corrupted ${r.baseline.corrupted.toFixed(3)})`];
      lines.push(`      ${Array.from({ length: H }, (_, h) => `H${h}`.padStart(6)).join(' ')}`);
      for (let l = 0; l < L; l++) lines.push(`L${String(l).padEnd(4)} ${r.values.slice(l * H, (l + 1) * H).map(cell).join(' ')}`);
      for (const o of r.receiverOutputs) {
        lines.push(`effect on the output of ${o.receiver} (|clean - patched| at the last position; clean |output| ${o.cleanNorm.toFixed(3)})`);
        for (let l = 0; l < L; l++) lines.push(`L${String(l).padEnd(4)} ${o.values.slice(l * H, (l + 1) * H).map(cell).join(' ')}`);
      }
      return { data: { model: session.dir, ...data, ...r }, text: lines.join('\n') };
    } finally {
      session.model.dispose();
    }
  },
};

async function readCircuit(file: string, session: ModelSession): Promise<ImportedCircuit> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new CliError(`${file}: cannot read a JSON circuit (${(err as Error).message})`);
  }
  return importCircuit(doc, graphShapeOf(session.config), file);
}

export const circuitEvaluateCommand: Command = {
  name: 'circuit evaluate',
  summary: 'faithfulness of a circuit file; optionally completeness, minimality, overlap with a reference, and the faithfulness curve of its scores',
  usage: `circuit evaluate ${DATA_USAGE} --circuit FILE [--reference FILE] [--completeness] [--minimality] [--curve]`,
  options: { ...DATA_OPTIONS, circuit: { type: 'string', short: 'c' }, reference: { type: 'string' }, completeness: { type: 'boolean' }, minimality: { type: 'boolean' }, curve: { type: 'boolean' } },
  async run(values) {
    const file = values.circuit as string | undefined;
    if (!file) throw new CliError('--circuit FILE is required');
    const { session, batch, metric, ablation, data } = await load(values);
    try {
      const circuit = await readCircuit(path.resolve(file), session);
      const reference = values.reference ? await readCircuit(path.resolve(values.reference as string), session) : undefined;
      if (values.curve && !circuit.scores) throw new CliError(`${file}: --curve needs edge scores in the circuit file (edgeScores)`);
      const runner = await EdgeRunner.create(session.model, batch, { metric, ablation });
      try {
        const out: Record<string, unknown> = { model: session.dir, ...data, metric, ablation, circuit: circuit.name, faithfulness: await faithfulness(runner, circuit.mask) };
        if (values.completeness) out.completeness = await completeness(runner, circuit.mask);
        if (values.minimality) out.minimality = await minimality(runner, circuit.mask);
        if (reference) out.overlap = overlap(circuit.mask, reference.mask, circuit.scores && !circuit.scores.some(Number.isNaN) ? circuit.scores : undefined);
        if (values.curve && circuit.scores) out.curve = await faithfulnessCurve(runner, circuit.scores);
        const f = out.faithfulness as { ratio: number; normalized: number; edges: number };
        const text = [
          `${circuit.name}: ${f.edges} edges; faithfulness F(C)/F(M) ${f.ratio.toFixed(3)}, normalised ${f.normalized.toFixed(3)} (${metric}, ${ablation} ablation, ${batch.size} prompts)`,
          out.completeness ? `completeness: worst |F(C\\K) - F(M\\K)| ${(out.completeness as { worst: number }).worst.toFixed(4)}` : '',
          out.minimality ? `minimality: ${(out.minimality as { node: string; relative: number }[]).map((m) => `${m.node} ${pct(m.relative)}`).join(', ')}` : '',
          out.overlap ? `overlap with ${reference?.name}: precision ${(out.overlap as { precision: number }).precision.toFixed(3)}, recall ${(out.overlap as { recall: number }).recall.toFixed(3)}` : '',
          out.curve ? `curve CPR ${(out.curve as { cpr: number }).cpr.toFixed(3)}, CMD ${(out.curve as { cmd: number }).cmd.toFixed(3)}` : '',
        ].filter(Boolean).join('\n');
        return { data: out, text };
      } finally {
        runner.dispose();
      }
    } finally {
      session.model.dispose();
    }
  },
};

export const CIRCUIT_COMMANDS: Command[] = [circuitAcdcCommand, circuitEapCommand, circuitEapIgCommand, circuitPathPatchCommand, circuitEvaluateCommand];
