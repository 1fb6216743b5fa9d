/**
 * The outline's table across models: Input | Model | Prediction | Logit, the first prompts of the
 * task through every model (rows input-major, models in the plan's order), and each model's top-1
 * logit per prompt as a figure.
 */
import type { PredictionRow } from '../../editing/compare';
import { SECTION_TITLES, type StudySection } from '../types';

/** A row of the table with the prompt's correct answer and whether the top-1 token is it. */
export interface JudgedRow extends PredictionRow {
  correct: string;
  isCorrect: boolean;
}

/** Interleave per-model rows (each in prompt order) into the input-major table. */
export function mergePredictionRows(perModel: readonly JudgedRow[][]): JudgedRow[] {
  const n = Math.max(0, ...perModel.map((r) => r.length));
  const out: JudgedRow[] = [];
  for (let i = 0; i < n; i++) for (const rows of perModel) if (rows[i]) out.push(rows[i]);
  return out;
}

export function predictionsSection(rows: readonly JudgedRow[], models: readonly string[]): StudySection {
  const inputs = [...new Set(rows.map((r) => r.input))];
  const logitOf = (model: string, input: string): number => rows.find((r) => r.model === model && r.input === input)?.logit ?? NaN;
  return {
    kind: 'predictions',
    model: null,
    title: SECTION_TITLES.predictions,
    text: `The first ${inputs.length} prompts of the task through ${models.length} model(s): each model's top-1 next token at the last position, its logit and probability, and whether it is the correct answer.`,
    figures: [{ id: 'predictions-logit', title: 'Top-1 logit per prompt and model', kind: 'bar', x: inputs.map((_, i) => `prompt ${i}`), xName: 'prompt', yName: 'top-1 logit', series: models.map((m) => ({ name: m, values: inputs.map((input) => logitOf(m, input)) })) }],
    tables: [
      {
        id: 'predictions',
        title: 'Input | Model | Prediction | Logit',
        columns: ['Input', 'Model', 'Prediction', 'Logit', 'Probability', 'Correct answer', 'Prediction is correct'],
        rows: rows.map((r) => [r.input, r.model, r.prediction, r.logit, r.prob, r.correct, r.isCorrect ? 1 : 0]),
      },
    ],
  };
}
