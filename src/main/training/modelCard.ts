/** MODEL_CARD.md of a trained model: recipe, vocabulary, architecture, loss curve, held-out evaluation. */
import type { Corruption, TaskName } from '../datasets';
import type { GroupStats, TaskStats } from '../services/evaluate';
import { lossWindows } from './lossCurve';
import type { TrainingLog } from './train';
import type { RunTried } from './runsTried';

export interface CorruptionResult {
  task: TaskName;
  corruption: Corruption;
  stats: TaskStats;
}

/** Held-out evaluation of a task's opt-in templates (not part of its default mix). */
export interface OptInResult {
  task: TaskName;
  corruption: Corruption;
  templates: readonly string[];
  stats: TaskStats;
}

export interface ModelCardInput {
  log: TrainingLog;
  vocabulary: readonly string[];
  /** Held-out evaluation of each task under each corruption (clean numbers repeat across corruptions). */
  results: readonly CorruptionResult[];
  /** Opt-in templates, evaluated on the same protocol; reported apart from the task rows. */
  optInResults?: readonly OptInResult[];
  evalProtocol: { n: number; seed: number; split: string };
  weightsBytes: number;
  trainCommand: string;
  /** The bundled model's folder name ('default-model', 'larger-model'), for the title. */
  modelName?: string;
  /** Runs tried before this one (RUNS_TRIED), listed with this run's own numbers last. */
  runsTried?: readonly RunTried[];
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const num = (x: number) => x.toFixed(2);

function row(cells: readonly (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** A Markdown table's header row and its separator. */
function tableHead(columns: readonly string[]): string[] {
  return [row(columns), row(columns.map(() => '---'))];
}

/** The columns of a group's statistics (statsRow) after its name. */
const STATS_COLUMNS = ['n', 'top-1', 'mean logit diff', 'corrupted logit diff'];

function statsRow(name: string, s: GroupStats): string {
  return row([name, s.n, pct(s.accuracy), num(s.meanLogitDiff), num(s.meanCorruptedLogitDiff)]);
}

/** The opt-in templates' table: trained on, but outside the task definitions the rows above report. */
function optInSection(results: readonly OptInResult[], ev: ModelCardInput['evalProtocol']): string[] {
  if (results.length === 0) return [];
  return [
    '### Opt-in templates (harder probes, outside the tasks above)',
    '',
    'Templates a dataset draws only when named by id (`dataset generate --template ID`). They were in the',
    'training mix; the rows above do not include them. Same protocol, seed and split.',
    '',
    ...tableHead(['template', ...STATS_COLUMNS]),
    ...results.flatMap((res) => Object.entries(res.stats.templates).map(([t, s]) => statsRow(`${t} (${res.corruption})`, s))),
    '',
    'Reproduce:',
    '',
    '```sh',
    ...results.map(
      (res) =>
        `circuit-workbench dataset generate --task ${res.task} --n ${ev.n} --seed ${ev.seed} --split ${ev.split} --corruption ${res.corruption} ${res.templates.map((t) => `--template ${t}`).join(' ')} --out ${res.task}-opt-in.jsonl`,
    ),
    '```',
    '',
  ];
}

const pctOrDash = (x: number | null) => (x === null ? '-' : pct(x));

/** Top-1 over every template of `task` in `results` and `optIn` (items weighted by their count). */
function top1Where(input: ModelCardInput, task: TaskName, templateMatches: (id: string) => boolean): number | null {
  let hits = 0;
  let n = 0;
  const all = [...input.results.filter((r) => r.task === task).slice(0, 1), ...(input.optInResults ?? []).filter((r) => r.task === task)];
  for (const res of all) {
    for (const [id, s] of Object.entries(res.stats.templates)) {
      if (!templateMatches(id)) continue;
      hits += s.accuracy * s.n;
      n += s.n;
    }
  }
  return n > 0 ? hits / n : null;
}

/** One run's row in the card's table of runs tried. */
export function runTriedRow(r: RunTried): string {
  return row([r.id, r.trainer, r.recipe, r.steps, pctOrDash(r.antonymTop1), pctOrDash(r.ioiTop1), pctOrDash(r.latestTop1), r.note]);
}

/** The table of runs tried, this run last. */
function runsSection(input: ModelCardInput): string[] {
  const runs = input.runsTried ?? [];
  if (runs.length === 0) return [];
  const antonymForm = (id: string) => id.startsWith('comparison/the-one/') || id.startsWith('comparison/compared-to/');
  const thisRun: RunTried = {
    id: 'this model',
    trainer: 'workbench',
    recipe: 'the recipe above',
    steps: input.log.recipe.optimiser.steps,
    antonymTop1: top1Where(input, 'comparison', antonymForm),
    ioiTop1: top1Where(input, 'ioi', () => true),
    latestTop1: top1Where(input, 'latest', () => true),
    note: 'the held-out evaluation above',
  };
  return [
    '## Runs tried',
    '',
    'Every run on the way to this model. Top-1 is held-out (this card\'s protocol) on the antonym-dependent',
    'comparison templates (the-one, compared-to), IOI and latest subject; "-" where it was not measured. PyTorch',
    'probes replay the trainer\'s exact batches and initial weights in PyTorch (one thread): fast enough to try',
    'many recipes, and they showed that the data, not the trainer, kept earlier runs at chance.',
    '',
    ...tableHead(['run', 'trainer', 'recipe (what differs)', 'steps', 'antonym templates', 'IOI', 'latest', 'note']),
    ...[...runs, thisRun].map(runTriedRow),
    '',
  ];
}

export function modelCard(input: ModelCardInput): string {
  const { log, vocabulary, results, evalProtocol: ev } = input;
  const c = log.config;
  const r = log.recipe;
  const o = r.optimiser;
  const minutes = log.timings.wallMs / 60000;
  const byTask = new Map<TaskName, CorruptionResult[]>();
  for (const res of results) byTask.set(res.task, [...(byTask.get(res.task) ?? []), res]);
  const primary = [...byTask.values()].map((list) => list[0]);
  const lastLosses = log.losses.slice(-100);
  const finalLoss = lastLosses.reduce((a, b) => a + b, 0) / lastLosses.length;

  const lines: string[] = [
    `# Circuit Workbench ${(input.modelName ?? 'default-model').replace('-model', '')} model`,
    '',
    'A small GPT-2 trained from scratch by the project on its three task families (indirect object',
    'identification, adjective comparison, latest subject) mixed with filler sentences, so that a',
    'first-time user has a real model with real circuits to explore. It is not a general language model:',
    'it knows only the words of its vocabulary and the sentence shapes of its corpus.',
    '',
    '## Architecture',
    '',
    ...tableHead(['n_layer', 'n_head', 'd_model', 'd_head', 'd_mlp', 'n_positions', 'vocab', 'parameters']),
    row([c.nLayer, c.nHead, c.dModel, c.dHead, c.dMlp, c.nCtx, c.vocabSize, log.parameterCount.toLocaleString('en-US')]),
    '',
    `GPT-2 architecture: pre-LayerNorm blocks (eps ${c.lnEps}), ${c.activation} MLPs, learned position embeddings,`,
    `unembedding tied to the token embedding, no unembedding bias. \`prepend_bos: true\`: every prompt starts with`,
    '`<|endoftext|>`, as in training. Weights: `model.safetensors` (float32, ' +
      `${(input.weightsBytes / 1024 / 1024).toFixed(2)} MiB), Hugging Face names (\`wte.weight\`, \`h.0.attn.c_attn.weight\`, ...).`,
    '',
    '## Vocabulary',
    '',
    `Word-level (\`tokenizer.json\`, Hugging Face WordLevel model), ${vocabulary.length} tokens: \`<|endoftext|>\` (id 0,`,
    'BOS and document separator), `<unk>` (id 1), `,` and `.`, the template words, then the slot words of the',
    'generators (60 names, places, objects, verbs, 14 antonym pairs with their comparatives, connectives,',
    'animals). Answers are single words (" Mary" is the token `Mary`). Punctuation is split off words.',
    '',
    '## Training recipe',
    '',
    `- Seed ${r.seed} for the initialisation and the data order; the same seed gives the same loss sequence.`,
    `- Corpus: an endless seeded stream; each row is BOS + one complete sentence. Task rows are drawn from the`,
    `  TRAIN split of every template (clean prompt + correct answer + "."), weights ioi ${r.data.tasks.ioi},`,
    `  comparison ${r.data.tasks.comparison}, latest ${r.data.tasks.latest}; filler rows (weight ${r.data.filler}) hold 1 to`,
    `  ${r.data.fillerSentencesPerRow} filler sentences. Held-out name pairs and word combinations are never drawn.`,
    ...Object.entries(r.data.templates ?? {}).map(([task, ids]) => `- Templates: ${task} rows draw only ${(ids ?? []).join(', ')}.`),
    ...(r.data.fixedPremiseSteps > 0
      ? [
          `- Curriculum: for the first ${r.data.fixedPremiseSteps} steps every comparison premise states the first comparative of its`,
          '  pair ("taller", never "shorter"), so "so the shorter one is" names the other person from the conclusion\'s',
          '  adjective alone; the model learns to pick a name from an adjective. Then premises draw either comparative and',
          '  the answer depends on whether the two adjectives agree. Without this phase the antonym templates stayed at',
          '  chance (runs tried, below).',
        ]
      : []),
    `- Contrast partners: with probability ${r.data.contrastPairs} a task row is joined by its corrupted prompt with that`,
    `  prompt's own true answer (IOI 'swap', comparison 'flip'/'swap', latest 'swap'), minimal pairs that show`,
    '  what the answer depends on. Corruptions without a true answer (IOI \'abc\') are never trained on.',
    `- Loss: next-token cross-entropy over real tokens (padding masked), the answer position weighted ${r.data.answerWeight}x.`,
    `- Batches of ${o.batchSize} rows, bucketed by length within pools of ${r.data.bucketBatches} batches, right-padded.`,
    `- AdamW: peak lr ${o.learningRate}, ${o.warmupSteps} warm-up steps, cosine decay to ${o.finalLrFraction}x over ${o.steps} steps,`,
    `  betas (${o.beta1}, ${o.beta2}), eps ${o.epsilon}, weight decay ${o.weightDecay} on projection matrices, gradient-norm clip ${o.clipNorm}.`,
    `- Init: N(0, ${r.init.std}) projections and biases, N(0, ${r.init.embeddingStd}) token embedding, N(0, ${r.init.positionStd ?? r.init.embeddingStd}) position`,
    '  embedding, LayerNorm weights 1 + N(0, 0.1) (larger than GPT-2\'s 0.02: tiny models otherwise sit on long plateaus).',
    `- Ran ${o.steps} steps in ${minutes.toFixed(1)} minutes on the \`${log.timings.backend}\` backend`,
    `  (${log.timings.stepsPerSecond.toFixed(2)} steps/s, 2 shared CPU cores). Final loss (mean of the last 100 steps): ${finalLoss.toFixed(4)}.`,
    '',
    'Reproduce: `' + input.trainCommand + '` (rewrites this directory: weights, tokenizer, config, log, card, curve).',
    '',
    '## Loss curve',
    '',
    '![training loss](loss-curve.svg)',
    '',
    ...tableHead(['steps', 'mean loss']),
    ...lossWindows(log.losses, 10).map(([from, to, mean]) => row([`${from}-${to}`, mean.toFixed(4)])),
    '',
    '## Held-out evaluation',
    '',
    `${ev.n} items per task from the \`${ev.split}\` split (name pairs and word combinations never seen together in`,
    `training), seed ${ev.seed}. Top-1: the argmax over the whole vocabulary at the last position is the correct`,
    'answer. Logit difference: logit(correct) - logit(incorrect) at the last position, clean prompt; corrupted:',
    'the same two tokens on the corrupted prompt.',
    '',
    ...tableHead(['task', ...STATS_COLUMNS]),
    ...primary.map((p) => statsRow(`${p.task} (${p.corruption})`, p.stats)),
    '',
    '### Corrupted prompts, every corruption',
    '',
    ...tableHead(['task', 'corruption', 'clean logit diff', 'corrupted logit diff']),
    ...results.map((res) => row([res.task, res.corruption, num(res.stats.meanLogitDiff), num(res.stats.meanCorruptedLogitDiff)])),
    '',
    '### Per template',
    '',
    ...tableHead(['template', ...STATS_COLUMNS]),
    ...primary.flatMap((p) => Object.entries(p.stats.templates).map(([t, s]) => statsRow(t, s))),
    '',
    ...optInSection(input.optInResults ?? [], ev),
    ...runsSection(input),
    'Reproduce the evaluation (one task shown; the default corruption unless `--corruption` is given):',
    '',
    '```sh',
    ...primary.map(
      (p) =>
        `circuit-workbench dataset generate --task ${p.task} --n ${ev.n} --seed ${ev.seed} --split ${ev.split} --corruption ${p.corruption} --out ${p.task}-heldout.jsonl`,
    ),
    ...primary.map((p) => `circuit-workbench evaluate --dataset ${p.task}-heldout.jsonl --json`),
    '```',
    '',
    'Files: `config.json`, `model.safetensors`, `tokenizer.json` (the Hugging Face layout the loader reads),',
    '`training-log.json` (recipe, seed, loss per step, learning rates, gradient norms, checkpoint evaluations,',
    'timings), `loss-curve.svg`, this card.',
    '',
  ];
  return lines.join('\n');
}
