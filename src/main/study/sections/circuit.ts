/**
 * The circuit (outline step 6): found by ACDC (threshold tau on the logit difference) and by
 * EAP-IG (top-N edges, N = the ACDC circuit's size so the two compare at equal size), each scored
 * for faithfulness F(C)/F(M), completeness (worst |F(C\K) - F(M\K)| over random, per-layer and
 * greedy knock-out sets) and minimality (the drop when one node is also knocked out).
 */
import { completeness, minimality, overlap, type Completeness, type Faithfulness, type MinimalityEntry } from '../../circuits/evaluation';
import { EdgeRunner } from '../../circuits/intervene';
import { acdcCircuit, attributionCircuit } from '../../circuits/service';
import { idOf, mean, section, type SectionRunner } from '../context';
import { edgeLabel, nodeLabel } from '../names';
import type { StudyTable } from '../types';

interface Scored {
  method: string;
  edges: string[];
  faithfulness: Faithfulness;
  completeness: Completeness;
  minimality: MinimalityEntry[];
}

export const circuitSection: SectionRunner = async (ctx) => {
  const { model } = ctx.session;
  const p = ctx.params;
  const settings = { metric: 'logit-diff' as const, ablation: 'corrupted' as const };
  const acdc = await acdcCircuit(model, ctx.batch, { ...settings, tau: p.acdcTau, maxBatch: p.acdcMaxBatch, startFrom: p.acdcStartTopN > 0 ? { topN: p.acdcStartTopN, steps: p.eapIgSteps } : undefined, signal: ctx.signal, name: `ACDC tau=${p.acdcTau}` });
  const topN = Math.max(1, acdc.edges);
  const eap = await attributionCircuit(model, ctx.batch, { ...settings, steps: p.eapIgSteps, topN, signal: ctx.signal, name: `EAP-IG top ${topN}` });
  const eapMask = eap.selection!.mask;
  const runner = await EdgeRunner.create(model, ctx.batch, settings);
  const scored: Scored[] = [];
  try {
    const edgeNames = (mask: Uint8Array): string[] => Array.from(mask).flatMap((on, e) => (on ? [edgeLabel(runner.graph.edgeName(e))] : []));
    for (const [method, mask, faith] of [['ACDC', acdc.mask, acdc.faithfulness], ['EAP-IG', eapMask, eap.selection!.faithfulness]] as const) {
      const opts = { signal: ctx.signal, samples: p.completenessSamples, seed: p.completenessSeed, greedySteps: p.completenessGreedySteps };
      scored.push({ method, edges: edgeNames(mask), faithfulness: faith, completeness: await completeness(runner, mask, opts), minimality: await minimality(runner, mask, { signal: ctx.signal }) });
    }
  } finally {
    runner.dispose();
  }
  const agreement = overlap(eapMask, acdc.mask, eap.scores);
  const nodes = [...new Set(scored.flatMap((s) => s.minimality.map((m) => m.node)))];
  // A node outside one method's circuit has no minimality there: drawn as 0.
  const minOf = (s: Scored, node: string): number => s.minimality.find((m) => m.node === node)?.relative ?? 0;
  const tables: StudyTable[] = [
    {
      id: idOf(ctx, 'circuit-metrics'),
      title: `Circuits and their scores (${ctx.label})`,
      columns: ['method', 'edges', 'of edges', 'F(C)', 'F(M)', 'F(empty)', 'faithfulness F(C)/F(M)', 'normalised faithfulness', 'completeness (worst)', 'minimality (mean relative drop)', 'minimality (smallest relative drop)'],
      rows: scored.map((s) => [s.method, s.faithfulness.edges, acdc.totalEdges, s.faithfulness.circuit, s.faithfulness.full, s.faithfulness.empty, s.faithfulness.ratio, s.faithfulness.normalized, s.completeness.worst, mean(s.minimality.map((m) => m.relative)), s.minimality.length ? Math.min(...s.minimality.map((m) => m.relative)) : null]),
    },
    {
      id: idOf(ctx, 'circuit-edges'),
      title: `Edges of each circuit (${ctx.label})`,
      columns: ['method', 'edge'],
      rows: scored.flatMap((s) => s.edges.map((e) => [s.method, e])),
    },
    {
      id: idOf(ctx, 'circuit-minimality'),
      title: `Minimality per node: |F(C\\{v}) - F(C)| and relative to |F(C)| (${ctx.label})`,
      columns: ['method', 'node', 'drop', 'relative drop'],
      rows: scored.flatMap((s) => s.minimality.map((m) => [s.method, nodeLabel(m.node), m.drop, m.relative])),
    },
    {
      id: idOf(ctx, 'circuit-agreement'),
      title: `EAP-IG against ACDC as reference (${ctx.label})`,
      columns: ['precision', 'recall', 'ROC AUC of EAP-IG scores'],
      rows: [[agreement.precision, agreement.recall, agreement.rocAuc ?? null]],
    },
  ];
  return section(
    ctx,
    'circuit',
    `ACDC with tau ${p.acdcTau}${p.acdcStartTopN > 0 ? `, started from the top ${p.acdcStartTopN} EAP-IG edges,` : ''} kept ${acdc.edges} of ${acdc.totalEdges} edges (${acdc.forwardRuns} batched runs); EAP-IG with ${p.eapIgSteps} steps, top ${topN} edges. Ablation: the corrupted run; metric: logit difference. Completeness: ${p.completenessSamples} random sets (seed ${p.completenessSeed}), one set per layer, ${p.completenessGreedySteps} greedy steps.`,
    [
      { id: idOf(ctx, 'circuit-faithfulness'), title: `Faithfulness and completeness (${ctx.label})`, kind: 'bar', x: scored.map((s) => s.method), xName: 'method', yName: 'score', series: [{ name: 'faithfulness F(C)/F(M)', values: scored.map((s) => s.faithfulness.ratio) }, { name: 'completeness (worst)', values: scored.map((s) => s.completeness.worst) }] },
      { id: idOf(ctx, 'circuit-minimality'), title: `Minimality: relative drop per node (${ctx.label})`, kind: 'bar', x: nodes.map(nodeLabel), xName: 'node', yName: 'relative drop', series: scored.map((s) => ({ name: s.method, values: nodes.map((n) => minOf(s, n)) })) },
    ],
    tables,
  );
};
