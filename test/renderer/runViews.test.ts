/**
 * A view for every kind of run: the set of kinds comes from the job registry itself, so a job kind
 * added without a view fails here. The panels' numbers are checked against the stored summaries.
 */
import { describe, expect, it } from 'vitest';
import { workbenchJobRegistry } from '../../src/main/jobs/handlers';
import { MOMENT_RUN_KIND } from '../../src/main/editing/rome/momentCache';
import { paramLines, RUN_VIEWS, runPanels } from '../../src/renderer/src/lib/runViews';
import type { ResultPanel } from '../../src/renderer/src/lib/resultPanels';

const table = (panels: ResultPanel[] | null, id: string) => {
  const p = panels?.find((x) => x.id === id);
  if (!p || p.type !== 'table') throw new Error(`no table ${id} in ${panels?.map((x) => x.id).join(', ')}`);
  return p;
};

describe('run views', () => {
  it('exist for every job kind the workbench registers, and for cached key moments', () => {
    const kinds = [...workbenchJobRegistry().kinds(), MOMENT_RUN_KIND];
    expect(kinds.filter((k) => !RUN_VIEWS[k])).toEqual([]);
    expect(runPanels('no-such-kind', [])).toBeNull();
  });

  it('show parameters as name = value lines, nested objects flattened', () => {
    const lines = paramLines({ datasetId: 3, prompt: 'The Eiffel Tower is in', rome: { steps: 20, lr: 0.5 }, paraphrases: ['a', 'b'], layer: 'auto', neighbourhood: Array.from({ length: 12 }, (_, i) => `p${i}`) });
    expect(lines).toEqual(['prompt = The Eiffel Tower is in', 'rome.steps = 20', 'rome.lr = 0.5000', 'paraphrases = a, b', 'layer = auto', 'neighbourhood = 12 items']);
    expect(lines.join(' ')).not.toContain('[object Object]');
  });

  it('draw a ROME run: metrics, the causal trace as layers x positions, neighbourhood, delta norms', () => {
    const summary = {
      kind: 'edit-rome',
      name: 'Eiffel -> Rome',
      layer: 1,
      tokens: ['The', ' E', 'iff'],
      metrics: { efficacy: true, efficacyScore: true, targetProbBefore: 0.01, targetProbAfter: 0.9, paraphrase: null, specificity: 1, neighbourhood: [{ prompt: 'Paris is in', before: ' France', after: ' France' }] },
      traces: { mlp: { probs: [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], cleanProb: 0.7, corruptedProb: 0.05, subjectPositions: [1, 2] } },
    };
    const panels = runPanels('edit-rome', [{ name: 'edit', summary, deltaNorms: [{ param: 'h.1.mlp.c_proj.weight#0', norm: 2.5 }] }]);
    const metrics = table(panels, 'rome-metrics');
    expect(metrics.rows).toContainEqual(['targetProbAfter', 0.9]);
    expect(metrics.rows).toContainEqual(['efficacy', 'true']);
    expect(metrics.rows).toContainEqual(['paraphrase', '–']);
    const trace = panels?.find((p) => p.id === 'trace-mlp');
    expect(trace?.type).toBe('chart');
    // Row-major [layer][position] in the CSV: L1 at position 2 is 0.6.
    expect(trace?.csv.split('\r\n')).toContain('L1,2:iff,0.6');
    expect(table(panels, 'rome-neighbourhood').rows).toEqual([['Paris is in', ' France', ' France', 'unchanged']]);
    expect(table(panels, 'edit-deltas').rows).toEqual([['h.1.mlp.c_proj.weight#0', 2.5]]);
  });

  it('draw an evaluation: scores, knock-out sets and minimality as stored', () => {
    const summary = {
      kind: 'circuit-eval',
      circuit: 'IOI',
      prompts: 8,
      faithfulness: { circuit: 2, full: 4, empty: 0, ratio: 0.5 },
      completeness: { random: [{ nodes: ['a0.h1'], circuit: 1, full: 3, score: 2 }], classes: [], greedy: [], worst: 2 },
      minimality: [{ node: 'a0.h1', drop: 0.5, relative: 0.25 }],
      scores: { faithfulness: 0.5, completeness: 2, minimality: 0.25 },
    };
    const panels = runPanels('circuit-eval', [{ name: 'circuit-eval', summary }]);
    expect(table(panels, 'eval-scores').rows).toEqual(expect.arrayContaining([['faithfulness', 0.5], ['completeness', 2], ['minimality', 0.25], ['faithfulness.ratio', 0.5]]));
    expect(table(panels, 'eval-completeness').rows).toEqual([['random 1', 'L0H1', 1, 3, 2]]);
    expect(table(panels, 'eval-minimality').rows).toEqual([['L0H1', 0.5, 0.25]]);
  });

  it('draw a discovery run as its graph with scores plus its numbers', () => {
    const graph = { nodes: [{ id: 'input' }, { id: 'a0.h1' }, { id: 'logits' }], edges: [{ source: 'input', target: 'a0.h1', input: 'v', score: 0.1 }, { source: 'a0.h1', target: 'logits', score: -0.7 }] };
    const panels = runPanels('circuit.acdc', [{ name: 'acdc', summary: { method: { name: 'acdc', tau: 0.02 }, prompts: 8, kept: 2, faithfulness: { ratio: 0.9 }, circuit: { graph } } }]);
    const g = panels?.find((p) => p.type === 'graph');
    expect(g?.type === 'graph' && g.graph.edges).toHaveLength(2);
    // Edges by |score|, largest first.
    expect(table(panels, 'graph-edges').rows).toEqual([['L0H1 → Logits', -0.7], ['Embeddings → L0H1.v', 0.1]]);
    expect(table(panels, 'acdc-numbers').rows).toEqual(expect.arrayContaining([['method.tau', 0.02], ['kept', 2], ['faithfulness.ratio', 0.9]]));
  });
});
