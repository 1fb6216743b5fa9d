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
  topTokens?: LensTopTokensView;
}

export interface DlaView {
  kind: 'dla';
  side: string;
  components: string[];
  mean: number[];
  heads: { shape: [number, number]; values: number[] };
  byPosition: { length: number; positions: string[]; shape: [number, number, number]; values: number[]; prompts: number }[];
  /** One per byPosition table: the template group it covers. */
  panels?: { key: string; template: string; length: number; rows: number[]; positions: string[] }[];
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
  /** By position on one template group: the template whose named positions label the columns. */
  template?: string;
  /** Prompts the values average over. */
  prompts?: number;
  /** AtP* results: `values` hold the estimates; this holds the verified cells, the bound and the cost. */
  method?: 'atp*';
  attribution?: AttributionView;
}

/** AtP*'s report beside its estimates (src/main/analysis/attribution/atpStar.ts). */
export interface AttributionView {
  qkFix: boolean;
  gradDrop: boolean;
  verified: { cell: number; node: string; estimate: number; exact: number; estimateNormalised: number; exactNormalised: number }[];
  bound: { skippedMaxScore: number; observedError: number; effect: number; normalised: number; skipped: number };
  forwardEquivalents: { estimation: number; verification: number; total: number; exactAll: number; convention: string };
  description: string;
}

/** Patching by position on a dataset that mixes templates: one panel per template group. */
export interface PatchGroupsView {
  kind: 'patch-groups';
  target: string;
  direction: string;
  metric: string;
  prompts: number;
  panels: { key: string; template: string; length: number; rows: number[]; positions: string[]; result: PatchView }[];
}

/** The logit lens's top tokens for one prompt: top[stage][position] = k tokens. */
export interface LensTopTokensView {
  k: number;
  stages: string[];
  tokens: string[];
  top: { token: string; id: number; prob: number }[][][];
  item?: number;
  prompt?: string;
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
  /** What the OV circuits read: 'embed' (token embeddings) or 'mlp0' (the residual after MLP0). */
  input?: string;
  /** The outline's reference: the scores of every head's OV matrix averaged into one. */
  averageHead?: { copying: number; negative: number; antonym?: number };
}

export interface NeuroscopeView {
  kind: 'neuroscope';
  layer: number;
  neuron: number;
  max: number;
  top: { prompt: number; position: number; activation: number; tokens: string[]; activations: number[] }[];
}

export type ResultView = LogitLensView | DlaView | PatchView | PatchGroupsView | AttentionView | CorrelationView | CopyScoresView | NeuroscopeView;

const KINDS = new Set(['logit-lens', 'dla', 'patch', 'patch-groups', 'attention', 'correlation', 'copy-scores', 'neuroscope']);

export function asResultView(summary: unknown): ResultView | null {
  if (typeof summary !== 'object' || summary === null) return null;
  const kind = (summary as { kind?: unknown }).kind;
  return typeof kind === 'string' && KINDS.has(kind) ? (summary as ResultView) : null;
}
