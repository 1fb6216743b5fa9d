/**
 * Study figures as SVG strings, rendered by ECharts on the server (no DOM): the same charting
 * library the workbench draws with. Animation is off so the SVG is the final frame, and the
 * output depends only on the figure's data (a rerun renders the same bytes).
 */
import * as echarts from 'echarts';
import type { StudyFigure } from './types';

const WIDTH = 640;
const PALETTE = ['#2f6fb0', '#d9822b', '#3a9a5b', '#b03a48', '#7a5cb0', '#5f6b7a'];
const round = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(6)) : 0);

function heightOf(f: StudyFigure): number {
  if (f.kind !== 'heatmap') return 320;
  return Math.min(900, Math.max(240, 90 + 26 * f.rows.length));
}

function optionOf(f: StudyFigure): echarts.EChartsCoreOption {
  const base = { animation: false, color: PALETTE, backgroundColor: '#ffffff', textStyle: { fontFamily: 'sans-serif' } };
  switch (f.kind) {
    case 'line':
    case 'bar':
      return {
        ...base,
        legend: { top: 4, data: f.series.map((s) => s.name) },
        grid: { left: 64, right: 20, top: 40, bottom: 64 },
        xAxis: { type: 'category', data: f.x, name: f.xName, nameLocation: 'middle', nameGap: 44, axisLabel: { rotate: f.x.length > 4 ? 30 : 0, fontSize: 10, interval: f.x.length <= 40 ? 0 : 'auto' } },
        yAxis: { type: 'value', name: f.yName, nameLocation: 'middle', nameGap: 46 },
        series: f.series.map((s) => ({ type: f.kind, name: s.name, data: s.values.map(round), symbolSize: 6 })),
      };
    case 'scatter':
      return {
        ...base,
        legend: { top: 4, data: f.series.map((s) => s.name) },
        grid: { left: 64, right: 20, top: 40, bottom: 52 },
        xAxis: { type: 'value', name: f.xName, nameLocation: 'middle', nameGap: 30, scale: true },
        yAxis: { type: 'value', name: f.yName, nameLocation: 'middle', nameGap: 46, scale: true },
        series: f.series.map((s) => ({ type: 'scatter', name: s.name, symbolSize: 7, data: s.points.map(([x, y]) => [round(x), round(y)]) })),
      };
    case 'heatmap': {
      const flat = f.values.flat().filter(Number.isFinite);
      const maxAbs = Math.max(1e-9, ...flat.map(Math.abs));
      const lo = f.symmetric === false ? Math.min(0, ...flat) : -maxAbs;
      const data: [number, number, number][] = [];
      f.values.forEach((row, r) => row.forEach((v, c) => data.push([c, r, round(v)])));
      return {
        ...base,
        grid: { left: 110, right: 90, top: 16, bottom: 64 },
        xAxis: { type: 'category', data: f.cols, name: f.colName, nameLocation: 'middle', nameGap: 44, axisLabel: { rotate: f.cols.length > 8 ? 35 : 0, fontSize: 10, interval: 0 } },
        yAxis: { type: 'category', data: f.rows, inverse: true, axisLabel: { fontSize: 10, interval: 0 } },
        visualMap: { min: round(lo), max: round(maxAbs), calculable: false, orient: 'vertical', right: 4, top: 'middle', itemHeight: 120, inRange: { color: f.symmetric === false ? ['#f7f7f7', '#b03a48'] : ['#2f6fb0', '#f7f7f7', '#b03a48'] }, textStyle: { fontSize: 10 } },
        series: [{ type: 'heatmap', data, label: { show: f.cols.length * f.rows.length <= 64, fontSize: 9, formatter: (p: { value: number[] }) => p.value[2].toFixed(2) } }],
      };
    }
  }
}

/** One figure as a standalone SVG document. */
export function renderSvg(f: StudyFigure): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: heightOf(f) });
  try {
    chart.setOption(optionOf(f));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
