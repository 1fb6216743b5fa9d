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

export interface CircuitEvaluationOutcome {
  run: RunEntry;
  faithfulness: number | null;
  completeness: number | null;
  minimality: number | null;
  summary: Record<string, unknown>;
}
