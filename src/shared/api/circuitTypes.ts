/** Circuit graphs as the API carries them (the store's stored form; see src/main/store/SCHEMA.md). */
import type { CircuitEntry, RunEntry } from './projectTypes';

export interface CircuitNodeView {
  id: string;
  score?: number;
  [key: string]: unknown;
}

export interface CircuitEdgeView {
  source: string;
  target: string;
  /** 'q' | 'k' | 'v' for head receivers. */
  input?: string;
  score?: number;
  [key: string]: unknown;
}

export interface CircuitGroupView {
  id: string;
  label?: string;
  members: string[];
}

export interface CircuitAnnotationView {
  id: string;
  text: string;
  target?: string;
}

export interface CircuitGraphView {
  nodes: CircuitNodeView[];
  edges: CircuitEdgeView[];
  layout?: Record<string, { x: number; y: number }>;
  groups?: CircuitGroupView[];
  annotations?: CircuitAnnotationView[];
}

export interface CircuitVersionMetaView {
  version: number;
  parentVersion: number | null;
  message: string | null;
  createdAt: string;
}

export interface CircuitDetail {
  circuit: CircuitEntry;
  version: number;
  graph: CircuitGraphView;
  versions: CircuitVersionMetaView[];
}

export interface CircuitDiffView {
  a: { circuitId: number; name: string; version: number };
  b: { circuitId: number; name: string; version: number };
  nodes: { onlyA: string[]; onlyB: string[]; both: string[] };
  /** Edge keys "source->target[:input]". */
  edges: { onlyA: string[]; onlyB: string[]; both: string[] };
}

export interface CircuitDiscoveryOutcome {
  run: RunEntry;
  graph: CircuitGraphView;
  summary: Record<string, unknown>;
  /** Where the found circuit was saved, when the call asked for it (saveTo). */
  saved?: { circuit: CircuitEntry; version: number };
}

/**
 * An evaluation's numbers with their references (definitions: src/shared/metrics/definitions.ts):
 * F(C), F(M), F(∅) in the metric's unit; faithfulness F(C)/F(M) and (F(C)-F(∅))/(F(M)-F(∅));
 * completeness max |F(C\K) - F(M\K)| in the metric's unit; minimality min drop / |F(C)|.
 */
export interface EvaluationReferenceView {
  metric: 'logit-diff' | 'kl';
  ablation: 'corrupted' | 'mean' | 'zero';
  /** Prompts the metric is averaged over. */
  n: number;
  dataset: { id?: number; name?: string };
  fCircuit: number;
  fFull: number;
  fEmpty: number;
  faithfulness: number;
  faithfulnessNormalised: number;
  completeness: number;
  /** Knock-out sets completeness took the worst of (random, per layer, greedy). */
  knockOutSets: number;
  minimality: number | null;
  /** The node whose removal drops the metric least (the minimality value). */
  minimalityNode: string | null;
  edges: number;
  nodes: number;
}

export interface CircuitEvaluationOutcome {
  run: RunEntry;
  /** Null for runs made before evaluations kept their references. */
  reference: EvaluationReferenceView | null;
  faithfulness: number | null;
  completeness: number | null;
  minimality: number | null;
  summary: Record<string, unknown>;
}
