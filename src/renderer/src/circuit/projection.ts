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
  /** False for label-only elements (notes) that must not be picked or moved. */
  interactive?: boolean;
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
  /** Supernodes shown as one node: their members hide and their edges attach to the supernode. */
  collapsed?: ReadonlySet<string>;
}

/** The canvas id of a supernode. */
export const groupElementId = (groupId: string): string => `group:${groupId}`;

const NOTE_CHARS = 40;
/** Up to this many edges on screen, each edge is labelled with its score. */
export const LABELLED_EDGES = 16;
const shortNote = (text: string): string => (text.length > NOTE_CHARS ? `${text.slice(0, NOTE_CHARS - 1)}…` : text);

export function projectElements(doc: CircuitDocument, options: ProjectionOptions): ElementDef[] {
  const { edges: shownEdges, nodes: shownNodes } = visibleAt(doc, options.threshold);
  const maxAbs = maxAbsScore(doc.edges);
  const parentOf = new Map<string, string>();
  /** Members of a collapsed supernode -> the supernode's canvas id. */
  const standIn = new Map<string, string>();
  const out: ElementDef[] = [];
  const notes = new Map<string, string[]>();
  for (const a of doc.annotations) if (a.target) notes.set(a.target, [...(notes.get(a.target) ?? []), shortNote(a.text)]);
  for (const g of doc.groups) {
    const members = g.members.filter((m) => shownNodes.has(m));
    if (members.length === 0) continue;
    const id = groupElementId(g.id);
    const label = g.label ?? g.id;
    if (options.collapsed?.has(g.id)) {
      // One node at the members' mean position, labelled with the supernode's name and size.
      const at = members.map((m) => nodePosition(doc.nodes.find((n) => n.id === m)!, doc.layout, doc.shape));
      const position = { x: at.reduce((s, p) => s + p.x, 0) / at.length, y: at.reduce((s, p) => s + p.y, 0) / at.length };
      out.push({ group: 'nodes', data: { id, label: `${label} (${members.length})`, groupId: g.id }, position, classes: 'group collapsed' });
      for (const m of g.members) standIn.set(m, id);
    } else {
      out.push({ group: 'nodes', data: { id, label, groupId: g.id }, classes: 'group' });
      for (const m of g.members) parentOf.set(m, id);
    }
  }
  for (const node of doc.nodes) {
    if (!shownNodes.has(node.id) || standIn.has(node.id)) continue;
    const info = parseNodeId(node.id, doc.shape);
    const note = notes.get(node.id);
    const classes = [info?.kind ?? 'unknown', node.pinned ? 'pinned' : '', note ? 'annotated' : '', options.classesOf?.(node.id) ?? ''];
    out.push({
      group: 'nodes',
      data: { id: node.id, label: info?.label ?? node.id, parent: parentOf.get(node.id) },
      position: nodePosition(node, doc.layout, doc.shape),
      classes: classes.filter(Boolean).join(' '),
    });
    if (note) {
      // The note's text on the canvas, just under its node (a label-only node that takes no events).
      const at = nodePosition(node, doc.layout, doc.shape);
      out.push({ group: 'nodes', data: { id: `note:${node.id}`, label: `✎ ${note.join('\n✎ ')}` }, position: { x: at.x, y: at.y + 24 }, classes: 'note', interactive: false });
    }
  }
  const merged = new Map<string, ElementDef>();
  for (const e of doc.edges) {
    const key = edgeKey(e);
    if (!shownEdges.has(key) || !shownNodes.has(e.source) || !shownNodes.has(e.target)) continue;
    const source = standIn.get(e.source) ?? e.source;
    const target = standIn.get(e.target) ?? e.target;
    if (source !== e.source || target !== e.target) {
      // An edge into or out of a collapsed supernode: one edge per pair of ends, as wide as the widest.
      if (source === target) continue;
      const id = `${source}->${target}`;
      const { color, width } = edgeStyle(e.score, maxAbs);
      const prior = merged.get(id);
      const count = (Number(prior?.data.count) || 0) + 1;
      merged.set(id, { group: 'edges', data: { id, source, target, label: count === 1 ? '1 edge' : `${count} edges`, color: prior?.data.color && prior.data.color !== color ? UNSCORED : color, width: Math.max(width, Number(prior?.data.width) || 0), count }, classes: 'merged' });
      continue;
    }
    const { color, width } = edgeStyle(e.score, maxAbs);
    const detail = [e.input, e.score === undefined ? undefined : e.score.toFixed(3)].filter(Boolean).join(' ');
    // Past a few edges the score labels would hide the graph: the input letter stays, the score shows when selected.
    const label = shownEdges.size > LABELLED_EDGES ? (e.input ?? '') : detail;
    out.push({
      group: 'edges',
      data: { id: key, source: e.source, target: e.target, label, detail, color, width, score: e.score },
      classes: options.classesOf?.(key) ?? '',
    });
  }
  return [...out, ...merged.values()];
}
