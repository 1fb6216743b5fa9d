/**
 * ECharts options for the analysis views, built as plain data from result numbers (no DOM), so
 * they can be tested and exported. Colours follow the app's dark theme.
 */
import type { EChartsOption } from 'echarts';

const TEXT = '#e4e6eb';
const MUTED = '#9aa0ab';
const GRID = '#3a3d47';
export const CHART_BACKGROUND = '#1e1f24';
const DIVERGING = ['#f28b82', '#2d3038', '#6ea8fe'];
const SEQUENTIAL = ['#1e1f24', '#3b5b8c', '#6ea8fe', '#e4f0ff'];

const axisStyle = { axisLine: { lineStyle: { color: GRID } }, axisLabel: { color: MUTED }, splitLine: { lineStyle: { color: GRID } }, nameTextStyle: { color: MUTED } };

/** Tooltips are HTML: token labels must not be read as markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function formatValue(v: number): string {
  // Counts (prompts, edges, layers) read as counts: 200, not 200.00.
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 || v === 0 ? v.toFixed(2) : v.toPrecision(4);
}

export interface LineSeries {
  name: string;
  values: readonly number[];
  /** Drawn faint (per-prompt lines behind the mean). */
  faint?: boolean;
}

export function lineOption(title: string, xLabels: readonly string[], series: readonly LineSeries[], yName: string): EChartsOption {
  return {
    backgroundColor: CHART_BACKGROUND,
    animation: false,
    title: { text: title, textStyle: { color: TEXT, fontSize: 14 } },
    tooltip: {
      trigger: 'axis',
      // A formatter without echarts' coloured markers: they carry inline styles the CSP refuses.
      formatter: (params) => {
        const list = (Array.isArray(params) ? params : [params]) as unknown as { seriesName: string; name: string; value: number }[];
        const shown = list.filter((p) => !p.seriesName.startsWith('prompt '));
        return [escapeHtml(list[0]?.name ?? ''), ...shown.map((p) => `${escapeHtml(p.seriesName)}: <b>${formatValue(Number(p.value))}</b>`)].join('<br/>');
      },
    },
    legend: { data: series.filter((s) => !s.faint).map((s) => s.name), textStyle: { color: MUTED }, right: 10 },
    grid: { left: 60, right: 30, top: 50, bottom: 50 },
    xAxis: { type: 'category', data: [...xLabels], ...axisStyle },
    yAxis: { type: 'value', name: yName, ...axisStyle },
    series: series.map((s) => ({
      name: s.name,
      type: 'line',
      data: [...s.values],
      symbolSize: s.faint ? 0 : 6,
      lineStyle: s.faint ? { width: 1, opacity: 0.25 } : { width: 3 },
      itemStyle: s.faint ? { color: MUTED } : { color: '#6ea8fe' },
      silent: s.faint,
      z: s.faint ? 1 : 2,
    })),
  };
}

export interface HeatmapSpec {
  title: string;
  /** Column labels (x, left to right) and row labels (y, bottom to top). */
  xLabels: readonly string[];
  yLabels: readonly string[];
  xName: string;
  yName: string;
  /** Row-major [rows, cols]: values[r * cols + c]. */
  values: readonly number[];
  /** 'diverging' centres the colour scale on zero. */
  scale?: 'diverging' | 'sequential';
  /** What the colour means, with its unit (written above the colour bar). */
  valueName?: string;
}

export function heatmapOption(spec: HeatmapSpec): EChartsOption {
  const cols = spec.xLabels.length;
  const data = spec.values.map((v, i) => [i % cols, Math.floor(i / cols), v]);
  const finite = spec.values.filter(Number.isFinite);
  const maxAbs = Math.max(1e-9, ...finite.map(Math.abs));
  const diverging = (spec.scale ?? 'diverging') === 'diverging';
  const min = diverging ? -maxAbs : Math.min(0, ...finite);
  const max = diverging ? maxAbs : Math.max(1e-9, ...finite);
  return {
    backgroundColor: CHART_BACKGROUND,
    animation: false,
    // The colour bar's meaning and unit, under the title (where a long name never covers the plot).
    title: { text: spec.title, textStyle: { color: TEXT, fontSize: 14 }, ...(spec.valueName ? { subtext: `colour: ${spec.valueName}`, subtextStyle: { color: MUTED, fontSize: 12 } } : {}) },
    tooltip: {
      // No string `position`: echarts then adds an arrow <div> with an inline style, which the CSP refuses.
      formatter: (p) => {
        const [x, y, v] = (p as unknown as { value: [number, number, number] }).value;
        return `${escapeHtml(`${spec.yName} ${spec.yLabels[y]} · ${spec.xName} ${spec.xLabels[x]}`)}<br/><b>${formatValue(v)}</b>`;
      },
    },
    grid: { left: 80, right: 90, top: spec.valueName ? 70 : 50, bottom: 70 },
    xAxis: { type: 'category', data: [...spec.xLabels], name: spec.xName, nameLocation: 'middle', nameGap: 45, ...axisStyle, axisLabel: { color: MUTED, rotate: cols > 8 ? 45 : 0, interval: 0 }, splitArea: { show: false } },
    yAxis: { type: 'category', data: [...spec.yLabels], name: spec.yName, ...axisStyle, axisLabel: { color: MUTED, interval: 0 } },
    visualMap: { min, max, calculable: true, orient: 'vertical', right: 10, top: 'center',  inRange: { color: diverging ? DIVERGING : SEQUENTIAL }, textStyle: { color: MUTED }, precision: 3 },
    series: [{ type: 'heatmap', data, emphasis: { itemStyle: { borderColor: TEXT, borderWidth: 1 } }, progressive: 0 }],
  };
}

export interface ScatterGroup {
  name: string;
  color: string;
  points: readonly [number, number][];
}

export function scatterOption(title: string, xName: string, yName: string, groups: readonly ScatterGroup[]): EChartsOption {
  return {
    backgroundColor: CHART_BACKGROUND,
    animation: false,
    title: { text: title, textStyle: { color: TEXT, fontSize: 14 } },
    tooltip: { trigger: 'item', formatter: (p) => {
      const { seriesName, value } = p as unknown as { seriesName: string; value: [number, number] };
      return `${escapeHtml(seriesName)}<br/>${xName}: ${formatValue(value[0])}<br/>${yName}: ${formatValue(value[1])}`;
    } },
    legend: { data: groups.map((g) => g.name), textStyle: { color: MUTED }, right: 10 },
    grid: { left: 60, right: 30, top: 50, bottom: 50 },
    xAxis: { type: 'value', name: xName, nameLocation: 'middle', nameGap: 30, ...axisStyle },
    yAxis: { type: 'value', name: yName, ...axisStyle },
    series: groups.map((g) => ({ name: g.name, type: 'scatter', data: g.points.map((p) => [...p]), itemStyle: { color: g.color }, symbolSize: 8 })),
  };
}
