/**
 * circuit-workbench analyze <kind>: the analyses of outline steps 1-4 and 7 on a dataset file or
 * a generated task. --json prints the result object the store saves and the UI draws.
 */
import * as analysis from '../../main/analysis';
import { answerTokens, copyScoreCandidates, loadItems, wordToken } from '../../main/analysis/taskSource';
import type { Corruption, Split } from '../../main/datasets';
import { encodePrompt } from '../../main/services/prompt';
import { openModel, type ModelSession } from '../../main/services/modelSession';
import { modelDirFromOptions } from '../modelOption';
import { attributionPatching, type AttributionPatchResult } from '../../main/analysis/attribution/atpStar';
import { COPY_INPUTS, defaultCopyInput, PATCH_METHOD_NAMES } from '../../shared/api/analysisKinds';
import { CliError, MODEL_OPTION, optionalInt, type CommandResult, type Command, type OptionValues } from '../command';

const KINDS = ['logit-diff', 'logit-lens', 'dla', 'patch', 'attention', 'correlation', 'copy-scores', 'congruence', 'neuroscope', 'track-tokens'] as const;
type Kind = (typeof KINDS)[number];

interface Context {
  session: ModelSession;
  values: OptionValues;
  signal: AbortSignal;
  onProgress: (done: number, total: number) => void;
}

const str = (v: OptionValues, name: string): string | undefined => (typeof v[name] === 'string' ? (v[name] as string) : undefined);
const list = (v: OptionValues, name: string): string[] => {
  const raw = v[name];
  const all = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  return all.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
};
function oneOf<T extends string>(v: OptionValues, name: string, allowed: readonly T[], fallback: T): T {
  const s = str(v, name);
  if (s === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(s)) throw new CliError(`--${name} must be one of ${allowed.join(', ')}, got "${s}"`);
  return s as T;
}
function requiredInt(v: OptionValues, name: string): number {
  if (v[name] === undefined) throw new CliError(`--${name} is required for this analysis`);
  return optionalInt(v, name, 0, 0);
}

async function items(ctx: Context) {
  const { values: v, session } = ctx;
  return loadItems(
    {
      dataset: str(v, 'dataset'),
      task: str(v, 'task'),
      n: v.n === undefined ? undefined : optionalInt(v, 'n', 32),
      seed: optionalInt(v, 'seed', 0, 0),
      split: oneOf<Split>(v, 'split', ['train', 'heldout', 'all'], 'all'),
      templates: list(v, 'template').length > 0 ? list(v, 'template') : undefined,
      corruption: str(v, 'corruption') as Corruption | undefined,
    },
    session.tokenizer,
  );
}

async function batchOf(ctx: Context) {
  const its = await items(ctx);
  return { items: its, batch: analysis.encodeTaskItems(its, ctx.session.tokenizer, ctx.session.config) };
}

const labelsOf = (ctx: Context) => (ids: number[]) => analysis.positionLabels(ctx.session.tokenizer, ids);
const side = (v: OptionValues) => oneOf<analysis.PromptSide>(v, 'side', ['clean', 'corrupted'], 'clean');
const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));

/** Direction specs on the command line: neuron-out:L:N, neuron-in:L:N, head-ov:L:H:WORD, embed:WORD, unembed:WORD, pos:P. */
function parseDirection(ctx: Context, spec: string): analysis.DirectionSpec {
  const [kind, ...rest] = spec.split(':');
  const int = (s: string | undefined, what: string) => {
    const n = Number(s);
    if (s === undefined || !Number.isInteger(n) || n < 0) throw new CliError(`direction "${spec}": ${what} must be a non-negative integer`);
    return n;
  };
  const tok = (w: string | undefined) => {
    if (!w) throw new CliError(`direction "${spec}": a word is missing`);
    return wordToken(ctx.session.tokenizer, w);
  };
  switch (kind) {
    case 'neuron-out': return { kind, layer: int(rest[0], 'layer'), neuron: int(rest[1], 'neuron') };
    case 'neuron-in': return { kind, layer: int(rest[0], 'layer'), neuron: int(rest[1], 'neuron') };
    case 'head-ov': return { kind, layer: int(rest[0], 'layer'), head: int(rest[1], 'head'), token: tok(rest[2]) };
    case 'embed': return { kind, token: tok(rest[0]) };
    case 'unembed': return { kind, token: tok(rest[0]) };
    case 'pos': return { kind: 'pos-embed', position: int(rest[0], 'position') };
    default: throw new CliError(`direction "${spec}": unknown kind "${kind}" (neuron-out:L:N, neuron-in:L:N, head-ov:L:H:WORD, embed:WORD, unembed:WORD, pos:P)`);
  }
}

/** The largest |value| entries of a patching table, with their labels. */
function topEntries(r: analysis.PatchResult, n: number): { index: number[]; label: string; value: number }[] {
  const order = r.values.map((_, i) => i).filter((i) => Number.isFinite(r.values[i])).sort((a, b) => Math.abs(r.values[b]) - Math.abs(r.values[a]));
  return order.slice(0, n).map((flat) => {
    const index: number[] = [];
    let rem = flat;
    for (let d = r.shape.length - 1; d >= 0; d--) {
      index.unshift(rem % r.shape[d]);
      rem = Math.floor(rem / r.shape[d]);
    }
    const label = index.map((i, d) => r.labels[r.axes[d]][i]).join(' ');
    return { index, label, value: r.values[flat] };
  });
}

/** AtP* in words: what was estimated, the verified cells (estimate next to exact), the bound and the cost. */
function atpText(r: AttributionPatchResult): string {
  const a = r.attribution;
  const c = a.forwardEquivalents;
  return [
    `${r.target} AtP* (${r.direction}, ${r.metric}) on ${r.prompts} prompts; 0 = corrupted (${fmt(r.baseline.corrupted)}), 1 = clean (${fmt(r.baseline.clean)})`,
    `cost ${c.total.toFixed(1)} forward-equivalents (estimation ${c.estimation.toFixed(1)} + verification ${c.verification.toFixed(1)}) vs ${c.exactAll.toFixed(1)} for exact patching of all ${r.values.length} cells`,
    `verified (normalised effect; AtP* estimate -> exact):`,
    ...a.verified.map((v) => `  ${v.node.padEnd(24)} ${fmt(v.estimateNormalised).padStart(8)} -> ${fmt(v.exactNormalised)}`),
    a.bound.skipped > 0
      ? `${a.bound.skipped} cells skipped: |effect| <= ${fmt(a.bound.normalised)} of the gap if their estimates err no more than the verified ones' (not a guarantee)`
      : 'every cell verified',
  ].join('\n');
}

const RUNNERS: Record<Kind, (ctx: Context) => Promise<CommandResult>> = {
  async 'logit-diff'(ctx) {
    const { batch } = await batchOf(ctx);
    const r = await analysis.logitDifference(ctx.session.model, batch, ctx);
    return { data: r, text: `prompts ${r.clean.length}\nmean logit difference  clean ${fmt(r.meanClean)}  corrupted ${fmt(r.meanCorrupted)}` };
  },
  async 'logit-lens'(ctx) {
    const { batch } = await batchOf(ctx);
    const scale = oneOf<analysis.LensScale>(ctx.values, 'scale', ['recomputed', 'frozen'], 'recomputed');
    const r = await analysis.logitLens(ctx.session.model, batch, { ...ctx, side: side(ctx.values), scale });
    return { data: r, text: [r.convention, ...r.stages.map((s, i) => `${s.padEnd(10)} ${fmt(r.mean[i])}`)].join('\n') };
  },
  async dla(ctx) {
    const { batch } = await batchOf(ctx);
    const r = await analysis.directLogitAttribution(ctx.session.model, batch, { ...ctx, side: side(ctx.values) }, labelsOf(ctx));
    const order = r.mean.map((_, i) => i).sort((a, b) => Math.abs(r.mean[b]) - Math.abs(r.mean[a])).slice(0, 10);
    const meanDiff = r.logitDiff.reduce((a, b) => a + b, 0) / r.logitDiff.length;
    return { data: r, text: [r.convention, `mean logit difference ${fmt(meanDiff)}; largest components:`, ...order.map((i) => `  ${r.components[i].padEnd(28)} ${fmt(r.mean[i])}`)].join('\n') };
  },
  async patch(ctx) {
    const { batch } = await batchOf(ctx);
    const target = oneOf(ctx.values, 'target', analysis.PATCH_TARGETS, 'heads');
    const direction = oneOf(ctx.values, 'direction', analysis.PATCH_DIRECTIONS, 'denoise');
    const metric = oneOf(ctx.values, 'metric', analysis.METRIC_KINDS, 'logit-diff');
    if (oneOf(ctx.values, 'method', PATCH_METHOD_NAMES, 'exact') === 'atp') {
      const r = await attributionPatching(ctx.session.model, batch, { ...ctx, target, direction, metric, verifyTop: optionalInt(ctx.values, 'verify-top', 10, 0), positionLabels: labelsOf(ctx) });
      return { data: r, text: atpText(r) };
    }
    if (ctx.values['verify-top'] !== undefined) throw new CliError('--verify-top applies only to --method atp');
    const r = await analysis.activationPatching(ctx.session.model, batch, { ...ctx, target, direction, metric, positionLabels: labelsOf(ctx) });
    const top = topEntries(r, optionalInt(ctx.values, 'top', 10));
    return {
      data: { ...r, top },
      text: [
        `${target} patching (${direction}, ${metric}) on ${r.prompts} prompts; ${r.runs} batched runs; 0 = corrupted (${fmt(r.baseline.corrupted)}), 1 = clean (${fmt(r.baseline.clean)})`,
        ...top.map((t) => `  ${t.label.padEnd(24)} ${fmt(t.value)}`),
      ].join('\n'),
    };
  },
  async attention(ctx) {
    const { items: its, batch } = await batchOf(ctx);
    const { session } = ctx;
    if (ctx.values.prompt !== undefined) {
      // Prompts count from 1, as validation and evaluate number rows.
      const n = optionalInt(ctx.values, 'prompt', 1, 1);
      if (n > its.length) throw new CliError(`--prompt ${n} is outside 1..${its.length}`);
      const ids = encodePrompt(session.tokenizer, session.config, its[n - 1][side(ctx.values)]);
      const r = await analysis.attentionPatterns(session.model, ids, analysis.positionLabels(session.tokenizer, ids));
      return { data: r, text: `attention patterns [layers, heads, dest, src] = [${r.shape.join(', ')}] for: ${r.tokens.join(' ')}` };
    }
    const s = side(ctx.values);
    const positionsOf = (gi: number, b: number) => {
      const g = batch.groups[gi];
      return analysis.namedPositions(g.items[b], g[s][b], session.tokenizer);
    };
    const pairs = list(ctx.values, 'pairs').map((p) => {
      const [from, to] = p.split('->');
      if (!from || !to) throw new CliError(`--pairs entry "${p}" must look like END->IO`);
      return { from, to };
    });
    const r = await analysis.averageAttention(session.model, batch, positionsOf, pairs.length > 0 ? pairs : analysis.defaultPairs(positionsOf(0, 0)), { ...ctx, side: s });
    const [, L, H] = r.shape;
    const lines = r.pairs.map((p, pi) => {
      const vals = r.values.slice(pi * L * H, (pi + 1) * L * H);
      const best = vals.map((_, i) => i).sort((a, b) => vals[b] - vals[a]).slice(0, 5);
      return `${p.from}->${p.to} (${r.counts[pi]} prompts): ${best.map((i) => `L${Math.floor(i / H)}H${i % H} ${fmt(vals[i])}`).join(', ')}`;
    });
    return { data: r, text: lines.join('\n') };
  },
  async correlation(ctx) {
    const { batch } = await batchOf(ctx);
    const y = oneOf<analysis.CorrelationY>(ctx.values, 'y', ['attention', 'logit'], 'attention');
    const r = await analysis.headCorrelation(ctx.session.model, batch, requiredInt(ctx.values, 'layer'), requiredInt(ctx.values, 'head'), { ...ctx, y, side: side(ctx.values) });
    return { data: r, text: `L${r.layer}H${r.head}: projection on U[answer] vs ${y}, ${r.points.length} points; pearson correct ${fmt(r.pearson.correct)}, incorrect ${fmt(r.pearson.incorrect)}, all ${fmt(r.pearson.all)}` };
  },
  async 'copy-scores'(ctx) {
    const { session, values } = ctx;
    const words = list(values, 'tokens');
    const base = words.length > 0 ? words.map((w) => wordToken(session.tokenizer, w)) : answerTokens(await items(ctx), session.tokenizer);
    const { tokens, antonyms: pairs } = copyScoreCandidates(base, session.tokenizer, values.antonyms === true);
    // the workbench's and the study's default: after MLP0 (the IOI paper's input), embeddings when there is no MLP
    const input = oneOf<analysis.CopyInput>(values, 'input', COPY_INPUTS, defaultCopyInput(session.model.config.attnOnly));
    const r = await analysis.copyScores(session.model, tokens, { ...ctx, k: optionalInt(values, 'k', 5), input, antonyms: pairs });
    const H = r.shape[1];
    // with antonym pairs the question is which head is the antonym head: rank by that score
    const rankBy = r.antonym ?? r.copying;
    const ranked = rankBy.map((_, i) => i).sort((a, b) => rankBy[b] - rankBy[a]).slice(0, 8);
    const averageAntonym = r.averageHead.antonym === undefined ? '' : `, antonym ${fmt(r.averageHead.antonym)}`;
    return {
      data: r,
      text: [
        `${tokens.length} tokens, top-${r.k}, input ${input}; average head: copying ${fmt(r.averageHead.copying)}, negative ${fmt(r.averageHead.negative)}${averageAntonym}; chance ${fmt(r.chance)}`,
        ...ranked.map((i) => `  L${Math.floor(i / H)}H${i % H}  copying ${fmt(r.copying[i])}  negative ${fmt(r.negative[i])}${r.antonym ? `  antonym ${fmt(r.antonym[i])}` : ''}`),
      ].join('\n'),
    };
  },
  async congruence(ctx) {
    const specs = list(ctx.values, 'dir').map((s) => parseDirection(ctx, s));
    if (specs.length === 0) throw new CliError('give one or more --dir directions (e.g. --dir neuron-out:0:12 --dir unembed:Mary)');
    const label = (id: number) => ctx.session.tokenizer.tokenStrings([id])[0] ?? String(id);
    if (specs.length === 1) {
      const r = await analysis.vocabProjection(ctx.session.model, specs[0], optionalInt(ctx.values, 'k', 10), label);
      return { data: r, text: [`${r.direction}: top tokens`, ...r.top.map((t) => `  ${t.label.padEnd(16)} ${fmt(t.value)}`), 'bottom tokens', ...r.bottom.map((t) => `  ${t.label.padEnd(16)} ${fmt(t.value)}`)].join('\n') };
    }
    const r = await analysis.congruence(ctx.session.model, specs, specs);
    const n = specs.length;
    return { data: r, text: r.rows.map((row, i) => `${row.padEnd(28)} ${Array.from({ length: n }, (_, j) => fmt(r.dot[i * n + j]).padStart(9)).join('')}`).join('\n') };
  },
  async neuroscope(ctx) {
    const its = await items(ctx);
    const { session } = ctx;
    const prompts = its.flatMap((i) => [encodePrompt(session.tokenizer, session.config, i.clean), encodePrompt(session.tokenizer, session.config, i.corrupted)]);
    const r = await analysis.neuroscope(session.model, prompts, requiredInt(ctx.values, 'layer'), requiredInt(ctx.values, 'neuron'), { ...ctx, k: optionalInt(ctx.values, 'k', 10), tokenLabels: (ids) => session.tokenizer.tokenStrings(ids) });
    return { data: r, text: [`L${r.layer}N${r.neuron}: max ${fmt(r.max)}, mean ${fmt(r.mean)} over ${r.positions} positions`, ...r.top.map((e) => `  ${fmt(e.activation).padStart(8)}  ${e.tokens.map((t, i) => (i === e.position ? `[${t}]` : t)).join(' ')}`)].join('\n') };
  },
  async 'track-tokens'(ctx) {
    const its = await items(ctx);
    const { session } = ctx;
    const words = list(ctx.values, 'tokens');
    const tokens = words.length > 0 ? words.map((w) => wordToken(session.tokenizer, w)) : answerTokens(its.slice(0, 1), session.tokenizer);
    const prompts = its.map((i) => encodePrompt(session.tokenizer, session.config, i[side(ctx.values)]));
    const direction = oneOf<analysis.TrackDirection>(ctx.values, 'along', ['unembed', 'embed'], 'unembed');
    const r = await analysis.trackTokens(session.model, prompts, tokens, { ...ctx, direction, positionLabels: labelsOf(ctx) });
    const g = r.groups[0];
    const [S, T, K] = g.shape;
    const names = tokens.map((t) => session.tokenizer.tokenStrings([t])[0]);
    return {
      data: r,
      text: [`${direction} directions of ${names.join(', ')} at the last position (${g.rows.length} prompts of ${T} tokens):`, ...r.stages.map((s, si) => `  ${s.padEnd(16)} ${Array.from({ length: K }, (_, k) => fmt(g.total[(si * T + T - 1) * K + k]).padStart(9)).join('')}`)].slice(0, S + 1).join('\n'),
    };
  },
};

export const analyzeCommand: Command = {
  name: 'analyze',
  summary: `where the answer comes from: ${KINDS.join(', ')}`,
  usage: 'analyze <kind> [--model DIR|ID [--download]] (--dataset FILE | --task T [--n N --seed S --split S --corruption C]) [--template ID] [kind options]',
  options: {
    ...MODEL_OPTION,
    dataset: { type: 'string', short: 'd' },
    task: { type: 'string', short: 't' },
    n: { type: 'string', short: 'n' },
    seed: { type: 'string' },
    split: { type: 'string' },
    template: { type: 'string', multiple: true },
    corruption: { type: 'string' },
    side: { type: 'string' },
    target: { type: 'string' },
    direction: { type: 'string' },
    metric: { type: 'string' },
    method: { type: 'string' },
    'verify-top': { type: 'string' },
    top: { type: 'string' },
    scale: { type: 'string' },
    prompt: { type: 'string' },
    pairs: { type: 'string', multiple: true },
    layer: { type: 'string' },
    head: { type: 'string' },
    neuron: { type: 'string' },
    y: { type: 'string' },
    tokens: { type: 'string', multiple: true },
    antonyms: { type: 'boolean' },
    input: { type: 'string' },
    k: { type: 'string', short: 'k' },
    dir: { type: 'string', multiple: true },
    along: { type: 'string' },
    progress: { type: 'boolean' },
  },
  async run(values, positionals) {
    const kind = positionals[0] as Kind | undefined;
    if (!kind || !KINDS.includes(kind)) throw new CliError(`analyze needs a kind: one of ${KINDS.join(', ')}${kind ? ` (got "${kind}")` : ''}`);
    if (positionals.length > 1) throw new CliError(`unexpected argument "${positionals[1]}"`);
    const session = await openModel(await modelDirFromOptions(values));
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    try {
      const onProgress = values.progress ? (done: number, total: number) => process.stderr.write(`\r${kind}: ${done}/${total}`) : () => {};
      const result = await RUNNERS[kind]({ session, values, signal: controller.signal, onProgress });
      if (values.progress) process.stderr.write('\n');
      return { data: { model: session.dir, kind, ...(result.data as object) }, text: result.text };
    } finally {
      process.off('SIGINT', onSigint);
      session.model.dispose();
    }
  },
};
