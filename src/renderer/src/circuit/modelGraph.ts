/**
 * The nodes a model's circuit graph can have (plain TS, no framework): the embeddings, every
 * attention head, every MLP and the logits, each with the layer it sits in, and the inputs an
 * edge may enter (heads have q, k and v). Ids are those of the circuits service
 * (src/main/circuits/graph.ts): 'input', 'a{l}.h{h}', 'm{l}', 'logits'; labels are L0H1 style.
 */

export type NodeKind = 'embed' | 'head' | 'mlp' | 'logits';

export interface ModelShape {
  nLayer: number;
  nHead: number;
  attnOnly: boolean;
}

export interface NodeInfo {
  id: string;
  kind: NodeKind;
  /** -1 for the embeddings, nLayer for the logits. */
  layer: number;
  head?: number;
  label: string;
}

export const EMBED = 'input';
export const LOGITS = 'logits';
export const HEAD_INPUTS = ['q', 'k', 'v'] as const;

export const headId = (layer: number, head: number): string => `a${layer}.h${head}`;
export const mlpId = (layer: number): string => `m${layer}`;

/** What a node id means, or null for an id this naming does not produce. */
export function parseNodeId(id: string, shape?: ModelShape): NodeInfo | null {
  if (id === EMBED) return { id, kind: 'embed', layer: -1, label: 'Embeddings' };
  if (id === LOGITS) return { id, kind: 'logits', layer: shape ? shape.nLayer : Number.POSITIVE_INFINITY, label: 'Logits' };
  let m = /^a(\d+)\.h(\d+)$/.exec(id);
  if (m) {
    const layer = Number(m[1]);
    const head = Number(m[2]);
    if (shape && (layer >= shape.nLayer || head >= shape.nHead)) return null;
    return { id, kind: 'head', layer, head, label: `L${layer}H${head}` };
  }
  m = /^m(\d+)$/.exec(id);
  if (m) {
    const layer = Number(m[1]);
    if (shape && (layer >= shape.nLayer || shape.attnOnly)) return null;
    return { id, kind: 'mlp', layer, label: `MLP${layer}` };
  }
  return null;
}

/** Every node of the model, from the embeddings up to the logits. */
export function allNodes(shape: ModelShape): NodeInfo[] {
  const nodes: NodeInfo[] = [parseNodeId(EMBED)!];
  for (let l = 0; l < shape.nLayer; l++) {
    for (let h = 0; h < shape.nHead; h++) nodes.push(parseNodeId(headId(l, h))!);
    if (!shape.attnOnly) nodes.push(parseNodeId(mlpId(l))!);
  }
  nodes.push({ ...parseNodeId(LOGITS)!, layer: shape.nLayer });
  return nodes;
}

/**
 * Whether an edge source -> target is possible: information flows upwards only (a head reads
 * the residual stream before its layer; an MLP reads after its layer's attention), and only
 * heads take an input name.
 */
export function edgeAllowed(source: NodeInfo, target: NodeInfo, input?: string): string | null {
  if (source.kind === 'logits') return 'The logits send nothing onwards.';
  if (target.kind === 'embed') return 'Nothing feeds the embeddings.';
  if (target.kind === 'head') {
    if (!input || !(HEAD_INPUTS as readonly string[]).includes(input)) return `An edge into head ${target.label} needs its input: q, k or v.`;
  } else if (input) return `Only heads have q/k/v inputs; ${target.label} has one input.`;
  const ok = target.kind === 'mlp' ? source.layer <= target.layer && !(source.kind === 'mlp' && source.layer === target.layer) : source.layer < target.layer;
  if (!ok) return `${source.label} is not upstream of ${target.label}.`;
  return null;
}

/** A node as people read it (L0H1, MLP2, Embeddings, Logits); unknown ids stay as they are. */
export function nodeLabel(id: string): string {
  return parseNodeId(id)?.label ?? id;
}

/** An edge key "source->target[:input]" as people read it: "Embeddings → L0H1.v". */
export function edgeLabel(key: string): string {
  const [source, rest = ''] = key.split('->');
  const [target, input] = rest.split(':');
  return `${nodeLabel(source)} → ${nodeLabel(target)}${input ? `.${input}` : ''}`;
}

/** The node id of a name as people write it (L0H1, MLP2, Embeddings, Logits; case and spaces ignored), or null. */
export function nodeIdOfLabel(label: string, shape?: ModelShape): string | null {
  const text = label.replace(/\s+/g, '').toLowerCase();
  if (text === 'embeddings' || text === 'embed') return EMBED;
  if (text === 'logits') return LOGITS;
  const head = /^l(\d+)h(\d+)$/.exec(text);
  const mlp = /^mlp(\d+)$/.exec(text);
  const id = head ? headId(Number(head[1]), Number(head[2])) : mlp ? mlpId(Number(mlp[1])) : null;
  return id && parseNodeId(id, shape) ? id : null;
}
