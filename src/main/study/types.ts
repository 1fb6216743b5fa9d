/**
 * What a study produces: sections of the outline, each with figures (chart specs, rendered to SVG
 * by charts.ts) and tables (written as CSV by csv.ts). Everything here is plain JSON, so the
 * study document (study.json) holds every number the report shows and a rerun can compare them.
 */

export type Cell = string | number | null;

export interface StudyTable {
  /** File-safe id, unique in the study ("plot1-logit-diff-A"). */
  id: string;
  title: string;
  columns: string[];
  rows: Cell[][];
}

export type StudyFigure =
  | { id: string; title: string; kind: 'line'; x: string[]; xName: string; yName: string; series: { name: string; values: number[] }[] }
  | { id: string; title: string; kind: 'bar'; x: string[]; xName: string; yName: string; series: { name: string; values: number[] }[] }
  /** values[r][c]; rows are drawn top to bottom (rowName names them in tables and CSV, the chart shows the labels). symmetric false: a 0-based sequential scale. */
  | { id: string; title: string; kind: 'heatmap'; rows: string[]; cols: string[]; rowName: string; colName: string; values: number[][]; symmetric?: boolean }
  | { id: string; title: string; kind: 'scatter'; xName: string; yName: string; series: { name: string; points: [number, number][] }[] };

/** The outline steps a study covers, in report order; a section names one. */
export const SECTION_KINDS = ['lens', 'patching', 'attention', 'heads', 'congruence', 'circuit', 'tracking', 'edit', 'predictions'] as const;
export type SectionKind = (typeof SECTION_KINDS)[number];

export const SECTION_TITLES: Record<SectionKind, string> = {
  lens: 'Plot 1. Logit difference and logit lens',
  patching: 'Plot 2. Head patching and lens by head',
  attention: 'Plot 3. Attention of the top heads at the named positions',
  heads: 'Plot 4. Correlation plots, copy and antonym scores of the top heads',
  congruence: 'Plot 5. Congruence of the top neurons and directions',
  circuit: 'Circuit: ACDC and EAP-IG, faithfulness, completeness, minimality',
  tracking: 'Token tracking to the final position',
  edit: 'Edit: ROME on the top MLP, validated on held-out prompts',
  predictions: 'Input | Model | Prediction | Logit',
};

export interface StudySection {
  kind: SectionKind;
  /** The model's label, or null for a section across all models. */
  model: string | null;
  title: string;
  /** One or two sentences on what was done, with the parameters that matter. */
  text: string;
  figures: StudyFigure[];
  tables: StudyTable[];
}
