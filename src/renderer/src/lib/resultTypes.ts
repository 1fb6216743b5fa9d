/**
 * The analysis results as the renderer reads them (the fields the views use of the objects
 * src/main/analysis returns; they arrive as JSON in a run's result summary).
 */

export interface LogitLensView {
  kind: 'logit-lens';
  side: string;
  convention: string;
  stages: string[];
  perPrompt: number[][];
  mean: number[];
}

export interface DlaView {
  kind: 'dla';
  side: string;
  components: string[];
  mean: number[];
  heads: { shape: [number, number]; values: number[] };
  byPosition: { length: number; positions: string[]; shape: [number, number, number]; values: number[]; prompts: number }[];
}

export interface PatchView {
  kind: 'patch';
  target: string;
  direction: string;
  metric: string;
  axes: string[];
  shape: number[];
  labels: Record<string, string[]>;
  values: number[];
  hookPoint: string;
}

export interface AttentionView {
  kind: 'attention';
  tokens: string[];
  shape: [number, number, number, number];
  values: number[];
  prompt?: string;
}

export interface CorrelationView {
  kind: 'correlation';
  layer: number;
  head: number;
  y: 'logit' | 'attention';
  points: { row: number; answer: 'correct' | 'incorrect'; projection: number; y: number }[];
  pearson: { correct: number; incorrect: number; all: number };
}

export interface CopyScoresView {
  kind: 'copy-scores';
  k: number;
  shape: [number, number];
  copying: number[];
  negative: number[];
  antonym?: number[];
  chance: number;
}

export interface NeuroscopeView {
  kind: 'neuroscope';
  layer: number;
  neuron: number;
  max: number;
  top: { prompt: number; position: number; activation: number; tokens: string[]; activations: number[] }[];
}

export type ResultView = LogitLensView | DlaView | PatchView | AttentionView | CorrelationView | CopyScoresView | NeuroscopeView;

const KINDS = new Set(['logit-lens', 'dla', 'patch', 'attention', 'correlation', 'copy-scores', 'neuroscope']);

export function asResultView(summary: unknown): ResultView | null {
  if (typeof summary !== 'object' || summary === null) return null;
  const kind = (summary as { kind?: unknown }).kind;
  return typeof kind === 'string' && KINDS.has(kind) ? (summary as ResultView) : null;
}
