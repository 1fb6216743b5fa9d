/**
 * The circuit as cytoscape elements (plain data; no cytoscape import, so it is testable
 * anywhere): nodes placed by the layered layout, groups as compound parents, edges coloured by
 * the sign of their score and as wide as its size. The threshold hides edges whose |score| is
 * below it, and nodes left with no visible edge (the ends stay). Selection, hover and
 * visibility are view state, kept apart from the graph.
 */
import type { CircuitDocument } from './document';
import { edgeKey, type GraphEdge } from './graph';
import { nodePosition } from './layout';
import { EMBED, LOGITS, parseNodeId } from './modelGraph';

export interface ElementDef {
  group: 'nodes' | 'edges';
  data: Record<string, string | number | undefined>;
  position?: { x: number; y: number };
  classes?: string;
}

export const POSITIVE = '#6ea8fe';
export const NEGATIVE = '#f28b82';
export const UNSCORED = '#9aa0ab';
const MIN_WIDTH = 1.5;
const MAX_WIDTH = 9;

/** Largest |score| among the edges (1 when none is scored). */
export function maxAbsScore(edges: readonly GraphEdge[]): number {
  let max = 0;
  for (const e of edges) if (e.score !== undefined) max = Math.max(max, Math.abs(e.score));
  return max > 0 ? max : 1;
}

export function edgeStyle(score: number | undefined, maxAbs: number): { color: string; width: number } {
  if (score === undefined) return { color: UNSCORED, width: 2 };
  return { color: score >= 0 ? POSITIVE : NEGATIVE, width: MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * Math.min(1, Math.abs(score) / maxAbs) };
}

/** Which edges and nodes survive the threshold. */
export function visibleAt(doc: CircuitDocument, threshold: number): { edges: Set<string>; nodes: Set<string> } {
  const edges = new Set<string>();
  const nodes = new Set<string>([EMBED, LOGITS]);
  for (const e of doc.edges) {
    if (threshold > 0 && e.score !== undefined && Math.abs(e.score) < threshold) continue;
    edges.add(edgeKey(e));
    nodes.add(e.source);
    nodes.add(e.target);
  }
  // With no threshold every node shows, connected or not (a node just added has no edges yet).
  if (threshold <= 0) for (const n of doc.nodes) nodes.add(n.id);
  return { edges, nodes };
}

export interface ProjectionOptions {
  threshold: number;
  /** Extra classes per node or edge key (e.g. the diff's only-a / only-b / both). */
  classesOf?: (idOrKey: string) => string | undefined;
}

export function projectElements(doc: CircuitDocument, options: ProjectionOptions): ElementDef[] {
  const { edges: shownEdges, nodes: shownNodes } = visibleAt(doc, options.threshold);
  const maxAbs = maxAbsScore(doc.edges);
  const parentOf = new Map<string, string>();
  const out: ElementDef[] = [];
  for (const g of doc.groups) {
    if (!g.members.some((m) => shownNodes.has(m))) continue;
    out.push({ group: 'nodes', data: { id: `group:${g.id}`, label: g.label ?? g.id, groupId: g.id }, classes: 'group' });
    for (const m of g.members) parentOf.set(m, `group:${g.id}`);
  }
  const annotated = new Set(doc.annotations.map((a) => a.target).filter(Boolean));
  for (const node of doc.nodes) {
    if (!shownNodes.has(node.id)) continue;
    const info = parseNodeId(node.id, doc.shape);
    const classes = [info?.kind ?? 'unknown', node.pinned ? 'pinned' : '', annotated.has(node.id) ? 'annotated' : '', options.classesOf?.(node.id) ?? ''];
    out.push({
      group: 'nodes',
      data: { id: node.id, label: info?.label ?? node.id, parent: parentOf.get(node.id) },
      position: nodePosition(node, doc.layout, doc.shape),
      classes: classes.filter(Boolean).join(' '),
    });
  }
  for (const e of doc.edges) {
    const key = edgeKey(e);
    if (!shownEdges.has(key) || !shownNodes.has(e.source) || !shownNodes.has(e.target)) continue;
    const { color, width } = edgeStyle(e.score, maxAbs);
    const label = [e.input, e.score === undefined ? undefined : e.score.toFixed(3)].filter(Boolean).join(' ');
    out.push({
      group: 'edges',
      data: { id: key, source: e.source, target: e.target, label, color, width, score: e.score },
      classes: options.classesOf?.(key) ?? '',
    });
  }
  return out;
}
