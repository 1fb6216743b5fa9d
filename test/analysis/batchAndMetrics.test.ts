import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { parseHfConfig } from '../../src/main/engine/config';
import { defaultVocabulary, generate } from '../../src/main/datasets';
import { chunkGroup, encodeTaskItems } from '../../src/main/analysis/promptBatch';
import { klToCleanMetric, logitDiffMetric, logitDiffPerPrompt, normalisedMetric, perCopy } from '../../src/main/analysis/metrics';
import { namedPositions } from '../../src/main/analysis/attention';
import { defaultTokenizer } from '../datasets/defaultTokenizer';
import { startBackend } from '../helpers/engine';

beforeAll(startBackend);

const config = parseHfConfig({ n_layer: 1, n_head: 1, n_embd: 4, n_positions: 64, vocab_size: defaultVocabulary().length, prepend_bos: true });

describe('prompt batches', () => {
  it('encodes items with BOS, groups them by length, keeps dataset rows and answer ids', () => {
    const tok = defaultTokenizer();
    const items = generate('ioi', { n: 20, seed: 3 });
    const batch = encodeTaskItems(items, tok, config);
    expect(batch.size).toBe(20);
    expect(batch.groups.flatMap((g) => g.rows).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    for (const g of batch.groups) {
      g.rows.forEach((row, i) => {
        expect(g.clean[i]).toEqual([tok.bosId, ...tok.encode(items[row].clean)]);
        expect(g.corrupted[i]).toHaveLength(g.length);
        expect(g.correct[i]).toBe(tok.encode(items[row].correct)[0]);
        expect(g.incorrect[i]).toBe(tok.encode(items[row].incorrect)[0]);
        // IOI named positions by token matching: IO and S1 in the opening clause, S2 later, END last
        const pos = namedPositions(items[row], g.clean[i], tok);
        expect(g.clean[i][pos.IO]).toBe(g.correct[i]);
        expect(g.clean[i][pos.S1]).toBe(g.incorrect[i]);
        expect(pos.S2).toBeGreaterThan(pos.S1);
        expect(pos.END).toBe(g.length - 1);
      });
    }
    const parts = chunkGroup(batch.groups[0], 2);
    expect(parts.flatMap((p) => p.rows)).toEqual(batch.groups[0].rows);
    expect(parts.every((p) => p.rows.length <= 2 && p.clean.length === p.rows.length)).toBe(true);
  });

  it('names the row, template and field of a bad item', () => {
    const tok = defaultTokenizer();
    const items = generate('latest', { n: 3, seed: 1 });
    const longer = [...items];
    longer[2] = { ...items[2], corrupted: `${items[2].corrupted} the` };
    expect(() => encodeTaskItems(longer, tok, config)).toThrow(new RegExp(`row 2 \\(template "${items[2].template}"\\): the clean prompt is \\d+ tokens and the corrupted prompt \\d+`));
    const unknown = [...items];
    unknown[1] = { ...items[1], correct: ' Zyzzyva' };
    expect(() => encodeTaskItems(unknown, tok, config)).toThrow(/row 1 \(template .*\), field "correct": answer " Zyzzyva" is not in the model's vocabulary/);
  });
});

describe('metrics', () => {
  const logits = tf.tensor2d([[1, 2, 3, 4], [0.5, -1, 2, 0]]);
  const correct = [3, 0];
  const incorrect = [1, 2];

  it('logit difference per prompt and mean; its gradient is the answer signs over B', async () => {
    expect(Array.from(await logitDiffPerPrompt(logits, correct, incorrect).data())).toEqual([2, -1.5]);
    const metric = logitDiffMetric(correct, incorrect);
    expect((await metric(logits).data())[0]).toBeCloseTo(0.25, 6);
    const grad = tf.grad((x: tf.Tensor) => metric(x))(logits);
    expect(await grad.array()).toEqual([[0, -0.5, 0, 0.5], [0.5, 0, -0.5, 0]]);
    // four stacked copies give four values
    const copies = tf.concat([logits, logits.mul(2), logits, logits.mul(0)]);
    expect(Array.from(await perCopy(metric, copies, 4).data())).toEqual([0.25, 0.5, 0.25, 0]);
  });

  it('KL to the clean run is 0 on it and matches the formula elsewhere', async () => {
    const kl = klToCleanMetric(logits);
    expect((await kl(logits).data())[0]).toBeCloseTo(0, 6);
    const other = tf.tensor2d([[0, 0, 0, 0], [1, 1, 1, 1]]);
    const rows = (await logits.array()) as number[][];
    const expected = rows.reduce((s, r) => {
      const z = Math.log(r.reduce((a, v) => a + Math.exp(v), 0));
      return s + r.reduce((a, v) => a + Math.exp(v - z) * (v - z - Math.log(0.25)), 0);
    }, 0) / 2;
    expect((await kl(other).data())[0]).toBeCloseTo(expected, 5);
  });

  it('normalised metric: 0 at the corrupted run, 1 at the clean run, NaN when they agree', () => {
    expect(normalisedMetric(3, 3, -1)).toBe(1);
    expect(normalisedMetric(-1, 3, -1)).toBe(0);
    expect(normalisedMetric(1, 3, -1)).toBe(0.5);
    expect(normalisedMetric(1, 2, 2)).toBeNaN();
  });
});
