/**
 * Per-region layer curves: score (± SEM) against layer depth, the region's noise ceiling as a band,
 * and a star on each region's best layer (its "layer commitment").
 */
import { renderLineChart, type Band, type LineSeries } from './lineChart';
import { categoricalColour } from './theme';

export interface LayerCurve {
  region: string;
  /** One score per layer (NaN = not computed). */
  scores: number[];
  sem?: number[];
  /** Noise-ceiling band for this region, in the same units as scores. */
  ceiling?: { lo: number; hi: number };
}

export interface LayerCurvesOptions {
  title: string;
  subtitle?: string;
  width?: number;
  height?: number;
  yLabel: string;
  /** Mark each curve's maximum. Default true. */
  markBest?: boolean;
}

/** Index of the largest finite value, -1 if none. */
export function argmax(values: number[]): number {
  let bi = -1;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]) && (bi < 0 || values[i] > values[bi])) bi = i;
  return bi;
}

export function renderLayerCurves(element: SVGSVGElement, layers: string[], curves: LayerCurve[], o: LayerCurvesOptions): void {
  const series: LineSeries[] = curves.map((c, i) => ({
    name: c.region,
    colour: categoricalColour(i),
    points: c.scores.map((y, x) => ({ x, y, err: c.sem?.[x] })),
    highlight: (o.markBest ?? true) && argmax(c.scores) >= 0 ? [argmax(c.scores)] : [],
  }));
  const bands: Band[] = curves.flatMap((c, i) =>
    c.ceiling ? [{ name: `${c.region} noise ceiling`, y0: c.ceiling.lo, y1: c.ceiling.hi, colour: categoricalColour(i) }] : [],
  );
  renderLineChart(element, series, bands, {
    title: o.title,
    subtitle: o.subtitle,
    width: o.width,
    height: o.height,
    xLabel: 'model layer (input → output)',
    yLabel: o.yLabel,
    xCategories: layers,
    yReference: 0,
    highlightLabel: 'best layer',
  });
}
