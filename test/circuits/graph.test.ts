import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { ModelGraph, CircuitGraphError } from '../../src/main/circuits/graph';
import { pruneMask, rankEdges, selectEdges } from '../../src/main/circuits/select';
import { exportCircuit, importCircuit } from '../../src/main/circuits/json';
import { decodeMask, encodeMask } from '../../src/main/circuits/maskCodec';
import { overlap, rocAuc } from '../../src/main/circuits/evaluation';
import { mulberry32 } from '../../src/main/engine/params';
import { ProjectStore, circuitFromJson, circuitToJson } from '../../src/main/store';
import { makeTempDir, removeDir } from '../store/helpers';

/** Every (sender, receiver input) pair, enumerated from the rule in words, not from the graph's index arithmetic. */
function enumerateEdges(L: number, H: number, attnOnly: boolean): string[] {
  const nodes: { id: string; layer: number; kind: string }[] = [{ id: 'input', layer: -1, kind: 'input' }];
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < H; h++) nodes.push({ id: `a${l}.h${h}`, layer: l, kind: 'head' });
    if (!attnOnly) nodes.push({ id: `m${l}`, layer: l, kind: 'mlp' });
  }
  const out: string[] = [];
  const feeds = (s: { layer: number; kind: string }, r: { layer: number; kind: string }): boolean =>
    s.kind === 'input' || s.layer < r.layer || (r.kind === 'mlp' && s.kind === 'head' && s.layer === r.layer);
  for (const r of [...nodes.slice(1), { id: 'logits', layer: L, kind: 'logits' }]) {
    for (const s of nodes) {
      if (!feeds(s, r)) continue;
      if (r.kind === 'head') for (const i of ['q', 'k', 'v']) out.push(`${s.id}->${r.id}:${i}`);
      else out.push(`${s.id}->${r.id}`);
    }
  }
  return out;
}

describe('the circuit graph', () => {
  it('GPT-2 small has 32,491 edges, exactly the (sender, receiver input) pairs the rule allows', () => {
    const g = new ModelGraph({ nLayer: 12, nHead: 12, attnOnly: false });
    expect(g.edgeCount).toBe(32491);
    expect(g.nodeCount).toBe(1 + 12 * 13 + 1);
    const names = new Set(Array.from({ length: g.edgeCount }, (_, e) => g.edgeName(e)));
    expect(names).toEqual(new Set(enumerateEdges(12, 12, false)));
  });

  it.each([[2, 3, true], [3, 2, false], [1, 1, false]])('edge names and indices round-trip (%i layers, %i heads, attnOnly %s)', (L, H, attnOnly) => {
    const g = new ModelGraph({ nLayer: L, nHead: H, attnOnly });
    expect(g.edgeCount).toBe(enumerateEdges(L, H, attnOnly).length);
    for (let e = 0; e < g.edgeCount; e++) {
      expect(g.edgeByName(g.edgeName(e))).toBe(e);
      expect(g.edgeIndex(g.edgeSender[e], g.edgeSlot[e])).toBe(e);
    }
  });

  it('refuses impossible edges with the reason', () => {
    const g = new ModelGraph({ nLayer: 2, nHead: 2, attnOnly: false });
    expect(() => g.edgeOf('a1.h0', 'a0.h1', 'q')).toThrow(/a1.h0 is not upstream of a0.h1/);
    expect(() => g.edgeOf('a0.h0', 'a1.h0')).toThrow(/a head's input must be "q", "k" or "v"/);
    expect(() => g.edgeOf('a0.h0', 'm0', 'q')).toThrow(/only heads have q\/k\/v inputs/);
    expect(() => g.edgeOf('logits', 'm1')).toThrow(/the logits have no outgoing edges/);
    expect(() => g.edgeOf('a0.h7', 'm1')).toThrow(CircuitGraphError);
    expect(() => g.edgeOf('a0.h7', 'm1')).toThrow(/no node "a0.h7"/);
    expect(g.edgeOf('a0.h1', 'm0')).toBeGreaterThanOrEqual(0); // a head feeds its own layer's MLP
  });

  it('pruning keeps only edges on input -> logits paths', () => {
    const g = new ModelGraph({ nLayer: 2, nHead: 2, attnOnly: true });
    const mask = g.fullMask(false);
    const on = (...names: string[]): void => names.forEach((n) => (mask[g.edgeByName(n)] = 1));
    on('input->a0.h0:v', 'a0.h0->a1.h0:k', 'a1.h0->logits'); // a complete path
    on('input->a0.h1:q'); // a0.h1 reaches nothing
    on('a0.h1->a1.h1:v', 'a1.h1->logits'); // a1.h1 reached only from a0.h1, which the input does not reach... it does (input->a0.h1:q)
    on('a1.h0->logits');
    const pruned = pruneMask(g, mask);
    const names = Array.from({ length: g.edgeCount }, (_, e) => e).filter((e) => pruned[e]).map((e) => g.edgeName(e)).sort();
    expect(names).toEqual(['a0.h0->a1.h0:k', 'a0.h1->a1.h1:v', 'a1.h0->logits', 'a1.h1->logits', 'input->a0.h0:v', 'input->a0.h1:q'].sort());
    const dangling = g.fullMask(false);
    dangling[g.edgeByName('input->a0.h1:q')] = 1; // leads nowhere
    dangling[g.edgeByName('a0.h0->logits')] = 1; // a0.h0 receives nothing
    expect(Array.from(pruneMask(g, dangling)).every((x) => x === 0)).toBe(true);
  });

  it('top-n and threshold selection rank by |score| with ties by edge index', () => {
    const g = new ModelGraph({ nLayer: 1, nHead: 2, attnOnly: true });
    const scores = new Float32Array(g.edgeCount);
    scores[g.edgeByName('a0.h1->logits')] = -3;
    scores[g.edgeByName('input->a0.h1:v')] = 2;
    scores[g.edgeByName('input->a0.h1:k')] = 2;
    scores[g.edgeByName('a0.h0->logits')] = 0.5;
    const order = Array.from(rankEdges(scores).slice(0, 3), (e) => g.edgeName(e));
    expect(order).toEqual(['a0.h1->logits', 'input->a0.h1:k', 'input->a0.h1:v']);
    const top = selectEdges(g, scores, { topN: 3 });
    expect(Array.from(top).reduce((a, b) => a + b, 0)).toBe(3);
    const thr = selectEdges(g, scores, { threshold: 1 });
    expect(Array.from(thr)).toEqual(Array.from(top));
    expect(() => selectEdges(g, scores, {})).toThrow(/exactly one of topN and threshold/);
  });

  it('masks survive the compact text encoding', () => {
    const rand = mulberry32(3);
    for (const n of [1, 7, 8, 9, 32491]) {
      const m = Uint8Array.from({ length: n }, () => (rand() < 0.3 ? 1 : 0));
      expect(decodeMask(encodeMask(m), n)).toEqual(m);
    }
    expect(() => decodeMask(encodeMask(new Uint8Array(16)), 32)).toThrow(/holds 16 bits; 32 edges need 4 bytes/);
  });
});

describe('circuit JSON', () => {
  const g = new ModelGraph({ nLayer: 2, nHead: 2, attnOnly: false });
  const mask = g.fullMask(false);
  for (const n of ['input->a0.h0:v', 'a0.h0->a1.h0:k', 'a1.h0->logits', 'm0->m1', 'm1->logits', 'input->m0']) mask[g.edgeByName(n)] = 1;
  const scores = Float32Array.from({ length: g.edgeCount }, (_, e) => Math.sin(e));

  it('round-trips the edge set, the per-edge scores and the model shape', () => {
    const doc = exportCircuit(g, mask, { name: 'planted', scores, allScores: true, method: { name: 'hand' } });
    const text = JSON.stringify(doc);
    const back = importCircuit(JSON.parse(text), g.shape);
    expect(back.mask).toEqual(mask);
    expect(back.scores).toEqual(scores);
    expect(back.name).toBe('planted');
    expect(back.method).toEqual({ name: 'hand' });
    expect(doc.graph.nodes.map((n) => n.id)).toEqual(['input', 'a0.h0', 'm0', 'a1.h0', 'm1', 'logits']);
    expect(doc.graph.edges.find((e) => e.target === 'a1.h0')).toEqual({ source: 'a0.h0', target: 'a1.h0', input: 'k', score: scores[g.edgeByName('a0.h0->a1.h0:k')] });
  });

  it('imports into and exports from a project store unchanged', () => {
    const dir = makeTempDir();
    const store = ProjectStore.open(path.join(dir, 'p.cwb'), { create: true });
    try {
      const doc = exportCircuit(g, mask, { name: 'stored', scores });
      const rec = circuitFromJson(store, doc);
      const again = circuitToJson(store, rec.id);
      expect(importCircuit(again, g.shape).mask).toEqual(mask);
    } finally {
      store.close();
      removeDir(dir);
    }
  });

  it('names the field and the problem for bad documents', () => {
    const good = (): Record<string, unknown> => JSON.parse(JSON.stringify(exportCircuit(g, mask, { name: 'x', scores, allScores: true }))) as Record<string, unknown>;
    const cases: [(d: Record<string, unknown>) => void, RegExp][] = [
      [(d) => (d.format = 'circuit-workbench/circuit@2'), /format: must be "circuit-workbench\/circuit@1", got "circuit-workbench\/circuit@2" \(a newer schema version/],
      [(d) => (d.name = ''), /name: must be a non-empty string/],
      [(d) => ((d.model as Record<string, unknown>).nHead = 0), /model.nHead: must be a positive integer, got 0/],
      [(d) => ((d.graph as { nodes: unknown[] }).nodes.push({ id: 'a5.h0' })), /graph.nodes\[6\].id: "a5.h0" is not a node of a 2 layers x 2 heads model/],
      [(d) => ((d.graph as { edges: { input?: string }[] }).edges[2].input = 'x'), /graph.edges\[2\]: edge a0.h0->a1.h0: a head's input must be "q", "k" or "v", got "x"/],
      [(d) => ((d.graph as { edges: { source: string }[] }).edges[0].source = 'a0.h1'), /graph.edges\[0\].source: "a0.h1" is not listed in graph.nodes/],
      [(d) => ((d.graph as { edges: unknown[] }).edges.push((d.graph as { edges: unknown[] }).edges[0])), /graph.edges\[6\]: the edge input->a0.h0:v appears twice/],
      [(d) => ((d.graph as { edges: { score?: unknown }[] }).edges[2].score = 'high'), /graph.edges\[2\].score: must be a finite number, got "high"/],
      [(d) => ((d.edgeScores as { values: unknown[] }).values.pop()), /edgeScores.values: has 45 scores; a 2 layers x 2 heads model has 46 edges/],
      [(d) => ((d.edgeScores as { values: unknown[] }).values[3] = null), /edgeScores.values\[3\]: must be a finite number, got null \(edge /],
    ];
    for (const [mutate, message] of cases) {
      const d = good();
      mutate(d);
      expect(() => importCircuit(d, g.shape, 'c.json')).toThrow(message);
    }
    expect(() => importCircuit(good(), { nLayer: 3, nHead: 2, attnOnly: false }, 'c.json')).toThrow(/c.json: model: the circuit was made for a model of 2 layers x 2 heads, with MLPs; the loaded model has 3 layers/);
    expect(() => importCircuit([], undefined, 'c.json')).toThrow(/c.json: \(document\): expected a JSON object, got an array/);
  });
});

describe('overlap and ROC AUC', () => {
  it('precision and recall count shared edges', () => {
    const a = Uint8Array.from([1, 1, 0, 1, 0]);
    const r = Uint8Array.from([1, 0, 0, 1, 1]);
    const o = overlap(a, r);
    expect(o.precision).toBeCloseTo(2 / 3, 12);
    expect(o.recall).toBeCloseTo(2 / 3, 12);
    expect(o.intersection).toBe(2);
  });

  it('ROC AUC equals the fraction of (positive, negative) pairs ranked right, ties counted half', () => {
    const rand = mulberry32(9);
    for (let trial = 0; trial < 5; trial++) {
      const n = 60;
      const scores = Float32Array.from({ length: n }, () => Math.round((rand() - 0.5) * 8)); // many ties, both signs
      const labels = Uint8Array.from({ length: n }, () => (rand() < 0.3 ? 1 : 0));
      let wins = 0;
      let pairs = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (!labels[i] || labels[j]) continue;
          pairs++;
          const a = Math.abs(scores[i]);
          const b = Math.abs(scores[j]);
          wins += a > b ? 1 : a === b ? 0.5 : 0;
        }
      }
      expect(rocAuc(scores, labels)).toBeCloseTo(wins / pairs, 10);
    }
  });
});
