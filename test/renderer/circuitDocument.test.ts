/** The editor's circuit document: commands, their refusals, undo/redo, and what gets saved. */
import { describe, expect, it } from 'vitest';
import { CircuitDocument } from '../../src/renderer/src/circuit/document';
import { allNodes, edgeAllowed, parseNodeId } from '../../src/renderer/src/circuit/modelGraph';

const shape = { nLayer: 2, nHead: 3, attnOnly: false };
const fresh = (): CircuitDocument => new CircuitDocument({ nodes: [], edges: [] }, shape);

function threeNodes(): CircuitDocument {
  const doc = fresh();
  for (const id of ['input', 'a0.h1', 'logits']) doc.addNode(id);
  doc.addEdge('input', 'a0.h1', 'v');
  doc.addEdge('a0.h1', 'logits', undefined, 0.7);
  return doc;
}

describe('model nodes', () => {
  it('lists the embeddings, every head, every MLP and the logits, bottom to top', () => {
    const ids = allNodes(shape).map((n) => n.id);
    expect(ids).toEqual(['input', 'a0.h0', 'a0.h1', 'a0.h2', 'm0', 'a1.h0', 'a1.h1', 'a1.h2', 'm1', 'logits']);
    expect(allNodes({ ...shape, attnOnly: true }).some((n) => n.kind === 'mlp')).toBe(false);
    expect(parseNodeId('a2.h0', shape)).toBeNull();
    expect(parseNodeId('a1.h2', shape)).toMatchObject({ kind: 'head', layer: 1, head: 2, label: 'L1H2' });
  });

  it('allows edges only upwards, with q/k/v exactly for head receivers', () => {
    const n = (id: string) => parseNodeId(id, shape)!;
    expect(edgeAllowed(n('input'), n('a0.h0'), 'q')).toBeNull();
    expect(edgeAllowed(n('a0.h0'), n('m0'))).toBeNull();
    expect(edgeAllowed(n('m0'), n('a1.h0'), 'k')).toBeNull();
    expect(edgeAllowed(n('a0.h0'), n('a0.h1'), 'q')).toBe('L0H0 is not upstream of L0H1.');
    expect(edgeAllowed(n('m0'), n('m0'))).toBe('MLP0 is not upstream of MLP0.');
    expect(edgeAllowed(n('input'), n('a0.h0'))).toBe('An edge into head L0H0 needs its input: q, k or v.');
    expect(edgeAllowed(n('input'), n('logits'), 'q')).toBe('Only heads have q/k/v inputs; Logits has one input.');
    expect(edgeAllowed(n('logits'), n('m1'))).toBe('The logits send nothing onwards.');
  });
});

describe('CircuitDocument', () => {
  it('builds a three-node circuit and saves it in the store form', () => {
    const doc = threeNodes();
    expect(doc.toJSON()).toEqual({
      nodes: [{ id: 'input' }, { id: 'a0.h1' }, { id: 'logits' }],
      edges: [
        { source: 'input', target: 'a0.h1', input: 'v' },
        { source: 'a0.h1', target: 'logits', score: 0.7 },
      ],
      layout: {},
      groups: [],
      annotations: [],
    });
  });

  it('refuses bad commands with a reason and leaves the graph as it was', () => {
    const doc = threeNodes();
    const before = doc.toJSON();
    expect(() => doc.addNode('a0.h1')).toThrow('a0.h1 is already in the circuit.');
    expect(() => doc.addNode('a9.h9')).toThrow('"a9.h9" is not a node of this model.');
    expect(() => doc.addEdge('input', 'a1.h0', 'q')).toThrow('a1.h0 is not in the circuit; add it first.');
    expect(() => doc.addEdge('input', 'a0.h1', 'v')).toThrow('The edge input->a0.h1:v is already in the circuit.');
    expect(() => doc.group([], 'x')).toThrow('Select the nodes to group first.');
    expect(doc.toJSON()).toEqual(before);
    expect(doc.canRedo).toBe(false);
  });

  it('removes a node with its edges, pin, group membership and notes', () => {
    const doc = threeNodes();
    doc.setPinned('a0.h1', { x: 10.4, y: 20.6 });
    doc.group(['a0.h1'], 'movers');
    doc.annotate('copies the name', 'a0.h1');
    doc.removeNode('a0.h1');
    const g = doc.toJSON();
    expect(g.edges).toEqual([]);
    expect(g.layout).toEqual({});
    expect(g.groups).toEqual([]);
    expect(g.annotations).toEqual([]);
  });

  it('pins a node at a rounded position and unpins it', () => {
    const doc = threeNodes();
    doc.setPinned('a0.h1', { x: 10.4, y: 20.6 });
    expect(doc.node('a0.h1')?.pinned).toBe(true);
    expect(doc.layout['a0.h1']).toEqual({ x: 10, y: 21 });
    doc.setPinned('a0.h1', null);
    expect(doc.node('a0.h1')?.pinned).toBeUndefined();
    expect(doc.layout['a0.h1']).toBeUndefined();
  });

  it('groups nodes into a named supernode (one group per node) and renames it', () => {
    const doc = threeNodes();
    doc.addNode('a0.h2');
    const first = doc.group(['a0.h1', 'a0.h2'], ' name movers ');
    expect(doc.groups).toEqual([{ id: first, label: 'name movers', members: ['a0.h1', 'a0.h2'] }]);
    const second = doc.group(['a0.h2'], 'backup');
    expect(doc.groupOf('a0.h2')?.id).toBe(second);
    expect(doc.groupOf('a0.h1')?.id).toBe(first);
    doc.renameGroup(first, 'negative name movers');
    expect(doc.groups[0].label).toBe('negative name movers');
    expect(() => doc.renameGroup(first, '  ')).toThrow('A group needs a name.');
  });

  it('undoes and redoes each command, and a new command clears the redo history', () => {
    const doc = fresh();
    const states: string[] = [JSON.stringify(doc.toJSON())];
    doc.addNode('input');
    states.push(JSON.stringify(doc.toJSON()));
    doc.addNode('a0.h0');
    states.push(JSON.stringify(doc.toJSON()));
    doc.addEdge('input', 'a0.h0', 'k');
    states.push(JSON.stringify(doc.toJSON()));
    for (let i = states.length - 2; i >= 0; i--) {
      expect(doc.undo()).toBe(true);
      expect(JSON.stringify(doc.toJSON())).toBe(states[i]);
    }
    expect(doc.undo()).toBe(false);
    expect(doc.redo()).toBe(true);
    expect(JSON.stringify(doc.toJSON())).toBe(states[1]);
    doc.addNode('logits');
    expect(doc.canRedo).toBe(false);
  });

  it('replaces the whole graph as one undoable step', () => {
    const doc = threeNodes();
    const hand = JSON.stringify(doc.toJSON());
    doc.replace({ nodes: [{ id: 'input' }, { id: 'logits' }], edges: [{ source: 'input', target: 'logits', score: 2 }] });
    expect(doc.edges).toEqual([{ source: 'input', target: 'logits', score: 2 }]);
    doc.undo();
    expect(JSON.stringify(doc.toJSON())).toBe(hand);
  });

  it('changes the revision on every change, not on refusals', () => {
    const doc = threeNodes();
    const r = doc.revision;
    expect(() => doc.addNode('input')).toThrow();
    expect(doc.revision).toBe(r);
    doc.annotate('hello');
    expect(doc.revision).toBe(r + 1);
  });
});
