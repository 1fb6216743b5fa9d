/**
 * The "Must show" on the bundled default model (skipped until resources/default-model
 * exists): 20 ROME edits that change which name an IOI prompt resolves to. The edited subject is
 * the repeated name's second mention (S2 in "When Mary and John went to the store, John gave a
 * drink to"), the layer the causal trace picks at it, the new target the repeated name itself
 * (" John" instead of " Mary"). Each edit's efficacy and the share of neighbourhood prompts (IOI
 * prompts without either name, comparison and latest-subject prompts) whose top-1 is unchanged
 * are printed as a table; thresholds: efficacy >= 90% of edits, neighbourhood unchanged >= 90%.
 *
 * Rewriting prompts: the edited prompt alone (no context prefixes). The corpus's filler
 * sentences all name people, and as prefixes they add distractor names to an in-context task:
 * with 4 of them the value optimisation does not reach the target (16 of 20 edits).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/main/datasets';
import { openModel, defaultModelDir, type ModelSession } from '../../src/main/services/modelSession';
import { tf } from '../../src/main/engine/tf';
import { causalTrace, peakLayerAtSubject } from '../../src/main/editing/causalTrace';
import { EditedModel } from '../../src/main/editing/editedModel';
import { romeMetrics } from '../../src/main/editing/compare';
import { defaultKeyCorpus } from '../../src/main/editing/rome/corpus';
import { keySecondMoment } from '../../src/main/editing/rome/keys';
import { markSubject, romeTokenRequest } from '../../src/main/editing/rome/request';
import { romeEdit } from '../../src/main/editing/rome/rome';

const MODEL_DIR = defaultModelDir(path.resolve(import.meta.dirname, '../..'));
const present = existsSync(path.join(MODEL_DIR, 'config.json'));
/** Value optimisation: more and larger Adam steps and a lighter norm penalty than ROME's GPT-2 XL defaults. */
const VALUE_OPTIONS = { steps: 60, lr: 1, weightDecay: 0.1 };
let session: ModelSession;

beforeAll(async () => {
  if (present) session = await openModel(MODEL_DIR);
});
afterAll(() => session?.model.dispose());

interface EditTable {
  layer: number;
  efficacy: number;
  specificity: number;
  leakedTensors: number;
}

/** Make the 20 edits once, print the per-edit table, and return the two rates. */
async function runTwentyEdits(): Promise<EditTable> {
  const items = generate('ioi', { n: 400, seed: 11, split: 'heldout' });
  const others = [...generate('comparison', { n: 5, seed: 11, split: 'heldout' }), ...generate('latest', { n: 5, seed: 11, split: 'heldout' })].map((i) => i.clean);
  // One edit per repeated name until 20.
  const edits = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.meta!.s)) continue;
    seen.add(item.meta!.s);
    edits.push(item);
    if (edits.length === 20) break;
  }
  expect(edits.length).toBe(20);
  const first = markSubject(session.tokenizer, session.config, edits[0].clean, edits[0].meta!.s, 'last');
  const trace = await causalTrace(session.model, first.ids, [first.subjectPos], { kind: 'mlp', samples: 6 });
  const layer = peakLayerAtSubject(trace);
  const moment = await keySecondMoment(session.model, defaultKeyCorpus(session.tokenizer, session.config).rows, layer);
  const rows: { prompt: string; target: string; before: number; after: number; efficacy: boolean; unchanged: number; n: number }[] = [];
  const start = tf.memory().numTensors;
  for (const item of edits) {
    const { io, s } = item.meta!;
    const mentions = (text: string) => new RegExp(`\\b(${io}|${s})\\b`).test(text);
    const neighbourhood = [...items.filter((o) => !mentions(o.clean)).slice(0, 10).map((o) => o.clean), ...others.filter((o) => !mentions(o))];
    const req = romeTokenRequest(session.tokenizer, session.config, { prompt: item.clean, subject: s, target: item.incorrect, layer, contexts: [], occurrence: 'last' });
    const { edit } = await romeEdit(session.model, `${s} resolves to ${s}`, {}, req, moment, VALUE_OPTIONS);
    const edited = EditedModel.apply(session.model, [edit]);
    const m = await romeMetrics(session, { ...session, model: edited.model }, { prompt: item.clean, target: item.incorrect, neighbourhood });
    edited.dispose();
    rows.push({ prompt: item.clean, target: item.incorrect.trim(), before: m.targetProbBefore, after: m.targetProbAfter, efficacy: m.efficacy, unchanged: Math.round(m.specificity * neighbourhood.length), n: neighbourhood.length });
  }
  const leakedTensors = tf.memory().numTensors - start;
  const table = [
    '| # | Edited prompt | New target | p(target) before -> after | Efficacy | Neighbourhood unchanged |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r, i) => `| ${i + 1} | ${r.prompt} | ${r.target} | ${r.before.toFixed(3)} -> ${r.after.toFixed(3)} | ${r.efficacy ? 'yes' : 'no'} | ${r.unchanged}/${r.n} |`),
  ];
  console.log(`ROME on the default model, MLP layer ${layer} (causal trace peak at S2)\n${table.join('\n')}`);
  const efficacy = rows.filter((r) => r.efficacy).length / rows.length;
  const specificity = rows.reduce((acc, r) => acc + r.unchanged, 0) / rows.reduce((acc, r) => acc + r.n, 0);
  console.log(`efficacy ${(100 * efficacy).toFixed(1)}%, neighbourhood unchanged ${(100 * specificity).toFixed(1)}%`);
  return { layer, efficacy, specificity, leakedTensors };
}

describe.skipIf(!present)('ROME on the default model', () => {
  let table: EditTable;
  beforeAll(async () => {
    table = await runTwentyEdits();
  }, 180_000);

  it('leaves neighbourhood prompts unchanged (>= 90% of top-1) and leaks no tensor', () => {
    expect(table.leakedTensors).toBe(0);
    expect(table.specificity).toBeGreaterThanOrEqual(0.9);
  });

  it('reaches the new target in >= 90% of edits (efficacy)', () => {
    expect(table.efficacy).toBeGreaterThanOrEqual(0.9);
  });
});
