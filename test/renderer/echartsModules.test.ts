/**
 * The modular ECharts set (src/renderer/src/lib/echarts.ts) draws every option the chart builders
 * make: each one renders to SVG (server-side mode, no DOM) with every series drawn and no
 * "unknown component / series" complaint. The builders' own option keys are what is checked.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EChartsOption } from 'echarts';
import { heatmapOption, lineOption, scatterOption } from '../../src/renderer/src/lib/charts';
import { echarts } from '../../src/renderer/src/lib/echarts';

afterEach(() => vi.restoreAllMocks());

const OPTIONS: Record<string, EChartsOption> = {
  line: lineOption('Logit lens', ['Embeddings', 'L0', 'L1'], [{ name: 'mean', values: [0.1, 0.7, 1.3] }], 'logit diff'),
  heatmap: heatmapOption({ title: 'Heads', xLabels: ['H0', 'H1'], yLabels: ['L0', 'L1'], xName: 'head', yName: 'layer', values: [0.5, -0.25, 1, 0] }),
  scatter: scatterOption('Correlation', 'attention', 'logit', [{ name: 'items', color: '#fff', points: [[0.1, 1], [0.9, 2]] }]),
};

describe('modular ECharts', () => {
  for (const [name, option] of Object.entries(OPTIONS)) {
    it(`draws the ${name} builder's option: every series and component it names`, () => {
      const complaints: string[] = [];
      vi.spyOn(console, 'error').mockImplementation((...args) => void complaints.push(args.join(' ')));
      vi.spyOn(console, 'warn').mockImplementation((...args) => void complaints.push(args.join(' ')));
      const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 400, height: 300 });
      chart.setOption(option);
      const svg = chart.renderToSVGString();
      const drawn = chart.getOption() as Record<string, unknown>;
      chart.dispose();
      expect(complaints).toEqual([]);
      // Every top-level key of the option that ECharts models as a component is present in the model.
      for (const key of Object.keys(option)) if (key !== 'animation' && key !== 'backgroundColor') expect(drawn[key], `${name}.${key}`).toBeDefined();
      const series = (option.series ?? []) as { type: string }[];
      expect((drawn.series as { type: string }[]).map((s) => s.type)).toEqual(series.map((s) => s.type));
      expect(svg.startsWith('<svg')).toBe(true);
    });
  }
});
