/** The union of two circuits for drawing their diff: every node and edge tagged only-a, only-b or both. */
import type { CircuitDiffView } from '../../../shared/api/circuitTypes';
import { CircuitDocument } from './document';
import { edgeKey, type Graph } from './graph';
import type { ModelShape } from './modelGraph';

export function diffDocument(a: Graph, b: Graph, shape: ModelShape): CircuitDocument {
  const nodes = new Map([...a.nodes, ...b.nodes].map((n) => [n.id, { id: n.id }]));
  const edges = new Map([...a.edges, ...b.edges].map((e) => [edgeKey(e), { source: e.source, target: e.target, ...(e.input ? { input: e.input } : {}) }]));
  return new CircuitDocument({ nodes: [...nodes.values()], edges: [...edges.values()] }, shape);
}

export function diffClasses(diff: CircuitDiffView): (idOrKey: string) => string | undefined {
  const tag = new Map<string, string>();
  for (const [part, cls] of [['onlyA', 'only-a'], ['onlyB', 'only-b'], ['both', 'both']] as const) {
    for (const id of diff.nodes[part]) tag.set(id, cls);
    for (const key of diff.edges[part]) tag.set(key, cls);
  }
  return (id) => tag.get(id);
}
