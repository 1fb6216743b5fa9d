/** The cytoscape projection of a circuit: layered positions, groups, edge styles, the threshold. */
import { describe, expect, it } from 'vitest';
import { CircuitDocument } from '../../src/renderer/src/circuit/document';
import { diffClasses, diffDocument } from '../../src/renderer/src/circuit/diffGraph';
import { COLUMN_GAP, layeredPosition, ROW_GAP } from '../../src/renderer/src/circuit/layout';
import { edgeStyle, groupElementId, NEGATIVE, POSITIVE, projectElements, UNSCORED, visibleAt } from '../../src/renderer/src/circuit/projection';

const shape = { nLayer: 2, nHead: 4, attnOnly: false };

function scored(): CircuitDocument {
  return new CircuitDocument(
    {
      nodes: [{ id: 'input' }, { id: 'a0.h0' }, { id: 'a1.h3' }, { id: 'm1' }, { id: 'logits' }],
      edges: [
        { source: 'input', target: 'a0.h0', input: 'q', score: 0.05 },
        { source: 'a0.h0', target: 'a1.h3', input: 'k', score: -2 },
        { source: 'a1.h3', target: 'logits', score: 1 },
        { source: 'm1', target: 'logits', score: 0.01 },
      ],
      groups: [{ id: 'g1', label: 'induction', members: ['a0.h0', 'a1.h3'] }],
    },
    shape,
  );
}

describe('layered layout', () => {
  it('puts the embeddings at the bottom, the logits at the top, and heads in order along each layer', () => {
    const y = (id: string) => layeredPosition(id, shape).y;
    expect(y('input')).toBeGreaterThan(y('a0.h0'));
    expect(y('a0.h0')).toBeGreaterThan(y('a1.h0'));
    expect(y('a1.h0')).toBeGreaterThan(y('logits'));
    expect(y('a0.h0') - y('a1.h2')).toBe(ROW_GAP);
    expect(layeredPosition('a1.h2', shape).x - layeredPosition('a1.h1', shape).x).toBe(COLUMN_GAP);
    expect(layeredPosition('m0', shape).x).toBeGreaterThan(layeredPosition('a0.h3', shape).x);
  });
});

describe('projection', () => {
  it('colours edges by sign and sizes them by |score| relative to the largest', () => {
    expect(edgeStyle(undefined, 2)).toEqual({ color: UNSCORED, width: 2 });
    expect(edgeStyle(2, 2)).toEqual({ color: POSITIVE, width: 9 });
    expect(edgeStyle(-1, 2)).toEqual({ color: NEGATIVE, width: 1.5 + 7.5 * 0.5 });
  });

  it('draws groups as compound parents and keeps pinned positions', () => {
    const doc = scored();
    doc.setPinned('m1', { x: 500, y: -40 });
    const els = projectElements(doc, { threshold: 0 });
    const group = els.find((e) => e.data.id === 'group:g1');
    expect(group?.data.label).toBe('induction');
    expect(els.find((e) => e.data.id === 'a1.h3')?.data.parent).toBe('group:g1');
    expect(els.find((e) => e.data.id === 'm1')).toMatchObject({ position: { x: 500, y: -40 }, classes: expect.stringContaining('pinned') });
    expect(els.filter((e) => e.group === 'edges')).toHaveLength(4);
  });

  it('hides edges under the threshold and nodes left without edges, keeping both ends', () => {
    const doc = scored();
    const at = visibleAt(doc, 0.5);
    expect([...at.edges].sort()).toEqual(['a0.h0->a1.h3:k', 'a1.h3->logits']);
    expect([...at.nodes].sort()).toEqual(['a0.h0', 'a1.h3', 'input', 'logits']);
    const els = projectElements(doc, { threshold: 0.5 });
    expect(els.some((e) => e.data.id === 'm1')).toBe(false);
    // The graph itself is untouched: visibility is view state.
    expect(doc.edges).toHaveLength(4);
  });

  it('tags the union of two circuits as only-a, only-b or both', () => {
    const a = { nodes: [{ id: 'input' }, { id: 'a0.h0' }, { id: 'logits' }], edges: [{ source: 'input', target: 'a0.h0', input: 'v' }, { source: 'a0.h0', target: 'logits' }] };
    const b = { nodes: [{ id: 'input' }, { id: 'a1.h1' }, { id: 'logits' }], edges: [{ source: 'input', target: 'a1.h1', input: 'q' }, { source: 'a1.h1', target: 'logits' }] };
    const diff = {
      a: { circuitId: 1, name: 'A', version: 1 },
      b: { circuitId: 2, name: 'B', version: 1 },
      nodes: { onlyA: ['a0.h0'], onlyB: ['a1.h1'], both: ['input', 'logits'] },
      edges: { onlyA: ['input->a0.h0:v', 'a0.h0->logits'], onlyB: ['input->a1.h1:q', 'a1.h1->logits'], both: [] },
    };
    const els = projectElements(diffDocument(a, b, shape), { threshold: 0, classesOf: diffClasses(diff) });
    const cls = (id: string) => els.find((e) => e.data.id === id)?.classes ?? '';
    expect(els.filter((e) => e.group === 'nodes')).toHaveLength(4);
    expect(cls('a0.h0')).toContain('only-a');
    expect(cls('a1.h1')).toContain('only-b');
    expect(cls('input')).toContain('both');
    expect(cls('input->a1.h1:q')).toBe('only-b');
  });

  it('collapses a supernode into one node whose edges join its members to the rest, and expands it again', () => {
    const doc = scored();
    const els = projectElements(doc, { threshold: 0, collapsed: new Set(['g1']) });
    const ids = els.map((e) => e.data.id);
    const g = groupElementId('g1');
    expect(ids).not.toContain('a0.h0');
    expect(ids).not.toContain('a1.h3');
    expect(els.find((e) => e.data.id === g)).toMatchObject({ classes: 'group collapsed', data: { label: 'induction (2)' } });
    // input -> a0.h0 becomes input -> group; a1.h3 -> logits becomes group -> logits; the inner edge a0.h0 -> a1.h3 goes.
    const edges = els.filter((e) => e.group === 'edges').map((e) => `${e.data.source}->${e.data.target}`).sort();
    expect(edges).toEqual(['input->group:g1', 'group:g1->logits', 'm1->logits'].sort());
    // Expanded: the members are back inside the compound parent, with all four edges.
    const open = projectElements(doc, { threshold: 0, collapsed: new Set() });
    expect(open.find((e) => e.data.id === 'a0.h0')?.data.parent).toBe(g);
    expect(open.filter((e) => e.group === 'edges')).toHaveLength(4);
  });

  it('shows a node\'s annotation under it on the canvas, as a label that takes no clicks', () => {
    const doc = scored();
    doc.annotate('copies the subject', 'a1.h3');
    const note = projectElements(doc, { threshold: 0 }).find((e) => e.data.id === 'note:a1.h3');
    expect(note?.data.label).toBe('✎ copies the subject');
    expect(note?.interactive).toBe(false);
  });
});
