/** `analyze` through the real CLI binary, on a random model with the default word-level vocabulary. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHfConfig } from '../../src/main/engine/config';
import { randomParams } from '../../src/main/engine/params';
import { defaultTokenizerJson, defaultVocabulary, generate, toJsonl } from '../../src/main/datasets';
import { writeModelDir } from '../../src/main/loader/modelDir';
import { openModel } from '../../src/main/services/modelSession';
import { activationPatching, encodeTaskItems } from '../../src/main/analysis';
import { defaultCopyInput } from '../../src/shared/api/analysisKinds';
import { runCli } from '../helpers/cli';
import { writeTaskModel } from '../helpers/taskModel';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';

let dir: string;
let tmp: string;
const HF = { n_layer: 2, n_head: 4, n_embd: 32, n_positions: 48, vocab_size: defaultVocabulary().length, prepend_bos: true };

beforeAll(async () => {
  tmp = await makeTmpDir();
  dir = path.join(tmp, 'model');
  const config = parseHfConfig(HF);
  await writeModelDir(dir, { config, params: randomParams(config, 3, 0.3), tokenizerJson: defaultTokenizerJson() });
});
afterAll(removeTmpDirs);

function analyze(kind: string, args: string[]): { code: number; data: Record<string, unknown>; stderr: string } {
  const r = runCli(['analyze', kind, '--model', dir, ...args, '--json']);
  return { code: r.code, data: r.json as Record<string, unknown>, stderr: r.stderr };
}

describe('circuit-workbench analyze', () => {
  it('patch --target heads gives the layers x heads table the service computes', async () => {
    const r = analyze('patch', ['--task', 'ioi', '--n', '6', '--seed', '4', '--target', 'heads']);
    expect(r.code, r.stderr).toBe(0);
    const data = r.data as { axes: string[]; shape: number[]; values: number[]; top: { label: string; value: number }[]; baseline: { clean: number; corrupted: number } };
    expect(data.axes).toEqual(['layer', 'head']);
    expect(data.shape).toEqual([2, 4]);
    const session = await openModel(dir);
    const items = generate('ioi', { n: 6, seed: 4 });
    const ref = await activationPatching(session.model, encodeTaskItems(items, session.tokenizer, session.config), { target: 'heads' });
    session.model.dispose();
    data.values.forEach((v, i) => expect(v).toBeCloseTo(ref.values[i], 4));
    expect(Math.abs(data.top[0].value)).toBeCloseTo(Math.max(...ref.values.map(Math.abs)), 4);
  });

  it('patch --corruption premise patches against the premise-corrupted prompts', async () => {
    const r = analyze('patch', ['--task', 'comparison', '--n', '6', '--seed', '4', '--target', 'heads', '--corruption', 'premise']);
    expect(r.code, r.stderr).toBe(0);
    const data = r.data as { values: number[]; baseline: { clean: number; corrupted: number } };
    const session = await openModel(dir);
    const batchOf = (corruption: 'premise' | 'flip') => encodeTaskItems(generate('comparison', { n: 6, seed: 4, corruption }), session.tokenizer, session.config);
    const premise = await activationPatching(session.model, batchOf('premise'), { target: 'heads' });
    const flip = await activationPatching(session.model, batchOf('flip'), { target: 'heads' });
    session.model.dispose();
    expect(data.baseline.corrupted).toBeCloseTo(premise.baseline.corrupted, 4);
    expect(Math.abs(premise.baseline.corrupted - flip.baseline.corrupted)).toBeGreaterThan(1e-3);
    data.values.forEach((v, i) => expect(v).toBeCloseTo(premise.values[i], 4));
    expect(analyze('patch', ['--task', 'ioi', '--n', '2', '--target', 'heads', '--corruption', 'premise']).stderr).toMatch(/corruption "premise" is not available for task "ioi" \(expected one of: abc, abc-s2, swap\)/);
  });

  it('dla components add up to the logit difference; logit-lens ends at it; logit-diff agrees', () => {
    const args = ['--task', 'latest', '--n', '5'];
    const dla = analyze('dla', args).data as { perPrompt: number[][]; logitDiff: number[]; convention: string };
    const lens = analyze('logit-lens', args).data as { perPrompt: number[][]; logitDiff: number[] };
    const diff = analyze('logit-diff', args).data as { clean: number[] };
    expect(dla.convention).toMatch(/frozen LayerNorm scale/);
    diff.clean.forEach((d, i) => {
      expect(dla.perPrompt[i].reduce((a, b) => a + b, 0)).toBeCloseTo(d, 4);
      expect(lens.perPrompt[i].at(-1)!).toBeCloseTo(d, 4);
    });
  });

  it('attention averages END -> IO / S1 / S2 over every IOI prompt; a single prompt gives its patterns with tokens', () => {
    const avg = analyze('attention', ['--task', 'ioi', '--n', '4']);
    expect(avg.code, avg.stderr).toBe(0);
    const data = avg.data as { pairs: { from: string; to: string }[]; counts: number[]; shape: number[]; values: number[] };
    expect(data.pairs.map((p) => `${p.from}->${p.to}`)).toEqual(['END->IO', 'END->S1', 'END->S2']);
    expect(data.counts).toEqual([4, 4, 4]);
    expect(data.values.every((v) => v >= 0 && v <= 1)).toBe(true);
    const one = analyze('attention', ['--task', 'ioi', '--n', '4', '--prompt', '2']).data as { tokens: string[]; shape: number[] };
    expect(one.tokens[0]).toBe('0:<|endoftext|>');
    expect(one.shape).toEqual([2, 4, one.tokens.length, one.tokens.length]);
  });

  it('correlation, copy scores with antonyms, congruence, neuroscope and token tracking run and report', () => {
    const corr = analyze('correlation', ['--task', 'ioi', '--n', '4', '--layer', '1', '--head', '2', '--y', 'logit']);
    expect(corr.code, corr.stderr).toBe(0);
    expect((corr.data.points as unknown[]).length).toBe(8);
    const copy = analyze('copy-scores', ['--task', 'comparison', '--n', '6', '--antonyms', '--input', 'mlp0']);
    expect(copy.code, copy.stderr).toBe(0);
    expect((copy.data.antonym as number[]).length).toBe(8);
    expect(copy.data.input).toBe('mlp0');
    const cong = analyze('congruence', ['--dir', 'neuron-out:0:3', '--k', '3']);
    expect(cong.code, cong.stderr).toBe(0);
    expect((cong.data.top as unknown[]).length).toBe(3);
    const matrix = analyze('congruence', ['--dir', 'unembed:Mary', '--dir', 'embed:Mary', '--dir', 'head-ov:1:0:John']);
    expect(matrix.data.shape).toEqual([3, 3]);
    const scope = analyze('neuroscope', ['--task', 'latest', '--n', '3', '--layer', '1', '--neuron', '7', '--k', '4']);
    expect(scope.code, scope.stderr).toBe(0);
    expect((scope.data.top as unknown[]).length).toBe(4);
    const track = analyze('track-tokens', ['--task', 'ioi', '--n', '3', '--template', 'ioi/when-went/ABBA', '--tokens', 'Mary,John']);
    expect(track.code, track.stderr).toBe(0);
    expect((track.data.stages as string[])).toEqual(['resid_pre L0', 'resid_pre L1', 'resid_post L1']);
  });

  it('copy scores with antonym pairs: the text names the average head\'s antonym score and ranks heads by antonym score', () => {
    const args = ['analyze', 'copy-scores', '--model', dir, '--task', 'comparison', '--n', '6', '--antonyms', '--input', 'mlp0'];
    const json = runCli([...args, '--json']).json as { antonym: number[]; averageHead: { antonym: number }; shape: [number, number] };
    const text = runCli(args);
    expect(text.code, text.stderr).toBe(0);
    const [head, ...rows] = text.stdout.trim().split('\n');
    expect(head).toContain(`antonym ${json.averageHead.antonym.toFixed(3)};`);
    const H = json.shape[1];
    const listed = rows.map((row) => /L(\d+)H(\d+)/.exec(row)!).map((m) => Number(m[1]) * H + Number(m[2]));
    const byAntonym = json.antonym.map((_, i) => i).sort((a, b) => json.antonym[b] - json.antonym[a]).slice(0, 8);
    expect(listed.map((i) => json.antonym[i])).toEqual(byAntonym.map((i) => json.antonym[i]));
  });

  it('copy scores without --input read what the workbench and the study read (defaultCopyInput), on a model with MLPs and an attention-only one', async () => {
    const plain = analyze('copy-scores', ['--task', 'comparison', '--n', '6', '--antonyms']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.data.input).toBe(defaultCopyInput(false));
    const explicit = analyze('copy-scores', ['--task', 'comparison', '--n', '6', '--antonyms', '--input', defaultCopyInput(false)]);
    expect(plain.data.antonym).toEqual(explicit.data.antonym);
    const attnOnlyDir = await writeTaskModel(path.join(tmp, 'attn-only'), 5, { attn_only: true });
    const attnOnly = runCli(['analyze', 'copy-scores', '--model', attnOnlyDir, '--task', 'comparison', '--n', '4', '--json']);
    expect(attnOnly.code, attnOnly.stderr).toBe(0);
    expect((attnOnly.json as { input: string }).input).toBe(defaultCopyInput(true));
  });

  it('errors name the problem: kind, option values, mixed lengths, bad dataset rows', async () => {
    expect(analyze('frobnicate', ['--task', 'ioi']).stderr).toMatch(/analyze needs a kind: one of logit-diff, .*\(got "frobnicate"\)/);
    expect(analyze('patch', ['--task', 'ioi', '--n', '2', '--target', 'neurons']).stderr).toMatch(/--target must be one of resid, attn, mlp, heads, head-pos, q, k, v, pattern, got "neurons"/);
    expect(analyze('patch', ['--task', 'ioi', '--n', '12', '--target', 'resid']).stderr).toMatch(/needs prompts of one token length; this dataset has \d+ tokens \(rows/);
    const items = generate('ioi', { n: 3, seed: 1 });
    items[1] = { ...items[1], corrupted: `${items[1].corrupted} again` };
    const file = path.join(tmp, 'bad.jsonl');
    await writeFile(file, toJsonl(items));
    const bad = analyze('logit-diff', ['--dataset', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/row 2, field "corrupted": clean and corrupted token lengths differ/);
  });
});
