/** Chart and table data of the editing view, from the API's results (no framework code). */
import type { CausalTraceView, ModelComparison } from '../../../shared/api/editTypes';
import { heatmapOption } from './charts';
import { matrixCsv, toCsv } from './csv';
import type { EChartsOption } from 'echarts';

/** The causal trace as a layers x positions heatmap (answer probability with the MLP state restored). */
export function causalTraceChart(trace: CausalTraceView): { option: EChartsOption; csv: string } {
  const xLabels = trace.tokens.map((t, i) => `${i} ${t}${trace.subjectPositions.includes(i) ? '*' : ''}`);
  const yLabels = trace.probs.map((_, l) => String(l));
  const values = trace.probs.flat();
  return {
    option: heatmapOption({ title: 'Causal trace: restoring one MLP state (* subject)', xLabels, yLabels, xName: 'position', yName: 'layer', values, scale: 'sequential' }),
    csv: matrixCsv('layer', 'position', yLabels, xLabels, values),
  };
}

/** The prediction table as CSV (Input, Model, Prediction, Logit, Probability). */
export function comparisonCsv(c: ModelComparison): string {
  return toCsv(
    ['input', 'model', 'prediction', 'logit', 'prob'],
    c.predictions.map((r) => [r.input, r.model, r.prediction, r.logit, r.prob]),
  );
}
