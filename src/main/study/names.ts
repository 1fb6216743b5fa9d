/**
 * Circuit node and edge names as a person reads them (Embeddings, L2H3, MLP2, Logits, L2H3.q),
 * from the circuits service's ids ('input', 'a2.h3', 'm2', 'logits'; edges 'a0.h1->a2.h3:q'),
 * through the one parser of those ids (src/renderer/src/circuit/modelGraph.ts, plain TS).
 */
import { parseNodeId } from '../../renderer/src/circuit/modelGraph';

export function nodeLabel(id: string): string {
  return parseNodeId(id)?.label ?? id;
}

export function edgeLabel(name: string): string {
  const m = /^(.+?)->(.+?)(?::([qkv]))?$/.exec(name);
  if (!m) return name;
  return `${nodeLabel(m[1])} -> ${nodeLabel(m[2])}${m[3] ? `.${m[3]}` : ''}`;
}
