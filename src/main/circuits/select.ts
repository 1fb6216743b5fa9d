/**
 * From edge scores to circuits: top-n or threshold selection, and pruning of nodes that no
 * longer connect the input to the logits (an edge out of a node that receives nothing, or into a
 * node whose output reaches nothing, cannot matter).
 */
import { NODE_KIND, type ModelGraph } from './graph';

/** Nodes reachable from the input over present edges, and nodes that reach the logits. */
export function reachability(g: ModelGraph, mask: Uint8Array): { fromInput: Uint8Array; toLogits: Uint8Array } {
  const fromInput = new Uint8Array(g.nodeCount);
  fromInput[0] = 1;
  // Slots are in forward order and a slot's senders all precede it, so one pass suffices.
  for (let r = 0; r < g.slotCount; r++) {
    const node = g.slotNode[r];
    if (fromInput[node]) continue;
    const start = g.slotEdgeStart[r];
    for (let s = 0; s < g.slotSenderCount[r]; s++) {
      if (mask[start + s] && fromInput[s]) {
        fromInput[node] = 1;
        break;
      }
    }
  }
  const toLogits = new Uint8Array(g.nodeCount);
  toLogits[g.logitsNode] = 1;
  // Every receiver of a node's output comes later in slot order than the node's own slots.
  for (let r = g.slotCount - 1; r >= 0; r--) {
    if (!toLogits[g.slotNode[r]]) continue;
    const start = g.slotEdgeStart[r];
    for (let s = 0; s < g.slotSenderCount[r]; s++) if (mask[start + s]) toLogits[s] = 1;
  }
  return { fromInput, toLogits };
}

/** Drop every edge whose sender or receiver no longer lies on an input -> logits path. Returns a new mask. */
export function pruneMask(g: ModelGraph, mask: Uint8Array): Uint8Array {
  const { fromInput, toLogits } = reachability(g, mask);
  const out = new Uint8Array(mask.length);
  for (let e = 0; e < g.edgeCount; e++) {
    if (!mask[e]) continue;
    const s = g.edgeSender[e];
    const t = g.slotNode[g.edgeSlot[e]];
    if (fromInput[s] && toLogits[s] && fromInput[t] && toLogits[t]) out[e] = 1;
  }
  return out;
}

/** Nodes with at least one present edge (the logits and input included when connected). */
export function nodesOfMask(g: ModelGraph, mask: Uint8Array): Uint8Array {
  const nodes = new Uint8Array(g.nodeCount);
  for (let e = 0; e < g.edgeCount; e++) {
    if (!mask[e]) continue;
    nodes[g.edgeSender[e]] = 1;
    nodes[g.slotNode[g.edgeSlot[e]]] = 1;
  }
  return nodes;
}

/** Edge indices by decreasing |score| (or score when `abs` is false); ties by edge index. */
export function rankEdges(scores: Float32Array | Float64Array, abs = true): Int32Array {
  const key = (e: number): number => (abs ? Math.abs(scores[e]) : scores[e]);
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => key(b) - key(a) || a - b);
  return Int32Array.from(order);
}

export interface SelectOptions {
  /** Keep the n highest-scoring edges. */
  topN?: number;
  /** Keep edges whose |score| (or score) is at least this. */
  threshold?: number;
  /** Rank by absolute score (default true): an edge that hurts the metric matters as much as one that helps. */
  abs?: boolean;
  /** Prune nodes that no longer connect input and logits (default true). */
  prune?: boolean;
}

/** A circuit from edge scores, by top-n or threshold, then pruned. */
export function selectEdges(g: ModelGraph, scores: Float32Array | Float64Array, opts: SelectOptions): Uint8Array {
  if (scores.length !== g.edgeCount) throw new Error(`got ${scores.length} scores for a graph of ${g.edgeCount} edges`);
  if ((opts.topN === undefined) === (opts.threshold === undefined)) throw new Error('choose a circuit by exactly one of topN and threshold');
  const abs = opts.abs ?? true;
  const mask = new Uint8Array(g.edgeCount);
  if (opts.topN !== undefined) {
    if (!Number.isInteger(opts.topN) || opts.topN < 0) throw new Error(`topN must be a non-negative integer, got ${opts.topN}`);
    const order = rankEdges(scores, abs);
    for (let i = 0; i < Math.min(opts.topN, order.length); i++) mask[order[i]] = 1;
  } else {
    const t = opts.threshold as number;
    if (!Number.isFinite(t)) throw new Error(`threshold must be a finite number, got ${t}`);
    for (let e = 0; e < g.edgeCount; e++) if ((abs ? Math.abs(scores[e]) : scores[e]) >= t) mask[e] = 1;
  }
  return opts.prune === false ? mask : pruneMask(g, mask);
}

/** Mask with every edge out of the given nodes removed (knock-out of nodes). */
export function knockOutNodes(g: ModelGraph, mask: Uint8Array, nodes: Iterable<number>): Uint8Array {
  const out = mask.slice();
  const dead = new Uint8Array(g.nodeCount);
  for (const n of nodes) dead[n] = 1;
  for (let e = 0; e < g.edgeCount; e++) if (dead[g.edgeSender[e]]) out[e] = 0;
  return out;
}

/** Nodes other than the input and logits that carry at least one present edge. */
export function innerNodes(g: ModelGraph, mask: Uint8Array): number[] {
  const nodes = nodesOfMask(g, mask);
  const out: number[] = [];
  for (let n = 0; n < g.nodeCount; n++) if (nodes[n] && g.nodeKind[n] !== NODE_KIND.input && g.nodeKind[n] !== NODE_KIND.logits) out.push(n);
  return out;
}
