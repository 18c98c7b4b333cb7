/**
 * The plot library. Renderers are plain d3 functions `render*(svg, data, options)` that redraw the
 * whole <svg>; wrap them in <Plot render={...}> to get an ExportMenu (SVG/PNG/CSV/JSON) underneath.
 */
export { renderHeatmap, columnArgmax, scoreDomain, drawColourLegend, type HeatmapData, type HeatmapOptions } from './heatmap';
export { renderLineChart, type LinePoint, type LineSeries, type Band, type LineChartOptions } from './lineChart';
export { renderLayerCurves, argmax, type LayerCurve, type LayerCurvesOptions } from './layerCurves';
export { renderScatter, linearFit, type ScatterPoint, type ScatterSeries, type ScatterOptions, type LinearFit } from './scatter';
export { renderRdmPair, sharedOffDiagonalDomain, type Rdm, type RdmPairOptions } from './rdmPair';
export { CATEGORICAL, SEQUENTIAL, categoricalColour, labelColourOn, thinTicks, truncateLabel, formatScore } from './theme';
export { default as Plot } from './Plot.svelte';
export { default as ExportMenu } from './ExportMenu.svelte';
export { default as DataTable, type Column } from './DataTable.svelte';
