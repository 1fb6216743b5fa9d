/** The analyses and circuit methods the workbench runs as jobs; names are the job kinds in the project's runs. */

export const ANALYSIS_KINDS = ['logit-lens', 'dla', 'patching', 'attention', 'correlation', 'copy-scores', 'neuroscope'] as const;
export type AnalysisKind = (typeof ANALYSIS_KINDS)[number];

export const PATCH_TARGET_NAMES = ['resid', 'attn', 'mlp', 'heads', 'head-pos', 'q', 'k', 'v', 'pattern'] as const;
/** Targets with a cell per position (their results have a position axis; their cost grows with prompt length). */
/** Targets whose nodes feed an attention softmax directly: AtP*'s QK fix recomputes it exactly for them. */
export const QK_FIX_TARGET_NAMES = ['q', 'k'] as const;
export const POSITIONAL_PATCH_TARGET_NAMES = ['resid', 'attn', 'mlp', 'head-pos'] as const;
export const PROMPT_SIDES = ['clean', 'corrupted'] as const;
export const PATCH_DIRECTION_NAMES = ['denoise', 'noise'] as const;
/** Patching methods: every cell exactly, or AtP* estimates with the top cells verified exactly. */
export const PATCH_METHOD_NAMES = ['exact', 'atp'] as const;
export const PATCH_METHOD_LABELS: Record<(typeof PATCH_METHOD_NAMES)[number], string> = { exact: 'exact (every cell)', atp: 'attribution (AtP*), top cells verified' };
export const METRIC_NAMES = ['logit-diff', 'kl'] as const;
export const CORRELATION_Y = ['logit', 'attention'] as const;
/** What copy scores feed a head's OV circuit: token embeddings, or the residual after MLP0 (the IOI paper's convention). */
export const COPY_INPUTS = ['embed', 'mlp0'] as const;
/** The study's convention (the IOI paper's input): after MLP0, or token embeddings when there is no MLP. */
export function defaultCopyInput(attnOnly: boolean): (typeof COPY_INPUTS)[number] {
  return attnOnly ? 'embed' : 'mlp0';
}

export const DISCOVERY_METHODS = ['acdc', 'eap', 'eap-ig', 'path-patching'] as const;
export type DiscoveryMethod = (typeof DISCOVERY_METHODS)[number];
/** The job kind of a circuit evaluation. */
export const EVALUATION_KIND = 'circuit-eval';

export const ANALYSIS_LABELS: Record<AnalysisKind, string> = {
  'logit-lens': 'Logit lens',
  dla: 'Direct logit attribution',
  patching: 'Activation patching',
  attention: 'Attention pattern',
  correlation: 'Correlation',
  'copy-scores': 'Copy scores',
  neuroscope: 'Neuroscope',
};

export const DISCOVERY_LABELS: Record<DiscoveryMethod, string> = {
  acdc: 'ACDC',
  eap: 'EAP',
  'eap-ig': 'EAP-IG',
  'path-patching': 'Path patching',
};

/** Labels of the other job kinds a project's runs list holds (circuit tools and edits). */
export const JOB_KIND_LABELS: Record<string, string> = {
  'circuit.acdc': 'ACDC',
  'circuit.attribution': 'Edge attribution',
  'circuit-eval': 'Circuit evaluation',
  'path-patching': 'Path patching',
  'edit-rome': 'ROME edit',
  'edit-head': 'Head edit',
  'edit-compare': 'Model comparison',
  'project-export': 'Project export',
  'rome-covariance': 'Key second moment',
  'study.run': 'Study',
  'study.section': 'Study section',
};
