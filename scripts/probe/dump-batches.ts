/**
 * PyTorch probe, part 1 (not part of install or tests): dump the trainer's exact batches, initial
 * weights and held-out evaluation prompts for a recipe, so scripts/probe/replay.py can replay the
 * same training in PyTorch (Debian python3-torch), far faster, to try recipes (model card, "Runs tried").
 *   npx tsx scripts/probe/dump-batches.ts RECIPE.json OUT_DIR [STEPS]
 *   cd OUT_DIR && python3 ../scripts/probe/replay.py . ours sched=cos
 * 'optin' in the dump is the comparison task's opt-in templates at the time of the runs (the
 * antonym-dependent ones); since they became the default, pass them explicitly if needed.
 */
import { writeFileSync } from 'node:fs';
import { defaultTokenizerJson, generate, optInTemplateIds } from '../../src/main/datasets';
import { tokenizerFromJson } from '../../src/main/tokenizer';
import { DEFAULT_RECIPE, DEFAULT_EVAL } from '../../src/main/training/defaultRecipe';
import { mergeRecipe } from '../../src/main/training/recipe';
import { BatchStream } from '../../src/main/training/corpus';
import { configFor, initialParams } from '../../src/main/training/train';
import { readFileSync } from 'node:fs';
const [recipeFile, outDir, stepsArg] = process.argv.slice(2);
const recipe = mergeRecipe(DEFAULT_RECIPE, JSON.parse(readFileSync(recipeFile, 'utf8')));
const tok = tokenizerFromJson(defaultTokenizerJson());
const config = configFor(recipe, tok.vocabSize);
const steps = Number(stepsArg ?? recipe.optimiser.steps);
const stream = new BatchStream(tok, recipe.data, config.nCtx, recipe.optimiser.batchSize, recipe.seed);
const batches = [];
for (let s = 0; s < steps; s++) { const b = stream.next(); batches.push({ i: b.inputs, t: Array.from(b.targets), w: Array.from(b.weights) }); }
writeFileSync(`${outDir}/batches.json`, JSON.stringify(batches));
const params = initialParams(config, recipe);
const p: Record<string, { shape: number[]; data: number[] }> = {};
for (const [k, v] of params) p[k] = { shape: v.shape, data: Array.from(v.data) };
writeFileSync(`${outDir}/init.json`, JSON.stringify({ config, params: p }));
const evals: Record<string, unknown[]> = {};
const antonymTemplates = ['comparison/the-one/antonym', 'comparison/the-one/same', 'comparison/compared-to/antonym', 'comparison/compared-to/same'];
for (const [name, templates] of [['optin', antonymTemplates], ['subject', optInTemplateIds('comparison')]] as const) {
  const items = generate('comparison', { ...DEFAULT_EVAL, corruption: 'flip', ...(templates ? { templates: [...templates] } : {}) });
  evals[name] = items.map((it) => ({ ids: [tok.bosId, ...tok.encode(it.clean)], c: tok.encode(it.correct)[0], x: tok.encode(it.incorrect)[0], text: it.clean + '|' + it.correct }));
}
for (const task of ['ioi', 'latest'] as const) {
  const items = generate(task, { ...DEFAULT_EVAL });
  evals[task] = items.map((it) => ({ ids: [tok.bosId, ...tok.encode(it.clean)], c: tok.encode(it.correct)[0], x: tok.encode(it.incorrect)[0], text: it.clean + '|' + it.correct }));
}
const trainItems = generate('comparison', { n: 200, seed: 99, split: 'train', corruption: 'flip', templates: antonymTemplates });
evals.train = trainItems.map((it) => ({ ids: [tok.bosId, ...tok.encode(it.clean)], c: tok.encode(it.correct)[0], x: tok.encode(it.incorrect)[0], text: it.clean + '|' + it.correct }));
writeFileSync(`${outDir}/evals.json`, JSON.stringify(evals));
console.log('vocab', tok.vocabSize, 'batches', batches.length, 'example', JSON.stringify(evals.optin[0]), JSON.stringify(batches[0].i[0]));
