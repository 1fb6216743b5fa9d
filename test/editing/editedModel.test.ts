/**
 * Edits as data: applying rank-1 deltas builds new tensors only for the touched matrices, the
 * base stays bit-identical, the applied delta has rank 1, the edited logits equal a model built
 * from the dense edited parameters, and an exported edited model reloads to the same logits.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { HookedGPT2 } from '../../src/main/engine/model';
import { weightTensors } from '../../src/main/engine/weights';
import { mulberry32, type ParamDict } from '../../src/main/engine/params';
import { loadModelDir } from '../../src/main/loader/modelDir';
import { buildWordLevelTokenizerJson } from '../../src/main/tokenizer/tokenizerJson';
import { ProjectStore } from '../../src/main/store';
import { EditedModel } from '../../src/main/editing/editedModel';
import { denseDelta, EditError, type ModelEdit, type RankOneDelta } from '../../src/main/editing/delta';
import { exportModelDir, paramsOfModel } from '../../src/main/editing/exportModel';
import { editedContentHash } from '../../src/main/editing/contentHash';
import { editChain, loadEdit, saveEdit } from '../../src/main/editing/projectEdits';
import { randomModel, randomTokens, startBackend, tinyConfig } from '../helpers/engine';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { maxAbsDiff, spectrumBeyondFirst } from './linearAlgebra';

const config = tinyConfig({ n_embd: 16, n_head: 4, n_layer: 2, vocab_size: 23, n_positions: 16 });
const WORDS = ['<|endoftext|>', '<unk>', ...Array.from({ length: 21 }, (_, i) => `w${i}`)];

function randomFactor(n: number, seed: number, scale: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => scale * (2 * r() - 1));
}

/** One delta on each kind of editable matrix (c_attn touches only its k block). */
function sampleEdit(): ModelEdit {
  const D = config.dModel;
  const M = config.dMlp;
  const kOnly = new Float32Array(3 * D);
  kOnly.set(randomFactor(D, 5, 0.5), D);
  const deltas: RankOneDelta[] = [
    { param: 'h.1.mlp.c_proj.weight', u: randomFactor(M, 1, 0.5), v: randomFactor(D, 2, 0.5) },
    { param: 'h.0.attn.c_proj.weight', u: randomFactor(D, 3, 0.5), v: randomFactor(D, 4, 0.5) },
    { param: 'h.0.attn.c_attn.weight', u: randomFactor(D, 6, 0.5), v: kOnly },
    { param: 'h.1.mlp.c_fc.weight', u: randomFactor(D, 7, 0.5), v: randomFactor(M, 8, 0.5) },
  ];
  return { name: 'sample', spec: { method: 'test' }, deltas };
}

/** The base parameters plus the dense deltas, computed on the host (the independent reference). */
function denseEdited(params: ParamDict, edit: ModelEdit): ParamDict {
  const out: ParamDict = new Map([...params].map(([k, v]) => [k, { shape: v.shape, data: Float32Array.from(v.data) }]));
  for (const d of edit.deltas) {
    const p = out.get(d.param)!;
    const dense = denseDelta(d);
    for (let i = 0; i < dense.length; i++) p.data[i] += dense[i];
  }
  return out;
}

async function snapshot(model: HookedGPT2): Promise<Buffer[]> {
  return Promise.all(weightTensors(model.weights).map(async (t) => Buffer.from(new Uint8Array((await t.data()).buffer.slice(0)))));
}

let dir: string;
beforeAll(async () => {
  await startBackend();
  dir = await makeTmpDir('cwb-edit-');
});
afterAll(removeTmpDirs);

describe('EditedModel', () => {
  it('leaves the base bit-identical, shares untouched tensors, and matches the dense edited parameters', async () => {
    const { model: base, params } = randomModel(config, 11);
    const tokens = randomTokens(3, 9, config.vocabSize, 4);
    const before = await snapshot(base);
    const baseLogitsBefore = await base.forward(tokens).data();
    const start = tf.memory().numTensors;
    const edit = sampleEdit();
    const edited = EditedModel.apply(base, [edit]);
    // New tensors only for wOut[1], wIn[1], wO[0] and wK[0]; everything else is the base's own.
    expect(tf.memory().numTensors - start).toBe(4);
    expect(edited.model.weights.blocks[0].wQ).toBe(base.weights.blocks[0].wQ);
    expect(edited.model.weights.blocks[0].wV).toBe(base.weights.blocks[0].wV);
    expect(edited.model.weights.blocks[0].wK).not.toBe(base.weights.blocks[0].wK);
    expect(edited.model.weights.wte).toBe(base.weights.wte);

    const editedLogits = tf.tidy(() => edited.model.forward(tokens));
    const reference = HookedGPT2.fromParams(config, denseEdited(params, edit));
    const refLogits = tf.tidy(() => reference.forward(tokens));
    expect(maxAbsDiff(await editedLogits.data(), await refLogits.data())).toBeLessThan(1e-5);
    expect(maxAbsDiff(await editedLogits.data(), baseLogitsBefore)).toBeGreaterThan(1e-2); // the edit does something
    tf.dispose([editedLogits, refLogits]);
    reference.dispose();

    edited.dispose();
    expect(tf.memory().numTensors).toBe(start);
    const after = await snapshot(base);
    expect(after.length).toBe(before.length);
    after.forEach((b, i) => expect(b.equals(before[i]), `weight tensor ${i}`).toBe(true));
    expect(maxAbsDiff(await base.forward(tokens).data(), baseLogitsBefore)).toBe(0);
    base.dispose();
  });

  it('applies a delta of rank exactly 1 to each touched matrix (singular values beyond the first ~0)', async () => {
    const { model: base } = randomModel(config, 12);
    const edit = sampleEdit();
    const edited = EditedModel.apply(base, [edit]);
    const pairs: [string, tf.Tensor, tf.Tensor][] = [
      ['mlp c_proj', base.weights.blocks[1].wOut!, edited.model.weights.blocks[1].wOut!],
      ['attn c_proj', base.weights.blocks[0].wO, edited.model.weights.blocks[0].wO],
      ['attn k', base.weights.blocks[0].wK, edited.model.weights.blocks[0].wK],
      ['mlp c_fc', base.weights.blocks[1].wIn!, edited.model.weights.blocks[1].wIn!],
    ];
    for (const [what, w0, w1] of pairs) {
      const [a, b] = [await w0.data(), await w1.data()];
      const dW = Float64Array.from(b, (x, i) => x - a[i]); // applied delta, read back from the tensors
      const [rows, cols] = w0.shape as [number, number];
      const { sigma1, rest } = spectrumBeyondFirst(dW, rows, cols);
      expect(sigma1, what).toBeGreaterThan(0.1);
      expect(rest / sigma1, what).toBeLessThan(1e-5);
    }
    edited.dispose();
    base.dispose();
  });

  it('refuses a delta on an unknown parameter or with factors of the wrong size, naming it', () => {
    const { model: base } = randomModel(config, 13);
    const bad = (d: RankOneDelta): (() => EditedModel) => () => EditedModel.apply(base, [{ name: 'bad', spec: null, deltas: [d] }]);
    expect(bad({ param: 'h.5.mlp.c_proj.weight', u: new Float32Array(64), v: new Float32Array(16) })).toThrow(/h\.5\.mlp\.c_proj\.weight.*not an editable parameter/);
    expect(bad({ param: 'wte.weight', u: new Float32Array(23), v: new Float32Array(16) })).toThrow(EditError);
    expect(bad({ param: 'h.0.mlp.c_proj.weight', u: new Float32Array(16), v: new Float32Array(16) })).toThrow(/u \[16\] and v \[16\].*\[64,16\]/);
    expect(bad({ param: 'h.0.mlp.c_proj.weight', u: new Float32Array(64).fill(NaN), v: new Float32Array(16) })).toThrow(/u\[0\] is NaN/);
    base.dispose();
  });

  it('exports a Hugging Face directory that reloads and reproduces the edited logits to 1e-5', async () => {
    const { model: base } = randomModel(config, 14);
    const edited = EditedModel.apply(base, [sampleEdit()]);
    const out = path.join(dir, 'edited-model');
    await exportModelDir(out, edited.model, buildWordLevelTokenizerJson(WORDS, { unkToken: '<unk>', bosToken: '<|endoftext|>' }));
    const loaded = await loadModelDir(out);
    const reloaded = HookedGPT2.fromParams(loaded.config, loaded.params);
    const tokens = randomTokens(4, 12, config.vocabSize, 9);
    const [a, b] = [tf.tidy(() => edited.model.forward(tokens)), tf.tidy(() => reloaded.forward(tokens))];
    expect(maxAbsDiff(await a.data(), await b.data())).toBeLessThan(1e-5);
    tf.dispose([a, b]);
    // The params read off the engine round-trip the fused c_attn exactly.
    const baseParams = await paramsOfModel(base);
    const reParams = await paramsOfModel(reloaded);
    expect(Buffer.from(reParams.get('h.0.attn.c_attn.weight')!.data.buffer).equals(Buffer.from(baseParams.get('h.0.attn.c_attn.weight')!.data.buffer))).toBe(false);
    expect(Buffer.from(reParams.get('h.1.attn.c_attn.weight')!.data.buffer).equals(Buffer.from(baseParams.get('h.1.attn.c_attn.weight')!.data.buffer))).toBe(true);
    reloaded.dispose();
    edited.dispose();
    base.dispose();
  });

  it('gives an edited model a content hash from the base hash and the deltas', () => {
    const edit = sampleEdit();
    const h = editedContentHash('ab'.repeat(32), [edit]);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(editedContentHash('ab'.repeat(32), [sampleEdit()])).toBe(h);
    expect(editedContentHash('cd'.repeat(32), [edit])).not.toBe(h);
    const flipped = sampleEdit();
    flipped.deltas[0].v[3] = Math.fround(flipped.deltas[0].v[3] + 1e-6);
    expect(editedContentHash('ab'.repeat(32), [flipped])).not.toBe(h);
  });

  it('stores an edit in a project (factors as tensors) and reads back the exact deltas and the edit chain', () => {
    const store = ProjectStore.open(path.join(dir, 'edits.cwb'), { create: true });
    try {
      const base = store.models.add({ name: 'tiny', path: '/nowhere', contentHash: 'ab'.repeat(32), config: { n_layer: 2 } });
      const edit = sampleEdit();
      const first = saveEdit(store, { baseModelId: base.id, config, edit });
      expect(first.model.baseModelId).toBe(base.id);
      expect(first.model.contentHash).toBe(editedContentHash(base.contentHash, [edit]));
      const back = loadEdit(store, first.edit.id);
      expect(back.deltas.map((d) => d.param)).toEqual(edit.deltas.map((d) => d.param));
      back.deltas.forEach((d, i) => {
        expect(Buffer.from(d.u.buffer).equals(Buffer.from(edit.deltas[i].u.buffer))).toBe(true);
        expect(Buffer.from(d.v.buffer).equals(Buffer.from(edit.deltas[i].v.buffer))).toBe(true);
      });
      const second = saveEdit(store, { baseModelId: first.model.id, config, edit: { ...sampleEdit(), name: 'second' } });
      const chain = editChain(store, second.model.id);
      expect(chain.root.id).toBe(base.id);
      expect(chain.edits.map((e) => e.name)).toEqual(['sample', 'second']);
      expect(() => saveEdit(store, { baseModelId: base.id, config, edit: { name: 'empty', spec: null, deltas: [] } })).toThrow(/has no deltas/);
    } finally {
      store.close();
    }
  });
});
