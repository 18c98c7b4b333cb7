/**
 * Per-region layer curves: score (± SEM) against layer depth, the region's noise ceiling as a band, a star on
 * each region's best layer ("optimistic": chosen on the data it is scored on) and, where the scores carry a layer
 * commitment, a labelled diamond on each region's committed layer (chosen on one part of the data, scored on the other).
 */
import { renderLineChart, type Band, type LineSeries } from './lineChart';
import { categoricalColour } from './theme';

export interface LayerCurve {
  region: string;
  /** One score per layer (NaN = not computed). */
  scores: number[];
  sem?: number[];
  /** Noise-ceiling band for this region, in the same units as scores. */
  ceiling?: { lo: number; hi: number; /** Legend name (default "<region> noise ceiling"). */ label?: string };
  /** Index of the region's committed layer (chosen on held-apart data), if any. */
  committed?: number;
}

export interface LayerCurvesOptions {
  title: string;
  subtitle?: string;
  width?: number;
  height?: number;
  yLabel: string;
  /** Block of each layer (LayerInfo.group): deep networks are labelled by block. */
  groups?: string[];
  /** Mark each curve's maximum (best of all layers: optimistic). Default true. */
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
    marks: c.committed !== undefined && c.committed >= 0 ? [c.committed] : [],
  }));
  const bands: Band[] = curves.flatMap((c, i) =>
    c.ceiling ? [{ name: c.ceiling.label ?? `${c.region} noise ceiling`, y0: c.ceiling.lo, y1: c.ceiling.hi, colour: categoricalColour(i) }] : [],
  );
  renderLineChart(element, series, bands, {
    title: o.title,
    subtitle: o.subtitle,
    width: o.width,
    height: o.height,
    xLabel: 'model layer (input → output)',
    yLabel: o.yLabel,
    xCategories: layers,
    xGroups: o.groups,
    yReference: 0,
    highlightLabel: 'best · optimistic',
    markLabel: 'committed',
  });
}
