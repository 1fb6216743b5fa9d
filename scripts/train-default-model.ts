/**
 * npm run train:default-model — trains the bundled default model from scratch with the fixed
 * DEFAULT_RECIPE and writes resources/default-model/: config.json, model.safetensors,
 * tokenizer.json, training-log.json, loss-curve.svg and MODEL_CARD.md.
 * npm run train:larger-model (--bundled larger-model) does the same for resources/larger-model
 * with LARGER_RECIPE (BUNDLED_RECIPES names both).
 *
 * Options (for trying recipes; the shipped models use none): --out DIR, --steps N, --recipe FILE
 * (a JSON object merged field by field over DEFAULT_RECIPE, e.g. {"optimiser": {"weightDecay": 0.1}}).
 * --card-only re-evaluates the model already in the output directory and rewrites MODEL_CARD.md
 * and loss-curve.svg from its training-log.json (left unchanged), without training.
 * --workers N computes each step's gradient on N threads (data-parallel, training/gradientPool.ts):
 * faster on N free cores, equal to the one-thread run up to float rounding, not bit for bit. The
 * one-thread run itself gives the shipped weights up to float rounding since the wasm kernels'
 * summation order changed (engine/wasmMatMul.ts; docs/performance.md section 12).
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultTokenizerJson, defaultVocabulary, generate, optInTemplateIds, TASK_NAMES } from '../src/main/datasets';
import { initBackend } from '../src/main/engine/backend';
import { HookedGPT2 } from '../src/main/engine/model';
import type { ModelConfig } from '../src/main/engine/config';
import { loadModelDir, writeModelDir } from '../src/main/loader/modelDir';
import type { Tokenizer } from '../src/main/tokenizer/types';
import { evaluate } from '../src/main/services/evaluate';
import { defaultModelDir } from '../src/main/services/modelSession';
import { tokenizerFromJson } from '../src/main/tokenizer';
import { BUNDLED_RECIPES, DEFAULT_EVAL, EVAL_CORRUPTIONS } from '../src/main/training/defaultRecipe';
import { lossCurveSvg } from '../src/main/training/lossCurve';
import { RUNS_TRIED } from '../src/main/training/runsTried';
import { modelCard, type CorruptionResult, type OptInResult } from '../src/main/training/modelCard';
import { train, type TrainingLog } from '../src/main/training/train';
import { mergeRecipe, type TrainingRecipe } from '../src/main/training/recipe';

const { values } = parseArgs({
  options: { bundled: { type: 'string', default: 'default-model' }, out: { type: 'string' }, steps: { type: 'string' }, recipe: { type: 'string' }, 'card-only': { type: 'boolean' }, workers: { type: 'string', default: '1' } },
});
const bundled = values.bundled!;
const baseRecipe = BUNDLED_RECIPES[bundled];
if (!baseRecipe) throw new Error(`--bundled ${bundled}: not a bundled model (known: ${Object.keys(BUNDLED_RECIPES).join(', ')})`);
const out = path.resolve(values.out ?? path.join(path.dirname(defaultModelDir()), bundled));
const recipe: TrainingRecipe = values.recipe
  ? mergeRecipe(baseRecipe, JSON.parse(await readFile(values.recipe, 'utf8')) as Record<string, unknown>)
  : structuredClone(baseRecipe);
if (values.steps !== undefined) recipe.optimiser.steps = Number(values.steps);

/** Every task under every corruption on the held-out protocol of the model card. */
async function evaluateAll(model: HookedGPT2, tokenizer: Tokenizer, config: ModelConfig): Promise<CorruptionResult[]> {
  const results: CorruptionResult[] = [];
  for (const task of TASK_NAMES) {
    for (const corruption of EVAL_CORRUPTIONS[task]) {
      const items = generate(task, { ...DEFAULT_EVAL, corruption });
      const s = (await evaluate({ model, tokenizer, config }, items)).tasks[task];
      results.push({ task, corruption, stats: s });
      console.log(`${task} (${corruption}): top-1 ${(100 * s.accuracy).toFixed(1)}%  logit diff ${s.meanLogitDiff.toFixed(3)}  corrupted ${s.meanCorruptedLogitDiff.toFixed(3)}`);
    }
  }
  return results;
}

/** Each task's opt-in templates (if any) under its default corruption, on the same protocol. */
async function evaluateOptIn(model: HookedGPT2, tokenizer: Tokenizer, config: ModelConfig): Promise<OptInResult[]> {
  const results: OptInResult[] = [];
  for (const task of TASK_NAMES) {
    const templates = optInTemplateIds(task);
    if (templates.length === 0) continue;
    const corruption = EVAL_CORRUPTIONS[task][0];
    const items = generate(task, { ...DEFAULT_EVAL, corruption, templates });
    const stats = (await evaluate({ model, tokenizer, config }, items)).tasks[task];
    results.push({ task, corruption, templates, stats });
    console.log(`${task} opt-in templates (${corruption}): top-1 ${(100 * stats.accuracy).toFixed(1)}%  logit diff ${stats.meanLogitDiff.toFixed(3)}`);
  }
  return results;
}

async function writeCard(log: TrainingLog, results: CorruptionResult[], optInResults: OptInResult[]): Promise<void> {
  await writeFile(path.join(out, 'loss-curve.svg'), lossCurveSvg(log.losses, { title: `training loss (${log.recipe.optimiser.steps} steps, seed ${log.recipe.seed})` }));
  const weightsBytes = (await stat(path.join(out, 'model.safetensors'))).size;
  await writeFile(
    path.join(out, 'MODEL_CARD.md'),
    modelCard({ log, vocabulary: defaultVocabulary(), results, optInResults, evalProtocol: DEFAULT_EVAL, weightsBytes, trainCommand: `npm run train:${bundled}`, runsTried: RUNS_TRIED, modelName: bundled }),
  );
}

const backend = await initBackend();
const tokenizerJson = defaultTokenizerJson();
const tokenizer = tokenizerFromJson(tokenizerJson);

if (values['card-only']) {
  const loaded = await loadModelDir(out);
  const log = JSON.parse(await readFile(path.join(out, 'training-log.json'), 'utf8')) as TrainingLog;
  // The log itself is left as training wrote it; older logs keep per-item results in their
  // checkpoint evaluations, which the card does not read.
  const model = HookedGPT2.fromParams(loaded.config, loaded.params);
  const results = await evaluateAll(model, loaded.tokenizer, loaded.config);
  const optIn = await evaluateOptIn(model, loaded.tokenizer, loaded.config);
  model.dispose();
  await writeCard(log, results, optIn);
  console.log(`rewrote the card of ${out}`);
} else {
  await trainAndWrite();
}

async function trainAndWrite(): Promise<void> {
  console.log(`training on ${backend.name}: ${JSON.stringify(recipe.architecture)}, ${recipe.optimiser.steps} steps, seed ${recipe.seed} -> ${out}`);

  // A small held-out sample (its own seed) to watch progress; the card's numbers come from DEFAULT_EVAL.
  // The templates the recipe trains on, when it names some (else the task's default ones).
  const watchItems = TASK_NAMES.flatMap((task) => {
    const templates = recipe.data.templates?.[task];
    return generate(task, { n: 50, seed: 7, split: 'heldout', ...(templates ? { templates: [...templates] } : {}) });
  });
  const controller = new AbortController();
  process.on('SIGINT', () => controller.abort());
  let windowLoss = 0;
  const result = await train(recipe, {
    tokenizer,
    signal: controller.signal,
    workers: Number(values.workers),
    evalEvery: 250,
    evalItems: watchItems,
    onProgress: (p) => {
      windowLoss += p.loss;
      if (p.step % 50 === 0 || p.step === p.steps) {
        const eta = ((p.steps - p.step) * p.elapsedMs) / p.step / 60000;
        console.log(`step ${p.step}/${p.steps}  loss ${(windowLoss / (p.step % 50 || 50)).toFixed(4)}  lr ${p.lr.toExponential(2)}  |g| ${p.gradNorm.toFixed(2)}  ${(p.elapsedMs / 1000).toFixed(0)} s, ~${eta.toFixed(1)} min left`);
        windowLoss = 0;
      }
    },
    onEval: ({ step, tasks }) =>
      console.log(`  eval @${step}: ${Object.entries(tasks).map(([t, s]) => `${t} top-1 ${(100 * s.accuracy).toFixed(0)}% ld ${s.meanLogitDiff.toFixed(2)}`).join(' | ')}`),
  });

  const model = HookedGPT2.fromParams(result.config, result.params);
  const results = await evaluateAll(model, tokenizer, result.config);
  const optIn = await evaluateOptIn(model, tokenizer, result.config);
  model.dispose();

  await writeModelDir(out, { config: result.config, params: result.params, tokenizerJson });
  await writeFile(path.join(out, 'training-log.json'), JSON.stringify(result.log) + '\n');
  await writeCard(result.log, results, optIn);
  console.log(`wrote ${out} in ${(result.log.timings.wallMs / 60000).toFixed(1)} min of training`);
}
