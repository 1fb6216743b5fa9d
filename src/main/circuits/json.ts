/**
 * Circuit JSON import and export (schema: docs/circuit-schema.md). The document is the project
 * store's circuit document ('circuit-workbench/circuit@1': name, version, modelHash, graph with
 * nodes and edges), so a file written here imports into a project as is, plus the model shape the
 * node ids refer to, how the circuit was found, and optionally a score for every edge of the
 * graph in canonical order. Errors name the field and the problem.
 */
import { CircuitGraphError, ModelGraph, type GraphShape } from './graph';
import { nodesOfMask } from './select';

export const CIRCUIT_FORMAT = 'circuit-workbench/circuit@1';
export const EDGE_ORDER = 'canonical@1';

export interface CircuitDocument {
  format: typeof CIRCUIT_FORMAT;
  name: string;
  version: number;
  modelHash: string | null;
  model: GraphShape & { name?: string };
  method?: Record<string, unknown>;
  graph: {
    nodes: { id: string; score?: number }[];
    edges: { source: string; target: string; input?: 'q' | 'k' | 'v'; score?: number }[];
  };
  edgeScores?: { order: typeof EDGE_ORDER; values: number[] };
}

export interface ExportOptions {
  name: string;
  modelName?: string;
  modelHash?: string | null;
  method?: Record<string, unknown>;
  /** Per-edge scores (canonical order): written on the circuit's edges and, with allScores, for every edge. */
  scores?: Float32Array;
  allScores?: boolean;
  version?: number;
}

export function exportCircuit(g: ModelGraph, mask: Uint8Array, opts: ExportOptions): CircuitDocument {
  if (mask.length !== g.edgeCount) throw new CircuitGraphError(`the mask has ${mask.length} entries; the graph has ${g.edgeCount} edges`);
  const nodes = nodesOfMask(g, mask);
  const edges: CircuitDocument['graph']['edges'] = [];
  for (let e = 0; e < g.edgeCount; e++) {
    if (!mask[e]) continue;
    const slot = g.edgeSlot[e];
    const input = g.inputName(slot);
    const edge: CircuitDocument['graph']['edges'][number] = { source: g.nodeIds[g.edgeSender[e]], target: g.nodeIds[g.slotNode[slot]] };
    if (input !== 'in') edge.input = input;
    if (opts.scores) edge.score = roundScore(opts.scores[e]);
    edges.push(edge);
  }
  const doc: CircuitDocument = {
    format: CIRCUIT_FORMAT,
    name: opts.name,
    version: opts.version ?? 1,
    modelHash: opts.modelHash ?? null,
    model: { ...g.shape, ...(opts.modelName ? { name: opts.modelName } : {}) },
    ...(opts.method ? { method: opts.method } : {}),
    graph: { nodes: g.nodeIds.filter((_, n) => nodes[n]).map((id) => ({ id })), edges },
  };
  if (opts.scores && opts.allScores) doc.edgeScores = { order: EDGE_ORDER, values: Array.from(opts.scores, roundScore) };
  return doc;
}

/** Finite JSON numbers (NaN and infinities have no JSON spelling). */
function roundScore(x: number): number {
  if (!Number.isFinite(x)) throw new CircuitGraphError(`edge score ${x} is not a finite number`);
  return x;
}

export class CircuitJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CircuitJsonError';
  }
}

export interface ImportedCircuit {
  name: string;
  graph: ModelGraph;
  mask: Uint8Array;
  /** Scores: from edgeScores when present, else the circuit edges' scores (NaN elsewhere); undefined when none. */
  scores?: Float32Array;
  method?: Record<string, unknown>;
  modelHash: string | null;
}

/**
 * Read a circuit document. `expected` (the loaded model's shape) is checked against the file's
 * model; `source` names the file in errors.
 */
export function importCircuit(doc: unknown, expected?: GraphShape, source = 'circuit JSON'): ImportedCircuit {
  const fail = (field: string, problem: string): never => {
    throw new CircuitJsonError(`${source}: ${field}: ${problem}`);
  };
  if (!isObject(doc)) fail('(document)', `expected a JSON object, got ${describe(doc)}`);
  const d = doc as Record<string, unknown>;
  if (d.format !== CIRCUIT_FORMAT) fail('format', `must be "${CIRCUIT_FORMAT}", got ${describe(d.format)}${typeof d.format === 'string' && d.format.startsWith('circuit-workbench/circuit@') ? ' (a newer schema version? this build reads version 1)' : ''}`);
  if (typeof d.name !== 'string' || d.name.trim() === '') fail('name', `must be a non-empty string, got ${describe(d.name)}`);
  if (d.modelHash !== undefined && d.modelHash !== null && typeof d.modelHash !== 'string') fail('modelHash', `must be a string or null, got ${describe(d.modelHash)}`);
  let shape: GraphShape;
  if (d.model === undefined && expected) {
    shape = expected; // a document from the project store, which keeps the model link instead
  } else {
    if (!isObject(d.model)) fail('model', `must be an object {nLayer, nHead, attnOnly}, got ${describe(d.model)}${expected ? '' : ' (documents without it can only be read against a loaded model)'}`);
    const m = d.model as Record<string, unknown>;
    for (const key of ['nLayer', 'nHead'] as const) if (!Number.isInteger(m[key]) || (m[key] as number) < 1) fail(`model.${key}`, `must be a positive integer, got ${describe(m[key])}`);
    if (typeof m.attnOnly !== 'boolean') fail('model.attnOnly', `must be true or false, got ${describe(m.attnOnly)}`);
    shape = { nLayer: m.nLayer as number, nHead: m.nHead as number, attnOnly: m.attnOnly as boolean };
  }
  if (expected && (expected.nLayer !== shape.nLayer || expected.nHead !== shape.nHead || expected.attnOnly !== shape.attnOnly)) {
    const fmt = (s: GraphShape): string => `${s.nLayer} layers x ${s.nHead} heads${s.attnOnly ? ', attention-only' : ', with MLPs'}`;
    fail('model', `the circuit was made for a model of ${fmt(shape)}; the loaded model has ${fmt(expected)}`);
  }
  if (d.method !== undefined && !isObject(d.method)) fail('method', `must be an object when present, got ${describe(d.method)}`);
  const g = new ModelGraph(shape);
  if (!isObject(d.graph)) fail('graph', `must be an object with "nodes" and "edges" arrays, got ${describe(d.graph)}`);
  const graph = d.graph as Record<string, unknown>;
  if (!Array.isArray(graph.nodes)) fail('graph.nodes', `must be an array, got ${describe(graph.nodes)}`);
  if (!Array.isArray(graph.edges)) fail('graph.edges', `must be an array, got ${describe(graph.edges)}`);
  const listed = new Set<string>();
  (graph.nodes as unknown[]).forEach((n, i) => {
    if (!isObject(n) || typeof (n as { id?: unknown }).id !== 'string') fail(`graph.nodes[${i}]`, `must be an object with a string "id", got ${describe(n)}`);
    const id = (n as { id: string }).id;
    if (g.findNode(id) === undefined) fail(`graph.nodes[${i}].id`, `"${id}" is not a node of a ${g.describeShape()} model (ids: input, a<layer>.h<head>, ${shape.attnOnly ? '' : 'm<layer>, '}logits)`);
    if (listed.has(id)) fail(`graph.nodes[${i}].id`, `"${id}" appears twice`);
    const score = (n as { score?: unknown }).score;
    if (score !== undefined && (typeof score !== 'number' || !Number.isFinite(score))) fail(`graph.nodes[${i}].score`, `must be a finite number, got ${describe(score)}`);
    listed.add(id);
  });
  const mask = new Uint8Array(g.edgeCount);
  let scores: Float32Array | undefined;
  (graph.edges as unknown[]).forEach((raw, i) => {
    const where = `graph.edges[${i}]`;
    if (!isObject(raw)) fail(where, `must be an object {source, target, input?, score?}, got ${describe(raw)}`);
    const e = raw as Record<string, unknown>;
    if (typeof e.source !== 'string') fail(`${where}.source`, `must be a node id string, got ${describe(e.source)}`);
    if (typeof e.target !== 'string') fail(`${where}.target`, `must be a node id string, got ${describe(e.target)}`);
    for (const end of ['source', 'target'] as const) if (!listed.has(e[end] as string)) fail(`${where}.${end}`, `"${e[end] as string}" is not listed in graph.nodes`);
    if (e.input !== undefined && typeof e.input !== 'string') fail(`${where}.input`, `must be "q", "k" or "v", got ${describe(e.input)}`);
    let index = -1;
    try {
      index = g.edgeOf(e.source as string, e.target as string, e.input as string | undefined);
    } catch (err) {
      fail(where, (err as Error).message);
    }
    if (mask[index]) fail(where, `the edge ${g.edgeName(index)} appears twice`);
    mask[index] = 1;
    if (e.score !== undefined) {
      if (typeof e.score !== 'number' || !Number.isFinite(e.score)) fail(`${where}.score`, `must be a finite number, got ${describe(e.score)}`);
      scores ??= new Float32Array(g.edgeCount).fill(Number.NaN);
      scores[index] = e.score as number;
    }
  });
  if (d.edgeScores !== undefined) {
    if (!isObject(d.edgeScores)) fail('edgeScores', `must be an object {order, values}, got ${describe(d.edgeScores)}`);
    const es = d.edgeScores as Record<string, unknown>;
    if (es.order !== EDGE_ORDER) fail('edgeScores.order', `must be "${EDGE_ORDER}", got ${describe(es.order)}`);
    if (!Array.isArray(es.values)) fail('edgeScores.values', `must be an array of numbers, got ${describe(es.values)}`);
    const values = es.values as unknown[];
    if (values.length !== g.edgeCount) fail('edgeScores.values', `has ${values.length} scores; a ${g.describeShape()} model has ${g.edgeCount} edges`);
    const all = new Float32Array(g.edgeCount);
    values.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`edgeScores.values[${i}]`, `must be a finite number, got ${describe(v)} (edge ${g.edgeName(i)})`);
      all[i] = v as number;
    });
    scores = all;
  }
  return { name: d.name as string, graph: g, mask, scores, method: d.method as Record<string, unknown> | undefined, modelHash: (d.modelHash as string | null | undefined) ?? null };
}

function isObject(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function describe(x: unknown): string {
  if (x === undefined) return 'nothing';
  if (Array.isArray(x)) return 'an array';
  if (x === null) return 'null';
  if (typeof x === 'object') return 'an object';
  const s = JSON.stringify(x);
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}
