/**
 * The layered layout: embeddings at the bottom, logits at the top, one row per layer with the
 * layer's heads side by side (in head order) and its MLP at the right. Pinned nodes keep the
 * position the user gave them.
 */
import type { GraphNode } from './graph';
import { parseNodeId, type ModelShape } from './modelGraph';

export const ROW_GAP = 110;
export const COLUMN_GAP = 90;

export function layeredPosition(id: string, shape: ModelShape): { x: number; y: number } {
  const info = parseNodeId(id, shape);
  const width = shape.nHead * COLUMN_GAP;
  if (!info) return { x: -COLUMN_GAP * 2, y: 0 };
  // Screen y grows downwards: the higher the layer, the smaller y.
  const y = (shape.nLayer - info.layer) * ROW_GAP;
  if (info.kind === 'head') return { x: (info.head ?? 0) * COLUMN_GAP, y };
  if (info.kind === 'mlp') return { x: width + COLUMN_GAP * 0.5, y: y - ROW_GAP * 0.45 };
  return { x: (width - COLUMN_GAP) / 2, y };
}

export function nodePosition(node: GraphNode, layout: Readonly<Record<string, { x: number; y: number }>>, shape: ModelShape): { x: number; y: number } {
  return (node.pinned && layout[node.id]) || layeredPosition(node.id, shape);
}
