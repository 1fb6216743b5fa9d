import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { activationPatching } from '../../src/main/analysis/patching';
import { attentionPatterns } from '../../src/main/analysis/attention';
import { directLogitAttribution } from '../../src/main/analysis/dla';
import { batchFromTokens } from '../../src/main/analysis/promptBatch';
import { startBackend } from '../helpers/engine';
import { ANTI_HEAD, COPY_HEAD, GAIN, H, SOURCE_POS, copyTask, dot, handBuiltModel, type HandBuilt } from './handBuilt';

let hb: HandBuilt;
beforeAll(async () => {
  await startBackend();
  hb = handBuiltModel();
});
afterAll(() => hb.model.dispose());

describe('hand-built copy model', () => {
  const pairs = copyTask(12);
  const batch = batchFromTokens(pairs);

  it('patching head outputs finds exactly the copy head (both directions)', async () => {
    const before = tf.memory().numTensors;
    for (const direction of ['denoise', 'noise'] as const) {
      const r = await activationPatching(hb.model, batch, { target: 'heads', direction });
      expect(r.shape).toEqual([1, H]);
      // denoising the copy head restores the clean run; noising it destroys it
      expect(r.values[COPY_HEAD]).toBeCloseTo(direction === 'denoise' ? 1 : 0, 1);
      for (let h = 0; h < H; h++) {
        if (h !== COPY_HEAD) expect(Math.abs(r.values[h] - (direction === 'denoise' ? 0 : 1)), `head ${h}`).toBeLessThan(0.1);
      }
      expect(r.values[ANTI_HEAD]).toBeCloseTo(direction === 'denoise' ? 0 : 1, 5); // reads BOS only: patching it changes nothing
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the copy head attends from the last position to the source position; the anti head to BOS', async () => {
    const ids = pairs[0].clean;
    const r = await attentionPatterns(hb.model, ids, ids.map(String));
    const T = ids.length;
    const at = (h: number, q: number, k: number) => r.values[((0 * H + h) * T + q) * T + k];
    for (let q = SOURCE_POS; q < T; q++) expect(at(COPY_HEAD, q, SOURCE_POS)).toBeGreaterThan(1 - 1e-6);
    for (let q = 0; q < T; q++) expect(at(ANTI_HEAD, q, 0)).toBeGreaterThan(1 - 1e-6);
  });

  it('direct logit attribution puts the logit difference on the copy head, as computed by hand', async () => {
    const r = await directLogitAttribution(hb.model, batch);
    const copyIndex = r.components.indexOf(`L0H${COPY_HEAD}`);
    pairs.forEach((p, i) => {
      const e = hb.embedding;
      // the copy head adds GAIN * e[A]: its share of logit(A) - logit(B) is GAIN * e[A].(e[A] - e[B])
      const expected = GAIN * (dot(e[p.correct], e[p.correct]) - dot(e[p.correct], e[p.incorrect]));
      expect(r.perPrompt[i][copyIndex]).toBeCloseTo(expected, 4);
      expect(r.sumOfComponents[i]).toBeCloseTo(r.logitDiff[i], 4);
    });
    const heads = r.heads.values;
    for (let h = 0; h < H; h++) if (h !== COPY_HEAD) expect(Math.abs(heads[h])).toBeLessThan(0.1 * heads[COPY_HEAD]);
  });
});
