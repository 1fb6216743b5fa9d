/** The editor's circuit graph: the stored form (see src/shared/api/circuitTypes) plus helpers. */
import type { CircuitAnnotationView, CircuitEdgeView, CircuitGraphView, CircuitGroupView, CircuitNodeView } from '../../../shared/api/circuitTypes';

export type Graph = CircuitGraphView;
export type GraphNode = CircuitNodeView & { pinned?: boolean };
export type GraphEdge = CircuitEdgeView;
export type Group = CircuitGroupView;
export type Annotation = CircuitAnnotationView;

export const edgeKey = (e: Pick<GraphEdge, 'source' | 'target' | 'input'>): string => `${e.source}->${e.target}${e.input ? `:${e.input}` : ''}`;

export const emptyGraph = (): Graph => ({ nodes: [], edges: [], layout: {}, groups: [], annotations: [] });

/** A deep copy (graphs are plain JSON). */
export const cloneGraph = (g: Graph): Graph => JSON.parse(JSON.stringify(g)) as Graph;

/** Fill in the optional collections so editing code need not check for them. */
export function normaliseGraph(g: Graph): Required<Graph> {
  return { nodes: g.nodes, edges: g.edges, layout: g.layout ?? {}, groups: g.groups ?? [], annotations: g.annotations ?? [] };
}
