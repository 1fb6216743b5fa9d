import { beforeAll, describe, expect, it } from 'vitest';
import { defaultTokenizerJson, generate, TASK_NAMES, templateIds } from '../../src/main/datasets';
import { ANTONYM_PAIRS } from '../../src/main/datasets/words';
import { initBackend } from '../../src/main/engine/backend';
import { parseHfConfig } from '../../src/main/engine/config';
import { mulberry32, randomParams } from '../../src/main/engine/params';
import { tf } from '../../src/main/engine/tf';
import { tokenizerFromJson } from '../../src/main/tokenizer';
import { AdamW } from '../../src/main/training/adam';
import { assembleBatch, BatchStream, deriveSeed, drawPool, taskRow } from '../../src/main/training/corpus';
import { weightedCrossEntropy } from '../../src/main/training/loss';
import { lossCurveSvg, lossWindows } from '../../src/main/training/lossCurve';
import { mergeRecipe, type DataMix } from '../../src/main/training/recipe';
import { DEFAULT_RECIPE } from '../../src/main/training/defaultRecipe';
import { learningRateAt } from '../../src/main/training/schedule';
import { exportParams, makeTrainable } from '../../src/main/training/trainableWeights';

const tokenizer = tokenizerFromJson(defaultTokenizerJson());
const tokenizerJsonVocab = () => defaultTokenizerJson().model.vocab as Record<string, number>;
const mix: DataMix = { tasks: { ioi: 1, comparison: 1, latest: 1 }, filler: 0.5, fillerSentencesPerRow: 3, contrastPairs: 0.5, answerWeight: 6, bucketBatches: 4, fixedPremiseSteps: 0 };

beforeAll(async () => {
  await initBackend();
});

describe('weightedCrossEntropy', () => {
  it('equals sum(w * -log softmax[target]) / sum(w) computed in float64', () => {
    const [B, T, V] = [2, 3, 5];
    const rand = mulberry32(1);
    const logits = Array.from({ length: B * T * V }, () => 4 * rand() - 2);
    const targets = Int32Array.from({ length: B * T }, () => Math.floor(rand() * V));
    const weights = Float32Array.from([1, 1, 0, 5, 1, 0]);
    let num = 0;
    let den = 0;
    for (let r = 0; r < B * T; r++) {
      const row = logits.slice(r * V, (r + 1) * V);
      const lse = Math.log(row.reduce((s, x) => s + Math.exp(x), 0));
      num += weights[r] * (lse - row[targets[r]]);
      den += weights[r];
    }
    const loss = tf.tidy(() => weightedCrossEntropy(tf.tensor3d(logits, [B, T, V]), targets, weights).dataSync()[0]);
    expect(loss).toBeCloseTo(num / den, 5);
    expect(() => weightedCrossEntropy(tf.zeros([1, 2, 3]), new Int32Array(2), new Float32Array(2))).toThrow('the batch has no weighted target');
  });
});

describe('AdamW', () => {
  it('follows the Adam update with bias correction, decoupled decay and norm clipping', async () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const q = tf.variable(tf.tensor1d([0.5]));
    const spec = { beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1, clipNorm: 1 };
    const adam = new AdamW([p, q], new Set([p]), spec);
    // Reference in float64: grads [3, 4] and [0] have norm 5, clipped to 1.
    const ref = { p: [1, -2], q: [0.5], m: [0, 0, 0], v: [0, 0, 0] };
    const grads = [[3, 4, 0], [1, -1, 2]];
    const lrs = [0.1, 0.05];
    for (let t = 0; t < 2; t++) {
      const g = grads[t];
      const norm = Math.hypot(...g);
      const s = norm > 1 ? 1 / norm : 1;
      const x = [...ref.p, ...ref.q];
      for (let i = 0; i < 3; i++) {
        ref.m[i] = 0.9 * ref.m[i] + 0.1 * g[i] * s;
        ref.v[i] = 0.99 * ref.v[i] + 0.01 * (g[i] * s) ** 2;
        const mh = ref.m[i] / (1 - 0.9 ** (t + 1));
        const vh = ref.v[i] / (1 - 0.99 ** (t + 1));
        const decay = i < 2 ? 0.1 * x[i] : 0;
        x[i] -= lrs[t] * (mh / (Math.sqrt(vh) + 1e-8) + decay);
      }
      ref.p = x.slice(0, 2);
      ref.q = x.slice(2);
      const { gradNorm } = await adam.step([tf.tensor1d(g.slice(0, 2)), tf.tensor1d(g.slice(2))], lrs[t]);
      expect(gradNorm).toBeCloseTo(norm, 5);
    }
    Array.from(p.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(ref.p[i], 5));
    expect(q.dataSync()[0]).toBeCloseTo(ref.q[0], 5);
    adam.dispose();
    tf.dispose([p, q]);
  });

  it('refuses a non-finite gradient', async () => {
    const p = tf.variable(tf.tensor1d([1]));
    const adam = new AdamW([p], new Set(), { beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0, clipNorm: 1 });
    await expect(adam.step([tf.tensor1d([NaN])], 0.1)).rejects.toThrow('training diverged: the gradient norm is NaN');
    adam.dispose();
    p.dispose();
  });
});

describe('learningRateAt', () => {
  it('warms up linearly, peaks, and decays by a cosine to the floor', () => {
    const o = { steps: 101, learningRate: 1e-3, warmupSteps: 10, finalLrFraction: 0.1 };
    expect(learningRateAt(0, o)).toBeCloseTo(1e-4, 12);
    expect(learningRateAt(9, o)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(10, o)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(55, o)).toBeCloseTo(1e-4 + 0.9e-3 * 0.5 * (1 + Math.cos(Math.PI * 0.5)), 12);
    expect(learningRateAt(100, o)).toBeCloseTo(1e-4, 12);
  });
});

describe('training corpus', () => {
  it('makes task rows of BOS, prompt, answer and "." with the answer target at the last prompt token', () => {
    const item = generate('ioi', { n: 1, seed: 1, split: 'train' })[0];
    const row = taskRow(tokenizer, 0, item.clean, item.correct, 'ioi', 32);
    const prompt = tokenizer.encode(item.clean);
    expect(row.ids).toEqual([0, ...prompt, tokenizer.encode(item.correct)[0], tokenizer.encode('.')[0]]);
    expect(row.ids[row.answerAt + 1]).toBe(tokenizer.encode(item.correct)[0]);
    expect(() => taskRow(tokenizer, 0, item.clean, ' Mary Sue', 'ioi', 32)).toThrow('answer " Mary Sue" is 2 tokens, expected 1');
  });

  it('draws only train-split task items, every task and filler, within the context, deterministically', () => {
    const rows = drawPool(tokenizer, mix, 32, 5, 0, 400);
    expect(rows).toHaveLength(400);
    expect(drawPool(tokenizer, mix, 32, 5, 0, 400)).toEqual(rows);
    expect(drawPool(tokenizer, mix, 32, 5, 1, 400)).not.toEqual(rows);
    const kinds = new Set(rows.map((r) => r.kind));
    expect([...kinds].sort()).toEqual([...TASK_NAMES, 'filler'].sort());
    for (const r of rows) {
      expect(r.ids[0]).toBe(tokenizer.bosId);
      expect(r.ids.length).toBeLessThanOrEqual(33);
      expect(r.ids).not.toContain(tokenizer.unkId);
    }
    // The task rows are exactly the sentences of TRAIN items: every held-out prompt is absent.
    const heldout = new Set(TASK_NAMES.flatMap((t) => generate(t, { n: 300, seed: 1, split: 'heldout' })).map((i) => tokenizer.encode(i.clean).join(',')));
    for (const r of rows.filter((x) => x.kind !== 'filler')) expect(heldout.has(r.ids.slice(1, r.answerAt + 1).join(','))).toBe(false);
  });

  it('adds contrast partners: the swap-corrupted prompt with its own true answer (the clean incorrect one)', () => {
    const ioiOnly: DataMix = { ...mix, tasks: { ioi: 1, comparison: 0, latest: 0 }, filler: 0, contrastPairs: 1 };
    const rows = drawPool(tokenizer, ioiOnly, 32, 9, 0, 40);
    expect(rows).toHaveLength(40);
    // The IOI rows of pool 0 come from this generate call (see drawPool's seeds).
    const items = generate('ioi', { n: 40, seed: deriveSeed(9, 0, 2, 0, 0), split: 'train', corruption: 'swap' });
    const clean = new Set(items.map((i) => taskRow(tokenizer, 0, i.clean, i.correct, 'ioi', 32).ids.join(',')));
    const contrast = new Set(items.map((i) => taskRow(tokenizer, 0, i.corrupted, i.incorrect, 'ioi', 32).ids.join(',')));
    const keys = rows.map((r) => r.ids.join(','));
    expect(keys.every((k) => clean.has(k) || contrast.has(k))).toBe(true);
    expect(keys.filter((k) => contrast.has(k)).length).toBeGreaterThan(5);
    expect(keys.filter((k) => clean.has(k)).length).toBeGreaterThan(5);
  });

  it('pads batches with zero weight and weights the answer position', () => {
    const rows = [
      { ids: [0, 5, 6, 7], answerAt: 2, kind: 'ioi' as const },
      { ids: [0, 8], answerAt: -1, kind: 'filler' as const },
    ];
    const b = assembleBatch(rows, 0, 6);
    expect(b.inputs).toEqual([[0, 5, 6], [0, 0, 0]]);
    expect(Array.from(b.targets)).toEqual([5, 6, 7, 8, 0, 0]);
    expect(Array.from(b.weights)).toEqual([1, 1, 6, 1, 0, 0]);
    expect(b.kinds).toEqual({ ioi: 1, filler: 1 });
  });

  it('streams the same batches for the same seed, each padded only to its own longest row', () => {
    const a = new BatchStream(tokenizer, mix, 32, 16, 3);
    const b = new BatchStream(tokenizer, mix, 32, 16, 3);
    const lengths: number[] = [];
    for (let i = 0; i < 9; i++) {
      const x = a.next();
      expect(b.next()).toEqual(x);
      lengths.push(x.inputs[0].length);
      expect(x.inputs).toHaveLength(16);
    }
    // Bucketing by length: batches differ in padded length.
    expect(new Set(lengths).size).toBeGreaterThan(1);
  });
});

describe('curriculum', () => {
  it('comparison premises use the first comparative of their pair for the first fixedPremiseSteps steps only', () => {
    const vocab = new Map(Object.entries(tokenizerJsonVocab()));
    const firstIds = new Set(ANTONYM_PAIRS.map((p) => vocab.get(p.comparative[0])));
    const secondIds = new Set(ANTONYM_PAIRS.map((p) => vocab.get(p.comparative[1])));
    const comparisonOnly: DataMix = { ...mix, tasks: { ioi: 0, comparison: 1, latest: 0 }, filler: 0, contrastPairs: 0, fixedPremiseSteps: 8 };
    const stream = new BatchStream(tokenizer, comparisonOnly, 32, 16, 5);
    // The premise's comparative is the first comparative token of each row.
    const premiseIds = (rows: number[][]) => rows.map((r) => r.find((id) => firstIds.has(id) || secondIds.has(id))!);
    const early = Array.from({ length: 8 }, () => premiseIds(stream.next().inputs)).flat();
    const late = Array.from({ length: 8 }, () => premiseIds(stream.next().inputs)).flat();
    expect(early.every((id) => firstIds.has(id))).toBe(true);
    expect(late.filter((id) => secondIds.has(id)).length).toBeGreaterThan(late.length / 4);
  });
});

describe('curriculum, third phase', () => {
  it('the recipe\'s templates restrict the corpus before restrictTemplatesUntil only; from it on every template is drawn', () => {
    const vocab = tokenizerJsonVocab();
    // "one" occurs only in the-one / compared-to rows; the subject form has none ("so Bob is shorter than").
    const one = vocab['one'];
    const than = vocab['than'];
    const comparisonOnly: DataMix = {
      ...mix,
      tasks: { ioi: 0, comparison: 1, latest: 0 },
      filler: 0,
      contrastPairs: 0,
      templates: { comparison: ['comparison/the-one/antonym', 'comparison/the-one/same'] },
      restrictTemplatesUntil: 8,
    };
    const stream = new BatchStream(tokenizer, comparisonOnly, 32, 16, 6);
    const subjectRows = (rows: number[][]) => rows.filter((r) => !r.includes(one) && r.filter((id) => id === than).length === 2).length;
    const early = Array.from({ length: 8 }, () => stream.next().inputs).flat();
    const late = Array.from({ length: 8 }, () => stream.next().inputs).flat();
    expect(early.every((r) => r.includes(one))).toBe(true);
    expect(subjectRows(early)).toBe(0);
    // every template is drawn alike from then on: the subject form's share is 2 of all the task's templates; half of it is the bar
    const subjectShare = templateIds('comparison').filter((id) => id.startsWith('comparison/subject/')).length / templateIds('comparison').length;
    expect(subjectRows(late)).toBeGreaterThan((late.length * subjectShare) / 2);
  });

  it('mergeRecipe accepts restrictTemplatesUntil as an addition and still refuses unknown fields', () => {
    const merged = mergeRecipe(DEFAULT_RECIPE, { data: { restrictTemplatesUntil: 2000 } });
    expect(merged.data.restrictTemplatesUntil).toBe(2000);
    expect(() => mergeRecipe(DEFAULT_RECIPE, { data: { restrictTemplatesUntl: 2000 } })).toThrow('recipe override: unknown field "data.restrictTemplatesUntl"');
  });
});

describe('trainable weights', () => {
  it('export back to exactly the parameters they were made from (q/k/v fused into c_attn again)', async () => {
    const config = parseHfConfig({ n_layer: 2, n_head: 2, n_embd: 8, n_positions: 8, vocab_size: 11 });
    const params = randomParams(config, 4, 0.5);
    const before = tf.memory().numTensors;
    const t = makeTrainable(config, params);
    expect(t.variables.every((v) => v instanceof tf.Variable && v.trainable)).toBe(true);
    expect(t.weights.unembed).toBe(t.weights.wte); // tied
    const out = await exportParams(config, t.weights);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect([...out.keys()].sort()).toEqual([...params.keys()].sort());
    for (const [name, p] of params) {
      expect(out.get(name)!.shape, name).toEqual(p.shape);
      expect(out.get(name)!.data, name).toEqual(p.data);
    }
  });
});

describe('loss curve', () => {
  it('averages windows and draws both curves', () => {
    const losses = Array.from({ length: 95 }, (_, i) => 5 / (1 + i));
    const rows = lossWindows(losses, 10);
    expect(rows).toHaveLength(10);
    expect(rows[0][0]).toBe(1);
    expect(rows.at(-1)![1]).toBe(95);
    const [from, to, m] = rows[3];
    expect(m).toBeCloseTo(losses.slice(from - 1, to).reduce((s, x) => s + x, 0) / (to - from + 1), 12);
    const svg = lossCurveSvg(losses, { title: 't' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});
