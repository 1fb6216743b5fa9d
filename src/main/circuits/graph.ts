/**
 * The circuit graph of a model: nodes are the input embeddings, every attention head, every MLP
 * and the logits; an edge runs from each upstream node's output to each downstream node's input,
 * heads having three inputs (q, k, v). Everything is indexed with typed arrays so a GPT-2 small
 * graph (32,491 edges) costs a few hundred kilobytes and no object per edge.
 *
 * Order (the "canonical order", part of the JSON schema):
 * - nodes: input, then per layer l: a{l}.h0 .. a{l}.h{H-1}, m{l} (absent in attention-only
 *   models), then logits. A sender is any node but the logits; its sender index is its node index.
 * - slots (receiver inputs): per layer l, per head h: q, k, v (slot 3*(l*H+h) + which); then m{l};
 *   finally the logits. Heads of layer l come before m{l}, as in the forward pass.
 * - edges: grouped by slot in slot order; within a slot, by sender in node order. The senders of
 *   any slot are a prefix of the node order, so edge(sender, slot) = slotEdgeStart[slot] + sender.
 */
import type { ModelConfig } from '../engine/config';

export type NodeKind = 'input' | 'head' | 'mlp' | 'logits';
export type InputKind = 'q' | 'k' | 'v' | 'in';

export const NODE_KIND = { input: 0, head: 1, mlp: 2, logits: 3 } as const;
export const INPUT_KIND = { q: 0, k: 1, v: 2, in: 3 } as const;
const INPUT_NAMES: readonly InputKind[] = ['q', 'k', 'v', 'in'];
const KIND_NAMES: readonly NodeKind[] = ['input', 'head', 'mlp', 'logits'];

/** The shape of the model a graph belongs to: all a circuit file needs to be checked against a model. */
export interface GraphShape {
  nLayer: number;
  nHead: number;
  attnOnly: boolean;
}

export function graphShapeOf(c: Pick<ModelConfig, 'nLayer' | 'nHead' | 'attnOnly'>): GraphShape {
  return { nLayer: c.nLayer, nHead: c.nHead, attnOnly: c.attnOnly };
}

export class CircuitGraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CircuitGraphError';
  }
}

export class ModelGraph {
  readonly shape: GraphShape;
  /** Node ids in canonical order ('input', 'a0.h0', 'm0', 'logits'). */
  readonly nodeIds: string[];
  readonly nodeKind: Uint8Array;
  /** Layer of each node (-1 for input, nLayer for logits). */
  readonly nodeLayer: Int32Array;
  /** Head index of head nodes (-1 otherwise). */
  readonly nodeHead: Int32Array;
  readonly nodeCount: number;
  /** Senders are nodes 0..senderCount-1 (every node but the logits). */
  readonly senderCount: number;
  readonly logitsNode: number;

  readonly slotNode: Int32Array;
  readonly slotInput: Uint8Array;
  /** How many senders (a prefix of the node order) feed each slot. */
  readonly slotSenderCount: Int32Array;
  /** First edge of each slot; slotEdgeStart[slotCount] = edgeCount. */
  readonly slotEdgeStart: Int32Array;
  readonly slotCount: number;

  readonly edgeSender: Int32Array;
  readonly edgeSlot: Int32Array;
  readonly edgeCount: number;

  private readonly nodeIndex = new Map<string, number>();

  constructor(shape: GraphShape) {
    const { nLayer: L, nHead: H, attnOnly } = shape;
    if (!Number.isInteger(L) || L < 1 || !Number.isInteger(H) || H < 1) throw new CircuitGraphError(`a graph needs at least one layer and one head, got ${L} layers x ${H} heads`);
    this.shape = { nLayer: L, nHead: H, attnOnly };
    const perLayer = H + (attnOnly ? 0 : 1);
    this.nodeCount = 2 + L * perLayer;
    this.senderCount = this.nodeCount - 1;
    this.logitsNode = this.nodeCount - 1;
    this.nodeIds = [];
    this.nodeKind = new Uint8Array(this.nodeCount);
    this.nodeLayer = new Int32Array(this.nodeCount);
    this.nodeHead = new Int32Array(this.nodeCount).fill(-1);
    const addNode = (id: string, kind: NodeKind, layer: number, head = -1): void => {
      const i = this.nodeIds.length;
      this.nodeIds.push(id);
      this.nodeKind[i] = NODE_KIND[kind];
      this.nodeLayer[i] = layer;
      this.nodeHead[i] = head;
      this.nodeIndex.set(id, i);
    };
    addNode('input', 'input', -1);
    for (let l = 0; l < L; l++) {
      for (let h = 0; h < H; h++) addNode(`a${l}.h${h}`, 'head', l, h);
      if (!attnOnly) addNode(`m${l}`, 'mlp', l);
    }
    addNode('logits', 'logits', L);

    this.slotCount = L * (3 * H + (attnOnly ? 0 : 1)) + 1;
    this.slotNode = new Int32Array(this.slotCount);
    this.slotInput = new Uint8Array(this.slotCount);
    this.slotSenderCount = new Int32Array(this.slotCount);
    let s = 0;
    for (let l = 0; l < L; l++) {
      const headsBefore = 1 + l * perLayer; // input + every node of earlier layers
      for (let h = 0; h < H; h++) {
        for (let which = 0; which < 3; which++) {
          this.slotNode[s] = this.headNode(l, h);
          this.slotInput[s] = which;
          this.slotSenderCount[s] = headsBefore;
          s++;
        }
      }
      if (!attnOnly) {
        this.slotNode[s] = this.mlpNode(l);
        this.slotInput[s] = INPUT_KIND.in;
        this.slotSenderCount[s] = headsBefore + H; // the heads of its own layer feed it too
        s++;
      }
    }
    this.slotNode[s] = this.logitsNode;
    this.slotInput[s] = INPUT_KIND.in;
    this.slotSenderCount[s] = this.senderCount;

    this.slotEdgeStart = new Int32Array(this.slotCount + 1);
    for (let r = 0; r < this.slotCount; r++) this.slotEdgeStart[r + 1] = this.slotEdgeStart[r] + this.slotSenderCount[r];
    this.edgeCount = this.slotEdgeStart[this.slotCount];
    this.edgeSender = new Int32Array(this.edgeCount);
    this.edgeSlot = new Int32Array(this.edgeCount);
    for (let r = 0; r < this.slotCount; r++) {
      for (let k = 0; k < this.slotSenderCount[r]; k++) {
        const e = this.slotEdgeStart[r] + k;
        this.edgeSender[e] = k;
        this.edgeSlot[e] = r;
      }
    }
  }

  static forConfig(c: Pick<ModelConfig, 'nLayer' | 'nHead' | 'attnOnly'>): ModelGraph {
    return new ModelGraph(graphShapeOf(c));
  }

  headNode(layer: number, head: number): number {
    return 1 + layer * (this.shape.nHead + (this.shape.attnOnly ? 0 : 1)) + head;
  }

  mlpNode(layer: number): number {
    if (this.shape.attnOnly) throw new CircuitGraphError('the model is attention-only: it has no MLP nodes');
    return 1 + layer * (this.shape.nHead + 1) + this.shape.nHead;
  }

  /** Slot of head (l, h)'s q/k/v input. */
  headSlot(layer: number, head: number, input: 'q' | 'k' | 'v'): number {
    return 3 * (layer * this.shape.nHead + head) + (layer * (this.shape.attnOnly ? 0 : 1)) + INPUT_KIND[input];
  }

  mlpSlot(layer: number): number {
    if (this.shape.attnOnly) throw new CircuitGraphError('the model is attention-only: it has no MLP inputs');
    return (layer + 1) * 3 * this.shape.nHead + layer;
  }

  get logitsSlot(): number {
    return this.slotCount - 1;
  }

  /** First slot of layer l (its heads' q/k/v, then its MLP). */
  layerSlotStart(layer: number): number {
    return layer * (3 * this.shape.nHead + (this.shape.attnOnly ? 0 : 1));
  }

  kindOf(node: number): NodeKind {
    return KIND_NAMES[this.nodeKind[node]];
  }

  inputName(slot: number): InputKind {
    return INPUT_NAMES[this.slotInput[slot]];
  }

  /** Node index of an id, or undefined. */
  findNode(id: string): number | undefined {
    return this.nodeIndex.get(id);
  }

  node(id: string): number {
    const i = this.nodeIndex.get(id);
    if (i === undefined) throw new CircuitGraphError(`no node "${id}" in this graph (${this.describeShape()}; ids look like input, a0.h0, ${this.shape.attnOnly ? '' : 'm0, '}logits)`);
    return i;
  }

  /** Slots of a node: heads have q, k, v; MLPs and the logits one; the input none. */
  slotsOf(node: number): number[] {
    switch (this.nodeKind[node]) {
      case NODE_KIND.head: {
        const l = this.nodeLayer[node];
        const h = this.nodeHead[node];
        return [this.headSlot(l, h, 'q'), this.headSlot(l, h, 'k'), this.headSlot(l, h, 'v')];
      }
      case NODE_KIND.mlp:
        return [this.mlpSlot(this.nodeLayer[node])];
      case NODE_KIND.logits:
        return [this.logitsSlot];
      default:
        return [];
    }
  }

  /** The edge from `sender` into `slot`, or -1 when the sender is not upstream of the slot. */
  edgeIndex(sender: number, slot: number): number {
    if (slot < 0 || slot >= this.slotCount || sender < 0 || sender >= this.slotSenderCount[slot]) return -1;
    return this.slotEdgeStart[slot] + sender;
  }

  /** 'a0.h1->a1.h0:k' style name of an edge (the store's edgeKey spelling). */
  edgeName(e: number): string {
    const slot = this.edgeSlot[e];
    const input = this.slotInput[slot];
    return `${this.nodeIds[this.edgeSender[e]]}->${this.nodeIds[this.slotNode[slot]]}${input === INPUT_KIND.in ? '' : `:${INPUT_NAMES[input]}`}`;
  }

  /** Parse 'a0.h1->a1.h0:k' (the input suffix only for heads). */
  edgeByName(name: string): number {
    const m = /^([^>]+)->([^:]+)(?::([qkv]))?$/.exec(name);
    if (!m) throw new CircuitGraphError(`"${name}" is not an edge name (expected e.g. "a0.h1->a1.h0:k" or "m0->logits")`);
    return this.edgeOf(m[1], m[2], m[3] as 'q' | 'k' | 'v' | undefined);
  }

  /** The edge source -> target (input q/k/v for heads), with an error naming what is wrong. */
  edgeOf(source: string, target: string, input?: string): number {
    const s = this.node(source);
    const t = this.node(target);
    if (s === this.logitsNode) throw new CircuitGraphError(`edge ${source}->${target}: the logits have no outgoing edges`);
    let slot: number;
    if (this.nodeKind[t] === NODE_KIND.head) {
      if (input !== 'q' && input !== 'k' && input !== 'v') throw new CircuitGraphError(`edge ${source}->${target}: a head's input must be "q", "k" or "v", got ${JSON.stringify(input)}`);
      slot = this.headSlot(this.nodeLayer[t], this.nodeHead[t], input);
    } else if (this.nodeKind[t] === NODE_KIND.input) {
      throw new CircuitGraphError(`edge ${source}->${target}: the input embeddings have no incoming edges`);
    } else {
      if (input !== undefined && input !== 'in') throw new CircuitGraphError(`edge ${source}->${target}: only heads have q/k/v inputs, got input ${JSON.stringify(input)}`);
      slot = this.slotsOf(t)[0];
    }
    const e = this.edgeIndex(s, slot);
    if (e < 0) throw new CircuitGraphError(`edge ${source}->${target}: ${source} is not upstream of ${target} (a sender must be in an earlier layer, or a head feeding the MLP of its own layer)`);
    return e;
  }

  describeShape(): string {
    return `${this.shape.nLayer} layers x ${this.shape.nHead} heads${this.shape.attnOnly ? ', attention-only' : ''}`;
  }

  /** A mask with every edge present (1) or absent (0). */
  fullMask(present = true): Uint8Array {
    return new Uint8Array(this.edgeCount).fill(present ? 1 : 0);
  }

  /** Sender groups in forward order: the input (1 node), each layer's heads (H nodes), each MLP (1 node). */
  senderGroups(): SenderGroup[] {
    const groups: SenderGroup[] = [{ kind: 'input', layer: -1, first: 0, size: 1 }];
    for (let l = 0; l < this.shape.nLayer; l++) {
      groups.push({ kind: 'heads', layer: l, first: this.headNode(l, 0), size: this.shape.nHead });
      if (!this.shape.attnOnly) groups.push({ kind: 'mlp', layer: l, first: this.mlpNode(l), size: 1 });
    }
    return groups;
  }
}

/** Senders produced at one point of the forward pass, contiguous in node order. */
export interface SenderGroup {
  kind: 'input' | 'heads' | 'mlp';
  layer: number;
  first: number;
  size: number;
}

export function countEdges(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  return n;
}
