/**
 * The stored form of a circuit graph (framework-free; the editor projects it into cytoscape),
 * its validation, and a structural diff of two versions.
 */
import { InvalidDataError } from '../errors';

export interface CircuitNode {
  id: string;
  score?: number;
  [key: string]: unknown;
}

export interface CircuitEdge {
  source: string;
  target: string;
  /** Which input of the receiver ('q' | 'k' | 'v' for heads); part of the edge's identity. */
  input?: string;
  score?: number;
  [key: string]: unknown;
}

export interface CircuitGraph {
  nodes: CircuitNode[];
  edges: CircuitEdge[];
  layout?: Record<string, { x: number; y: number }>;
  groups?: Array<{ id: string; label?: string; members: string[] }>;
  annotations?: Array<{ id: string; text: string; target?: string }>;
}

export const edgeKey = (e: CircuitEdge): string => `${e.source}->${e.target}${e.input ? `:${e.input}` : ''}`;

export function validateCircuitGraph(graph: unknown, where: string): CircuitGraph {
  const g = graph as CircuitGraph;
  if (!g || typeof g !== 'object' || !Array.isArray(g.nodes) || !Array.isArray(g.edges)) {
    throw new InvalidDataError(`${where}: graph must be an object with "nodes" and "edges" arrays`);
  }
  const ids = new Set<string>();
  g.nodes.forEach((n, i) => {
    if (!n || typeof n.id !== 'string' || !n.id) throw new InvalidDataError(`${where}: nodes[${i}].id must be a non-empty string`);
    if (ids.has(n.id)) throw new InvalidDataError(`${where}: nodes[${i}].id "${n.id}" appears twice`);
    if (n.score !== undefined && !Number.isFinite(n.score)) throw new InvalidDataError(`${where}: nodes[${i}].score must be a finite number`);
    ids.add(n.id);
  });
  const keys = new Set<string>();
  g.edges.forEach((e, i) => {
    if (!e || !ids.has(e.source)) throw new InvalidDataError(`${where}: edges[${i}].source "${e?.source}" is not a node of the graph`);
    if (!ids.has(e.target)) throw new InvalidDataError(`${where}: edges[${i}].target "${e.target}" is not a node of the graph`);
    if (e.score !== undefined && !Number.isFinite(e.score)) throw new InvalidDataError(`${where}: edges[${i}].score must be a finite number`);
    const key = edgeKey(e);
    if (keys.has(key)) throw new InvalidDataError(`${where}: edges[${i}] (${key}) appears twice`);
    keys.add(key);
  });
  return g;
}

export interface CircuitDiff {
  addedNodes: string[];
  removedNodes: string[];
  addedEdges: string[];
  removedEdges: string[];
  /** Edges in both whose score differs: key, score in a, score in b. */
  changedEdgeScores: Array<{ edge: string; a: number | undefined; b: number | undefined }>;
}

/** What changed from graph `a` to graph `b`. */
export function diffCircuitGraphs(a: CircuitGraph, b: CircuitGraph): CircuitDiff {
  const nodesA = new Set(a.nodes.map((n) => n.id));
  const nodesB = new Set(b.nodes.map((n) => n.id));
  const edgesA = new Map(a.edges.map((e) => [edgeKey(e), e]));
  const edgesB = new Map(b.edges.map((e) => [edgeKey(e), e]));
  const changed: CircuitDiff['changedEdgeScores'] = [];
  for (const [k, ea] of edgesA) {
    const eb = edgesB.get(k);
    if (eb && ea.score !== eb.score) changed.push({ edge: k, a: ea.score, b: eb.score });
  }
  return {
    addedNodes: [...nodesB].filter((n) => !nodesA.has(n)),
    removedNodes: [...nodesA].filter((n) => !nodesB.has(n)),
    addedEdges: [...edgesB.keys()].filter((k) => !edgesA.has(k)),
    removedEdges: [...edgesA.keys()].filter((k) => !edgesB.has(k)),
    changedEdgeScores: changed,
  };
}
