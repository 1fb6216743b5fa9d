/**
 * `circuit-workbench circuit ...` through the real binary, on the planted induction model saved
 * in Hugging Face layout with a word-level tokenizer (token i is word i; BOS is prepended).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeModelDir } from '../../src/main/loader/modelDir';
import { buildWordLevelTokenizerJson } from '../../src/main/tokenizer/tokenizerJson';
import { importCircuit } from '../../src/main/circuits/json';
import { runCli } from '../helpers/cli';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { inductionTask, plantedConfig, plantedParams, PLANTED_EDGES } from '../circuits/planted';

const WORDS = ['<|endoftext|>', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', '<unk>'];
let dir: string;
let modelDir: string;
let dataset: string;

beforeAll(async () => {
  dir = await makeTmpDir();
  modelDir = path.join(dir, 'planted');
  const config = { ...plantedConfig(), prependBos: true };
  await writeModelDir(modelDir, { config, params: plantedParams(), tokenizerJson: buildWordLevelTokenizerJson(WORDS, { unkToken: '<unk>', bosToken: '<|endoftext|>' }) });
  const items = inductionTask(80).filter((p) => ![...p.clean, ...p.corrupted].includes(11)).slice(0, 24);
  const text = (ids: number[]): string => ids.slice(1).map((i) => WORDS[i]).join(' ');
  const lines = items.map((p) => JSON.stringify({ clean: text(p.clean), corrupted: text(p.corrupted), correct: ` ${WORDS[p.correct]}`, incorrect: ` ${WORDS[p.incorrect]}`, template: 'induction', task: 'ioi' }));
  dataset = path.join(dir, 'induction.jsonl');
  await writeFile(dataset, `${lines.join('\n')}\n`);
});
afterAll(removeTmpDirs);

const edgeNames = (doc: { graph: { edges: { source: string; target: string; input?: string }[] } }): string[] => doc.graph.edges.map((e) => `${e.source}->${e.target}${e.input ? `:${e.input}` : ''}`).sort();

describe('circuit-workbench circuit', () => {
  it('acdc --json finds the planted circuit and writes a circuit file that evaluate reads back', async () => {
    const out = path.join(dir, 'acdc.json');
    const r = runCli(['circuit', 'acdc', '--model', modelDir, '--dataset', dataset, '--tau', '0.5', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const data = r.json as { edges: number; totalEdges: number; faithfulness: { ratio: number }; prompts: number; circuit: { graph: { edges: { source: string; target: string; input?: string }[] } } };
    expect(data.prompts).toBe(24);
    expect(data.totalEdges).toBe(46);
    expect(edgeNames(data.circuit)).toEqual([...PLANTED_EDGES].sort());
    expect(data.faithfulness.ratio).toBeCloseTo(1, 3);
    const file = JSON.parse(await readFile(out, 'utf8')) as unknown;
    expect(importCircuit(file).mask.reduce((a, b) => a + b, 0)).toBe(5);

    const ev = runCli(['circuit', 'evaluate', '--model', modelDir, '--dataset', dataset, '--circuit', out, '--reference', out, '--completeness', '--minimality', '--json']);
    expect(ev.code, ev.stderr).toBe(0);
    const e = ev.json as { faithfulness: { ratio: number }; completeness: { worst: number }; minimality: { node: string }[]; overlap: { precision: number; recall: number } };
    expect(e.faithfulness.ratio).toBeCloseTo(1, 3);
    expect(e.completeness.worst).toBeLessThan(1e-3);
    expect(e.minimality.map((m) => m.node).sort()).toEqual(['a0.h0', 'a1.h0']);
    expect(e.overlap).toMatchObject({ precision: 1, recall: 1 });
  });

  it('eap-ig --top-n 5 selects the planted edges, with the faithfulness curve', () => {
    const r = runCli(['circuit', 'eap-ig', '--model', modelDir, '--dataset', dataset, '--steps', '5', '--top-n', '5', '--curve', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const data = r.json as { top: { edge: string }[]; selection: { edges: number; faithfulness: { normalized: number } }; curve: { cpr: number; cmd: number; points: unknown[] }; method: { name: string; steps: number } };
    expect(data.method).toMatchObject({ name: 'eap-ig', steps: 5 });
    expect(data.top.slice(0, 5).map((t) => t.edge).sort()).toEqual([...PLANTED_EDGES].sort());
    expect(data.selection.edges).toBe(5);
    expect(data.selection.faithfulness.normalized).toBeCloseTo(1, 3);
    expect(data.curve.points).toHaveLength(10);
    expect(data.curve.cpr).toBeGreaterThan(0);
  });

  it('path-patch --json gives a layers x heads table that singles out the previous-token head', () => {
    const r = runCli(['circuit', 'path-patch', '--model', modelDir, '--dataset', dataset, '--receiver', 'a1.h0:k', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const data = r.json as { shape: number[]; values: (number | null)[]; receivers: string[] };
    expect(data.shape).toEqual([2, 2]);
    expect(data.receivers).toEqual(['a1.h0:k']);
    expect(data.values[0]).toBeLessThan(0.9);
    expect(data.values[1]).toBeCloseTo(1, 4);
    expect(data.values.slice(2)).toEqual([null, null]);
  });

  it('errors name the option, the file and the field', async () => {
    const noTau = runCli(['circuit', 'acdc', '--model', modelDir, '--dataset', dataset, '--json']);
    expect(noTau.code).toBe(1);
    expect(noTau.stderr).toMatch(/--tau X \(a non-negative number\) is required/);
    const both = runCli(['circuit', 'eap', '--model', modelDir, '--dataset', dataset, '--task', 'ioi']);
    expect(both.stderr).toMatch(/give exactly one of --task NAME and --dataset FILE/);
    const badReceiver = runCli(['circuit', 'path-patch', '--model', modelDir, '--dataset', dataset, '--receiver', 'a9.h0:k']);
    expect(badReceiver.stderr).toMatch(/receiver "a9.h0" is not a head, MLP or the logits of this model \(2 layers x 2 heads\)/);
    const wrong = path.join(dir, 'wrong.json');
    await writeFile(wrong, JSON.stringify({ format: 'circuit-workbench/circuit@1', name: 'x', version: 1, modelHash: null, model: { nLayer: 12, nHead: 12, attnOnly: false }, graph: { nodes: [], edges: [] } }));
    const mismatch = runCli(['circuit', 'evaluate', '--model', modelDir, '--dataset', dataset, '--circuit', wrong, '--json']);
    expect(mismatch.code).toBe(1);
    expect((mismatch.json as { error: { message: string } }).error.message).toMatch(/wrong.json: model: the circuit was made for a model of 12 layers x 12 heads, with MLPs; the loaded model has 2 layers x 2 heads/);
  });
});
