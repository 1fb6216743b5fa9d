import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../src/main/loader/safetensors';
import { referenceLogits } from '../engine/referenceGpt2';
import { runCli } from '../helpers/cli';
import { makeTmpDir, removeTmpDirs, writeRandomModel, type RandomModel } from '../helpers/hfFixtures';

let fixture: RandomModel;

const idOf = (word: string): number => (fixture.tokenizerJson.model as { vocab: Record<string, number> }).vocab[word];

beforeAll(async () => {
  fixture = await writeRandomModel(await makeTmpDir(), { n_layer: 2, n_head: 2, n_embd: 16, vocab_size: 64 }, 5, { std: 0.3 });
});
afterAll(removeTmpDirs);

function refLast(ids: number[]): number[] {
  const c = fixture.config;
  const logits = referenceLogits({
    nLayer: c.nLayer, nHead: c.nHead, dModel: c.dModel, dMlp: c.dMlp, vocabSize: c.vocabSize, lnEps: c.lnEps,
    activation: c.activation, normalization: c.normalization, attnOnly: c.attnOnly, tied: c.tiedEmbeddings, unembedBias: c.unembedBias,
  }, fixture.params, [ids]);
  return logits[0][ids.length - 1];
}

describe('circuit-workbench CLI', () => {
  it('info --json reports the architecture, parameter count and live backend', () => {
    const r = runCli(['info', '--model', fixture.dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const data = r.json as { architecture: { nLayer: number; dModel: number }; parameterCount: number; backend: { name: string } };
    expect(data.architecture.nLayer).toBe(2);
    expect(data.architecture.dModel).toBe(16);
    const expectedCount = [...fixture.params.values()].reduce((s, p) => s + p.data.length, 0);
    expect(data.parameterCount).toBe(expectedCount);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(data.backend.name);
  });

  it('CWB_BACKEND forces the backend', () => {
    const r = runCli(['info', '--model', fixture.dir, '--json'], { CWB_BACKEND: 'cpu' });
    expect((r.json as { backend: { name: string } }).backend.name).toBe('cpu');
    const bad = runCli(['info', '--model', fixture.dir, '--json'], { CWB_BACKEND: 'quantum' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/CWB_BACKEND="quantum" is not a backend; use one of tensorflow, wasm, cpu/);
  });

  it('predict --json gives the top-k tokens with the logits of the reference model', () => {
    const prompt = 'When Mary and John went to the store , John gave a drink to';
    const r = runCli(['predict', '--model', fixture.dir, '--prompt', prompt, '--top-k', '5', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const data = r.json as { tokens: string[]; predictions: { id: number; token: string; logit: number; prob: number }[] };
    expect(data.tokens.join(' ')).toBe(prompt);
    const ids = prompt.split(' ').map(idOf);
    const ref = refLast(ids);
    const order = ref.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, 5);
    expect(data.predictions.map((p) => p.id)).toEqual(order.map(([, i]) => i));
    const maxRef = Math.max(...ref.map(Math.abs));
    data.predictions.forEach((p, k) => expect(Math.abs(p.logit - order[k][0])).toBeLessThan(1e-4 * maxRef));
    // probabilities are the softmax over the whole vocabulary
    const logSumExp = Math.log(ref.reduce((s, v) => s + Math.exp(v - order[0][0]), 0)) + order[0][0];
    data.predictions.forEach((p, k) => expect(p.prob).toBeCloseTo(Math.exp(order[k][0] - logSumExp), 5));
  });

  it('run --cache writes the chosen activations with their shapes to a safetensors file', async () => {
    const out = path.join(await makeTmpDir(), 'acts.safetensors');
    const r = runCli(['run', '--model', fixture.dir, '--prompt', 'Mary gave a book', '--cache', 'blocks.1.attn.hook_pattern', '--cache', 'blocks.0.hook_resid_post', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const data = r.json as { activations: { name: string; shape: number[] }[] };
    expect(data.activations).toEqual([
      { name: 'blocks.1.attn.hook_pattern', shape: [1, 2, 4, 4] },
      { name: 'blocks.0.hook_resid_post', shape: [1, 4, 16] },
    ]);
    const { tensors } = await readSafetensors(out);
    const pattern = tensors.get('blocks.1.attn.hook_pattern')!;
    // every attention row is a distribution over the positions it may see
    for (let h = 0; h < 2; h++) {
      for (let q = 0; q < 4; q++) {
        const row = Array.from(pattern.data.subarray((h * 4 + q) * 4, (h * 4 + q + 1) * 4));
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        expect(row.slice(q + 1).every((x) => x === 0)).toBe(true);
      }
    }
    expect((await readFile(out)).length).toBeGreaterThan(8);
  });

  it('run --json without --out prints the values', () => {
    const r = runCli(['run', '--model', fixture.dir, '--prompt', 'Mary', '--cache', 'hook_embed', '--json']);
    const data = r.json as { activations: { values: number[][][] }[] };
    const wte = fixture.params.get('wte.weight')!.data;
    const id = idOf('Mary');
    data.activations[0].values[0][0].forEach((v, i) => expect(v).toBeCloseTo(wte[id * 16 + i], 6));
  });

  it('bad input gets a clear error and exit code 1', () => {
    const cases: [string[], RegExp][] = [
      [['predict', '--model', fixture.dir, '--json'], /--prompt is required/],
      [['predict', '--model', fixture.dir, '--prompt', 'Mary', '--top-k', 'x', '--json'], /--top-k must be an integer >= 1, got "x"/],
      [['predict', '--model', fixture.dir, '--prompt', 'Mary zyzzyva', '--json'], /does not know: zyzzyva/],
      [['run', '--model', fixture.dir, '--prompt', 'Mary', '--cache', 'blocks.9.hook_z', '--json'], /unknown hook name\(s\): blocks.9.hook_z/],
      [['frobnicate', '--json'], /unknown command "frobnicate"/],
      [['info', '--model', '/nonexistent/model', '--json'], /nonexistent/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect((r.json as { error: { message: string } }).error.message).toMatch(message);
    }
  });
});
