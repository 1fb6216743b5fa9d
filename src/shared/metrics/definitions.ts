/**
 * What every number the workbench shows means: one entry per metric, with a one-line definition,
 * its formula, its unit, the reference values it is relative to, and the ablation it assumes.
 * Main and renderer both read this table (tooltips, info popovers, legends, reports). Ids follow
 * the code: metric names (METRIC_NAMES), evaluation score keys, `copy-score.<key>` for the copy
 * score tables, `edge-score.<method>` for discovery methods, `rome.<key>` for ROME's metrics.
 * test/shared/metricDefinitions.test.ts derives the list of metrics from the computing code and
 * fails on any metric without an entry here.
 */
import type { AnalysisKind, DiscoveryMethod } from '../api/analysisKinds';
import type { EvaluationReferenceView } from '../api/circuitTypes';

export interface MetricDefinition {
  /** Short name as a person reads it. */
  label: string;
  /** One line: what the number says. */
  definition: string;
  /** The formula in plain text (F(C) is the metric of circuit C, etc.). */
  formula: string;
  /** The unit the number is in. */
  unit: string;
  /** The reference values the number is relative to (what 0 and 1 mean, what is compared). */
  relativeTo: string;
  /** The ablation the number assumes, where one is involved. */
  ablation?: string;
  /** Whether a larger value is better, where that is meaningful. */
  better?: 'higher' | 'lower' | 'closer to 1';
}

const TASK_METRIC = 'the task metric (logit difference by default, or KL to the clean run)';
const EDGE_ABLATION = 'a removed edge feeds its receiver the sender\'s corrupted output (mean or zero where the run says so)';

export const METRIC_DEFINITIONS = {
  'logit-diff': {
    label: 'Logit difference',
    definition: 'How much more the model prefers the correct answer than the incorrect one at the final position, averaged over the prompts.',
    formula: 'mean over prompts of logit(correct) - logit(incorrect)',
    unit: 'logits',
    relativeTo: '0 = no preference; compare the clean and the corrupted run',
    better: 'higher',
  },
  kl: {
    label: 'KL to the clean run',
    definition: 'How far the next-token distribution moved away from the clean run\'s, averaged over the prompts.',
    formula: 'mean over prompts of KL(p_clean || p_run) at the final position',
    unit: 'nats',
    relativeTo: '0 = the clean run\'s distribution',
    better: 'lower',
  },
  'normalised-patching-effect': {
    label: 'Patching effect (normalised)',
    definition: 'The task metric after patching one activation, placed on the scale from the corrupted run to the clean run.',
    formula: '(F(patched) - F(corrupted)) / (F(clean) - F(corrupted))',
    unit: 'fraction of the clean-corrupted gap',
    relativeTo: '0 = the corrupted run, 1 = the clean run (baseline values in the result)',
    ablation: 'denoise: clean activation patched into the corrupted run; noise: corrupted activation patched into the clean run',
  },
  'atp-estimate': {
    label: 'AtP* estimate (normalised)',
    definition: 'Attribution patching\'s first-order estimate of the patching effect (QK fix for q/k), placed on the same scale as exact patching.',
    formula: '(F(base) + (a_source - a_base) . dF/da - F(corrupted)) / (F(clean) - F(corrupted)); q/k: (A\' - A) . dF/dA with A\' the exact patched softmax',
    unit: 'fraction of the clean-corrupted gap',
    relativeTo: '0 = the corrupted run, 1 = the clean run; verified cells show the exact value beside it',
    ablation: 'as exact patching: denoise patches clean into corrupted, noise corrupted into clean',
  },
  'atp-bound': {
    label: 'Bound on a skipped cell',
    definition: 'The largest change a cell AtP* did not verify could make, if its estimate errs no more than the verified ones did (a heuristic, not a guarantee).',
    formula: 'max over skipped cells of max(|estimate|, GradDrop magnitude) + max over verified cells of |exact - estimate|',
    unit: 'fraction of the clean-corrupted gap',
    relativeTo: 'the clean-corrupted gap |F(clean) - F(corrupted)|',
  },
  'forward-equivalents': {
    label: 'Forward-equivalents',
    definition: 'Compute spent, counted in forward passes of every prompt through the whole model.',
    formula: '1 per full forward; a backward = 2; a run over part of the blocks = its fraction of them; the QK fix = 1',
    unit: 'forward passes over the dataset',
    relativeTo: 'exact patching of every cell, counted the same way',
    better: 'lower',
  },
  'logit-lens': {
    label: 'Logit lens',
    definition: 'The logit difference read from the accumulated residual stream after each layer, as if the model stopped there.',
    formula: '(LN_final(resid_stage) . (U[correct] - U[incorrect])) + unembedding bias difference',
    unit: 'logits',
    relativeTo: 'the last stage equals the model\'s own logit difference',
    better: 'higher',
  },
  'logit-lens-top-k': {
    label: 'Logit lens top tokens',
    definition: 'The tokens the accumulated residual at a layer and position would predict, with their probabilities.',
    formula: 'top-k of softmax(LN_final(resid_stage[position]) W_U + b_U)',
    unit: 'probability (0 to 1)',
    relativeTo: 'the last stage equals the model\'s own prediction',
  },
  'direct-logit-attribution': {
    label: 'Direct logit attribution',
    definition: 'The part of the final logit difference a component writes directly into the residual stream.',
    formula: 'component output . (U[correct] - U[incorrect]) * ln_final.w / (final LayerNorm scale of the real run)',
    unit: 'logits',
    relativeTo: 'the components sum to the model\'s logit difference',
    better: 'higher',
  },
  'dla-by-position': {
    label: 'DLA by source position',
    definition: 'A head\'s direct logit attribution split over the source positions it attends to from the final position.',
    formula: 'pattern[END, s] * (v_s W_O^h) . e, summed over s gives the head\'s DLA',
    unit: 'logits',
    relativeTo: 'the positions of one head sum to its direct logit attribution',
  },
  'attention-probability': {
    label: 'Attention',
    definition: 'How much a head at a destination position attends to a source position.',
    formula: 'softmax over sources of q_dest . k_src / sqrt(d_head)',
    unit: 'probability (0 to 1, each row sums to 1)',
    relativeTo: '1 / (destination position + 1) = uniform attention',
  },
  'correlation-pearson': {
    label: 'Pearson r',
    definition: 'How linearly a head\'s output projection on an answer token follows that token\'s logit or the head\'s attention to it.',
    formula: 'cov(x, y) / (sd(x) sd(y)) with x = head output at END . U[token]',
    unit: 'unitless (-1 to 1)',
    relativeTo: '0 = no linear relation',
  },
  'copy-score.copying': {
    label: 'Copy score',
    definition: 'Fraction of candidate tokens that a head\'s OV circuit maps to themselves among its top k logits.',
    formula: 'fraction of tokens t with t in top-k of (LN(x_t) W_V^h W_O^h) W_U; x_t = W_E[t] (input embed) or W_E[t] + MLP0(LN2(W_E[t])) (input mlp0, attention ignored)',
    unit: 'fraction of candidate tokens',
    relativeTo: 'chance = k / vocabulary size; the average head is the baseline',
    better: 'higher',
  },
  'copy-score.negative': {
    label: 'Negative copy score',
    definition: 'Fraction of candidate tokens that a head\'s OV circuit pushes to the bottom k logits (suppresses).',
    formula: 'fraction of tokens t with t in bottom-k of (LN(x_t) W_V^h W_O^h) W_U; x_t as for the copy score',
    unit: 'fraction of candidate tokens',
    relativeTo: 'chance = k / vocabulary size; the average head is the baseline',
  },
  'copy-score.antonym': {
    label: 'Antonym score',
    definition: 'Fraction of antonym pairs (both directions) whose partner lands in the top k logits of a head\'s OV circuit.',
    formula: 'fraction of (a, b) with b in top-k of (LN(x_a) W_V^h W_O^h) W_U, counted both ways; x_a as for the copy score',
    unit: 'fraction of antonym pairs',
    relativeTo: 'chance = k / vocabulary size; the average head (all OV matrices averaged) is the baseline',
  },
  'neuron-activation': {
    label: 'Neuron activation',
    definition: 'An MLP neuron\'s output after its nonlinearity at one position.',
    formula: 'blocks.L.mlp.hook_post[position, neuron]',
    unit: 'activation (post-GELU)',
    relativeTo: 'the maximum and mean over every position of the dataset',
  },
  'edge-score.acdc': {
    label: 'ACDC edge score',
    definition: 'The change in the task metric measured when ACDC tried removing the edge from the graph it had at that moment.',
    formula: 'F(current graph without the edge) - F(current graph)',
    unit: `units of ${TASK_METRIC}`,
    relativeTo: 'edges with |score| < tau were removed; negative = removing it hurt the logit difference',
    ablation: EDGE_ABLATION,
  },
  'edge-score.eap': {
    label: 'EAP edge score',
    definition: 'First-order estimate of the metric change when the edge is removed (one gradient at the clean run).',
    formula: '(corrupted - clean sender output) . dF/d(receiver input)',
    unit: `units of ${TASK_METRIC}`,
    relativeTo: '0 = no estimated effect; the sign says the direction',
    ablation: EDGE_ABLATION,
  },
  'edge-score.eap-ig': {
    label: 'EAP-IG edge score',
    definition: 'Like EAP, with the gradient averaged along the path from the clean to the corrupted inputs (integrated gradients).',
    formula: '(corrupted - clean sender output) . mean over alpha of dF/d(receiver input) at input(alpha)',
    unit: `units of ${TASK_METRIC}`,
    relativeTo: '0 = no estimated effect; the sign says the direction',
    ablation: EDGE_ABLATION,
  },
  'edge-score.path-patching': {
    label: 'Path patching effect',
    definition: 'How much of the clean-corrupted gap is lost when only the path from this sender to the receiver carries the corrupted value.',
    formula: '1 - (F(path patched) - F(corrupted)) / (F(clean) - F(corrupted))',
    unit: 'fraction of the clean-corrupted gap',
    relativeTo: '0 = no effect, 1 = the whole gap',
    ablation: 'the sender\'s corrupted output on that path only; everything else frozen at the clean run',
  },
  'f-circuit': {
    label: 'F(C)',
    definition: 'The task metric of the circuit alone: every edge outside it ablated.',
    formula: 'F with only the circuit\'s edges carrying clean values',
    unit: 'the run\'s metric (logits for logit difference, nats for KL)',
    relativeTo: 'F(M) and F(∅)',
    ablation: EDGE_ABLATION,
  },
  'f-full': {
    label: 'F(M)',
    definition: 'The task metric of the full model, nothing ablated.',
    formula: 'F on the clean prompts',
    unit: 'the run\'s metric (logits for logit difference, nats for KL)',
    relativeTo: 'the reference faithfulness divides by',
  },
  'f-empty': {
    label: 'F(∅)',
    definition: 'The task metric with every edge ablated (the empty circuit).',
    formula: 'F with every edge carrying its ablated value',
    unit: 'the run\'s metric (logits for logit difference, nats for KL)',
    relativeTo: 'the floor of normalised faithfulness',
    ablation: EDGE_ABLATION,
  },
  faithfulness: {
    label: 'Faithfulness',
    definition: 'How much of the full model\'s task metric the circuit alone reproduces, with everything outside it ablated.',
    formula: 'F(C) / F(M)',
    unit: 'ratio (1 = as the full model)',
    relativeTo: 'F(M), the full model; shown with F(C) and F(∅)',
    ablation: EDGE_ABLATION,
    better: 'closer to 1',
  },
  'faithfulness-normalised': {
    label: 'Faithfulness (normalised)',
    definition: 'Where the circuit lands between the empty circuit and the full model (MIB, ACDC).',
    formula: '(F(C) - F(∅)) / (F(M) - F(∅))',
    unit: 'fraction (0 = empty circuit, 1 = full model)',
    relativeTo: 'F(∅), the empty circuit, and F(M), the full model',
    ablation: EDGE_ABLATION,
    better: 'closer to 1',
  },
  completeness: {
    label: 'Completeness',
    definition: 'The worst gap between circuit and full model when the same nodes are knocked out of both (smaller = more complete).',
    formula: 'max over knock-out sets K of |F(C \\ K) - F(M \\ K)|',
    unit: `units of ${TASK_METRIC}`,
    relativeTo: '0 = the circuit behaves like the model under every knock-out tried (random, per layer, greedy)',
    ablation: EDGE_ABLATION,
    better: 'lower',
  },
  minimality: {
    label: 'Minimality',
    definition: 'The smallest drop any single circuit node causes when taken out of the circuit (larger = every node matters).',
    formula: 'min over nodes v of |F(C \\ (K ∪ {v})) - F(C \\ K)| / |F(C)|',
    unit: 'fraction of |F(C)|',
    relativeTo: '|F(C)|, the circuit\'s own metric',
    ablation: EDGE_ABLATION,
    better: 'higher',
  },
  'faithfulness-curve.cpr': {
    label: 'CPR',
    definition: 'Area under the normalised faithfulness over circuit sizes (fraction of all edges).',
    formula: 'integral of (F(C_n) - F(∅)) / (F(M) - F(∅)) over the edge fraction',
    unit: 'area (fraction x fraction)',
    relativeTo: 'the normalised faithfulness at each size',
    better: 'higher',
  },
  'faithfulness-curve.cmd': {
    label: 'CMD',
    definition: 'Area under |1 - normalised faithfulness| over circuit sizes.',
    formula: 'integral of |1 - f(C_n)| over the edge fraction',
    unit: 'area (fraction x fraction)',
    relativeTo: '0 = every size as faithful as the full model',
    better: 'lower',
  },
  'rome.efficacy': {
    label: 'Efficacy',
    definition: 'Whether the edited model\'s top prediction on the edited prompt is the new target.',
    formula: 'argmax p_edited(. | prompt) = target',
    unit: 'yes / no',
    relativeTo: 'the edited prompt',
  },
  'rome.efficacyScore': {
    label: 'Efficacy score',
    definition: 'Whether the edited model prefers the target over the base model\'s top prediction (ROME paper).',
    formula: 'p_edited(target) > p_edited(base top-1)',
    unit: 'yes / no',
    relativeTo: 'the base model\'s top-1 on the edited prompt',
  },
  'rome.targetProbBefore': {
    label: 'p(target) before',
    definition: 'The base model\'s probability of the target on the edited prompt.',
    formula: 'p_base(target | prompt)',
    unit: 'probability (0 to 1)',
    relativeTo: 'the base model',
  },
  'rome.targetProbAfter': {
    label: 'p(target) after',
    definition: 'The edited model\'s probability of the target on the edited prompt.',
    formula: 'p_edited(target | prompt)',
    unit: 'probability (0 to 1)',
    relativeTo: 'p(target) before',
    better: 'higher',
  },
  'rome.paraphrase': {
    label: 'Paraphrase generalisation',
    definition: 'Fraction of paraphrases of the prompt whose top prediction is the target after the edit.',
    formula: 'fraction of paraphrases with argmax p_edited = target',
    unit: 'fraction of paraphrases',
    relativeTo: 'the paraphrases given with the edit',
    better: 'higher',
  },
  'rome.specificity': {
    label: 'Neighbourhood specificity',
    definition: 'Fraction of unrelated (neighbourhood) prompts whose top prediction the edit leaves unchanged.',
    formula: 'fraction of neighbourhood prompts with argmax p_edited = argmax p_base',
    unit: 'fraction of neighbourhood prompts',
    relativeTo: 'the base model\'s predictions',
    better: 'higher',
  },
  'rome.neighbourhood': {
    label: 'Neighbourhood predictions',
    definition: 'Each neighbourhood prompt\'s top prediction before and after the edit.',
    formula: 'argmax p_base and argmax p_edited per prompt',
    unit: 'tokens',
    relativeTo: 'the base model\'s predictions',
  },
  'head-edit.projection': {
    label: 'OV projection',
    definition: 'How far the head\'s output for the source token points along the chosen logit direction, before and after the edit.',
    formula: '(s W_O^h) . d / (d . d) with d = U[plus] - U[minus] (times ln_final.w)',
    unit: 'multiples of the direction d',
    relativeTo: 'reflect sets it to -before, zero to 0; strength scales the change',
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricId = keyof typeof METRIC_DEFINITIONS;

/** The metrics whose values each analysis shows (a new analysis kind without an entry does not compile). */
export const ANALYSIS_METRICS: Record<AnalysisKind, readonly MetricId[]> = {
  'logit-lens': ['logit-lens', 'logit-lens-top-k'],
  dla: ['direct-logit-attribution', 'dla-by-position'],
  patching: ['normalised-patching-effect', 'logit-diff', 'kl', 'atp-estimate', 'atp-bound', 'forward-equivalents'],
  attention: ['attention-probability'],
  correlation: ['correlation-pearson'],
  'copy-scores': ['copy-score.copying', 'copy-score.negative', 'copy-score.antonym'],
  neuroscope: ['neuron-activation'],
};

/** The metric behind each field of an evaluation's reference view (null: not a metric, e.g. n or the dataset). */
export const EVALUATION_FIELD_METRICS: Record<keyof EvaluationReferenceView, MetricId | null> = {
  metric: null,
  ablation: null,
  n: null,
  dataset: null,
  fCircuit: 'f-circuit',
  fFull: 'f-full',
  fEmpty: 'f-empty',
  faithfulness: 'faithfulness',
  faithfulnessNormalised: 'faithfulness-normalised',
  completeness: 'completeness',
  knockOutSets: null,
  minimality: 'minimality',
  minimalityNode: null,
  edges: null,
  nodes: null,
};

/** The edge score of a discovery method (what colour, width and the threshold slider show). */
export function edgeScoreMetric(method: DiscoveryMethod): MetricId {
  return `edge-score.${method}`;
}

/** What each ablation kind feeds a removed edge or an ablated node. */
export const ABLATION_DEFINITIONS: Record<string, string> = {
  corrupted: 'the sender\'s output on the corrupted prompt of the same item (interchange ablation)',
  mean: 'the sender\'s output averaged over the dataset\'s corrupted prompts (mean ablation)',
  zero: 'zero (zero ablation)',
};

export function isMetricId(id: string): id is MetricId {
  return Object.hasOwn(METRIC_DEFINITIONS, id);
}

/** The definition of a metric; an unknown id is a programming error and says which. */
export function metricDefinition(id: string): MetricDefinition {
  if (!isMetricId(id)) throw new Error(`no definition for metric ${JSON.stringify(id)}`);
  return METRIC_DEFINITIONS[id];
}

/** One tooltip text: name, definition, formula, unit, and what it is relative to (plus n and ablation when given). */
export function metricTooltip(id: string, context: { n?: number; ablation?: string } = {}): string {
  const d = metricDefinition(id);
  const lines = [`${d.label}: ${d.definition}`, `Formula: ${d.formula}`, `Unit: ${d.unit}`, `Relative to: ${d.relativeTo}`];
  if (context.ablation) lines.push(`Ablation: ${context.ablation}${ABLATION_DEFINITIONS[context.ablation] ? ` (${ABLATION_DEFINITIONS[context.ablation]})` : ''}`);
  else if ('ablation' in d && d.ablation) lines.push(`Ablation: ${d.ablation}`);
  if (context.n !== undefined) lines.push(`n = ${context.n} prompts`);
  return lines.join('\n');
}
