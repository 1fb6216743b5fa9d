/**
 * A circuit being edited: the graph and the commands that change it, with undo and redo. Plain
 * TypeScript (the single source of truth; cytoscape only draws it). Every command either
 * changes the graph and records one undo step, or throws an Error saying why it cannot.
 */
import { cloneGraph, edgeKey, normaliseGraph, type Annotation, type Graph, type GraphEdge, type GraphNode, type Group } from './graph';
import { edgeAllowed, parseNodeId, type ModelShape } from './modelGraph';

const MAX_UNDO = 200;

export class CircuitDocument {
  private graph: Required<Graph>;
  private readonly undoStack: Graph[] = [];
  private readonly redoStack: Graph[] = [];
  /** Bumped on every change (a cheap "has it changed" for views and autosave). */
  revision = 0;

  constructor(
    graph: Graph,
    readonly shape: ModelShape,
  ) {
    this.graph = normaliseGraph(cloneGraph(graph));
  }

  get nodes(): readonly GraphNode[] {
    return this.graph.nodes;
  }
  get edges(): readonly GraphEdge[] {
    return this.graph.edges;
  }
  get groups(): readonly Group[] {
    return this.graph.groups;
  }
  get annotations(): readonly Annotation[] {
    return this.graph.annotations;
  }
  get layout(): Readonly<Record<string, { x: number; y: number }>> {
    return this.graph.layout;
  }
  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }
  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  /** The graph to save (a copy). */
  toJSON(): Graph {
    return cloneGraph(this.graph);
  }

  hasNode(id: string): boolean {
    return this.graph.nodes.some((n) => n.id === id);
  }

  node(id: string): GraphNode | undefined {
    return this.graph.nodes.find((n) => n.id === id);
  }

  addNode(id: string): void {
    if (!parseNodeId(id, this.shape)) throw new Error(`"${id}" is not a node of this model.`);
    if (this.hasNode(id)) throw new Error(`${id} is already in the circuit.`);
    this.change((g) => g.nodes.push({ id }));
  }

  /** Remove a node with its edges, its pin, and its place in groups. */
  removeNode(id: string): void {
    if (!this.hasNode(id)) throw new Error(`${id} is not in the circuit.`);
    this.change((g) => {
      g.nodes = g.nodes.filter((n) => n.id !== id);
      g.edges = g.edges.filter((e) => e.source !== id && e.target !== id);
      delete g.layout[id];
      g.groups = g.groups.map((gr) => ({ ...gr, members: gr.members.filter((m) => m !== id) })).filter((gr) => gr.members.length > 0);
      g.annotations = g.annotations.filter((a) => a.target !== id);
    });
  }

  addEdge(source: string, target: string, input?: string, score?: number): void {
    const s = parseNodeId(source, this.shape);
    const t = parseNodeId(target, this.shape);
    if (!s || !this.hasNode(source)) throw new Error(`${source} is not in the circuit; add it first.`);
    if (!t || !this.hasNode(target)) throw new Error(`${target} is not in the circuit; add it first.`);
    const why = edgeAllowed(s, t, input);
    if (why) throw new Error(why);
    const edge: GraphEdge = { source, target, ...(input ? { input } : {}), ...(score === undefined ? {} : { score }) };
    if (this.graph.edges.some((e) => edgeKey(e) === edgeKey(edge))) throw new Error(`The edge ${edgeKey(edge)} is already in the circuit.`);
    this.change((g) => g.edges.push(edge));
  }

  removeEdge(key: string): void {
    if (!this.graph.edges.some((e) => edgeKey(e) === key)) throw new Error(`The edge ${key} is not in the circuit.`);
    this.change((g) => {
      g.edges = g.edges.filter((e) => edgeKey(e) !== key);
    });
  }

  /** Pin a node where it is drawn (the layout keeps it there), or unpin it. */
  setPinned(id: string, position: { x: number; y: number } | null): void {
    if (!this.hasNode(id)) throw new Error(`${id} is not in the circuit.`);
    this.change((g) => {
      const node = g.nodes.find((n) => n.id === id) as GraphNode;
      if (position) {
        node.pinned = true;
        g.layout[id] = { x: Math.round(position.x), y: Math.round(position.y) };
      } else {
        delete node.pinned;
        delete g.layout[id];
      }
    });
  }

  /** Group nodes into a named supernode; a node belongs to at most one group. */
  group(members: readonly string[], label: string): string {
    const unique = [...new Set(members)];
    if (unique.length === 0) throw new Error('Select the nodes to group first.');
    for (const m of unique) if (!this.hasNode(m)) throw new Error(`${m} is not in the circuit.`);
    if (!label.trim()) throw new Error('A group needs a name.');
    const id = this.freshId('group');
    this.change((g) => {
      g.groups = g.groups.map((gr) => ({ ...gr, members: gr.members.filter((m) => !unique.includes(m)) })).filter((gr) => gr.members.length > 0);
      g.groups.push({ id, label: label.trim(), members: unique });
    });
    return id;
  }

  renameGroup(id: string, label: string): void {
    if (!label.trim()) throw new Error('A group needs a name.');
    if (!this.graph.groups.some((g) => g.id === id)) throw new Error(`There is no group ${id}.`);
    this.change((g) => {
      (g.groups.find((gr) => gr.id === id) as Group).label = label.trim();
    });
  }

  ungroup(id: string): void {
    if (!this.graph.groups.some((g) => g.id === id)) throw new Error(`There is no group ${id}.`);
    this.change((g) => {
      g.groups = g.groups.filter((gr) => gr.id !== id);
    });
  }

  groupOf(nodeId: string): Group | undefined {
    return this.graph.groups.find((g) => g.members.includes(nodeId));
  }

  annotate(text: string, target?: string): string {
    if (!text.trim()) throw new Error('An annotation needs some text.');
    if (target !== undefined && !this.hasNode(target)) throw new Error(`${target} is not in the circuit.`);
    const id = this.freshId('note');
    this.change((g) => g.annotations.push({ id, text: text.trim(), ...(target ? { target } : {}) }));
    return id;
  }

  removeAnnotation(id: string): void {
    if (!this.graph.annotations.some((a) => a.id === id)) throw new Error(`There is no annotation ${id}.`);
    this.change((g) => {
      g.annotations = g.annotations.filter((a) => a.id !== id);
    });
  }

  /** Replace the whole graph (a discovered circuit, a loaded version) as one undoable step. */
  replace(graph: Graph): void {
    const next = normaliseGraph(cloneGraph(graph));
    this.change((g) => Object.assign(g, next));
  }

  undo(): boolean {
    const previous = this.undoStack.pop();
    if (!previous) return false;
    this.redoStack.push(cloneGraph(this.graph));
    this.graph = normaliseGraph(previous);
    this.revision++;
    return true;
  }

  redo(): boolean {
    const next = this.redoStack.pop();
    if (!next) return false;
    this.undoStack.push(cloneGraph(this.graph));
    this.graph = normaliseGraph(next);
    this.revision++;
    return true;
  }

  private change(apply: (g: Required<Graph>) => void): void {
    const before = cloneGraph(this.graph);
    const draft = normaliseGraph(cloneGraph(this.graph));
    apply(draft);
    this.graph = draft;
    this.undoStack.push(before);
    if (this.undoStack.length > MAX_UNDO) this.undoStack.shift();
    this.redoStack.length = 0;
    this.revision++;
  }

  private freshId(prefix: string): string {
    const taken = new Set([...this.graph.groups.map((g) => g.id), ...this.graph.annotations.map((a) => a.id)]);
    let i = 1;
    while (taken.has(`${prefix}${i}`)) i++;
    return `${prefix}${i}`;
  }
}
