/**
 * ECharts, modular: only the chart types and components the option builders in charts.ts use,
 * and both renderers (canvas on screen, SVG for the SVG export). Importing the whole library
 * put 3.9 MB into the renderer bundle. A chart type added to charts.ts is registered here too
 * (test/renderer/echartsModules.test.ts renders every builder's option with this set).
 */
import * as echarts from 'echarts/core';
import { HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';

echarts.use([LineChart, HeatmapChart, ScatterChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, VisualMapComponent, CanvasRenderer, SVGRenderer]);

export { echarts };
