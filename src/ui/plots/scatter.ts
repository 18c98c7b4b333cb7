/**
 * Scatter plot with optional overlay series, least-squares regression line and identity line; the
 * Pearson r of the primary points goes in the title. Used for predicted-vs-measured responses and
 * for selectivity vs psychometric shift.
 */
import * as d3 from 'd3';
import { FONT, GRID, INK, MUTED, NARROW, categoricalColour } from './theme';
import { shortenLabel } from './layerAxis';
import { setupFrame, styleAxis, titleSpace, xAxisLabel, yAxisLabel } from './frame';

export interface ScatterPoint {
  x: number;
  y: number;
  label?: string;
  /** Optional vertical interval (e.g. a 95 % CI), drawn as a whisker. */
  yLow?: number;
  yHigh?: number;
}

export interface ScatterSeries {
  name: string;
  points: ScatterPoint[];
  colour?: string;
  /** Draw this series' own regression line. */
  regression?: boolean;
}

export interface ScatterOptions {
  title: string;
  subtitle?: string;
  width?: number;
  height?: number;
  xLabel: string;
  yLabel: string;
  /** Name of the primary series in the legend. */
  name?: string;
  /** Draw y = x (same domain on both axes). */
  identity?: boolean;
  /** Least-squares line through the primary points. Default true. */
  regression?: boolean;
  /** Append "r = …" of the primary points to the title. Default true. */
  showR?: boolean;
  /** How r is named in the title, e.g. "r over all held-out stimuli". Default "r". */
  rLabel?: string;
}

export interface LinearFit {
  slope: number;
  intercept: number;
  r: number;
  n: number;
}

/** Ordinary least-squares fit y = slope·x + intercept and Pearson r (NaN when undefined). */
export function linearFit(points: ScatterPoint[]): LinearFit {
  const pts = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const n = pts.length;
  if (n < 2) return { slope: NaN, intercept: NaN, r: NaN, n };
  let mx = 0;
  let my = 0;
  for (const p of pts) {
    mx += p.x;
    my += p.y;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const p of pts) {
    sxx += (p.x - mx) ** 2;
    syy += (p.y - my) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  const slope = sxx > 0 ? sxy / sxx : NaN;
  return { slope, intercept: my - slope * mx, r: sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN, n };
}

export function renderScatter(element: SVGSVGElement, points: ScatterPoint[], overlays: ScatterSeries[], o: ScatterOptions): LinearFit {
  const fit = linearFit(points);
  const title = (o.showR ?? true) && Number.isFinite(fit.r) ? `${o.title} (${o.rLabel ?? 'r'} = ${fit.r.toFixed(3)}, n = ${fit.n})` : o.title;
  const width = o.width ?? 560;
  const hasLegend = overlays.length > 0 || (o.regression ?? true) || o.identity;
  // Narrow (phones): the legend goes under the plot.
  const narrow = hasLegend && width < NARROW;
  const legendRows = 1 + overlays.length + ((o.regression ?? true) ? 1 : 0) + (o.identity ? 1 : 0);
  const height = (o.height ?? 420) + (narrow ? legendRows * 18 + 8 : 0);
  const f = setupFrame(element, {
    width,
    height,
    title,
    subtitle: o.subtitle,
    description: `Scatter plot of ${o.yLabel} against ${o.xLabel}, ${fit.n} points.`,
    margin: { top: titleSpace(o.subtitle) + 8, right: hasLegend && !narrow ? 150 : 24, bottom: 56 + (narrow ? legendRows * 18 + 8 : 0), left: narrow ? 60 : 68 },
  });
  const all = [...points, ...overlays.flatMap((s) => s.points)].filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  let xd = (d3.extent(all, (p) => p.x) as [number, number]) ?? [0, 1];
  let yd = (d3.extent(all.flatMap((p) => [p.y, p.yLow ?? p.y, p.yHigh ?? p.y]).filter(Number.isFinite)) as [number, number]) ?? [0, 1];
  if (xd[0] === undefined) xd = [0, 1];
  if (yd[0] === undefined) yd = [0, 1];
  if (o.identity) {
    const lo = Math.min(xd[0], yd[0]);
    const hi = Math.max(xd[1], yd[1]);
    xd = [lo, hi];
    yd = [lo, hi];
  }
  const pad = (d: [number, number]): [number, number] => {
    const span = d[1] - d[0] || 1;
    return [d[0] - span * 0.05, d[1] + span * 0.05];
  };
  const x = d3.scaleLinear().domain(pad(xd)).range([0, f.innerWidth]).nice();
  const y = d3.scaleLinear().domain(pad(yd)).range([f.innerHeight, 0]).nice();
  f.g.append('g').attr('class', 'grid').selectAll('line').data(y.ticks(6)).join('line')
    .attr('x1', 0).attr('x2', f.innerWidth).attr('y1', (d) => y(d)).attr('y2', (d) => y(d)).attr('stroke', GRID).attr('stroke-width', 0.6);
  const clipId = `scatter-clip-${Math.random().toString(36).slice(2, 9)}`;
  f.g.append('clipPath').attr('id', clipId).append('rect').attr('width', f.innerWidth).attr('height', f.innerHeight);
  const clip = f.g.append('g');
  const lineThrough = (fitLine: LinearFit, colour: string, dash: string | null, cls: string) => {
    const [x0, x1] = x.domain();
    clip.append('line').attr('class', cls)
      .attr('x1', x(x0)).attr('x2', x(x1))
      .attr('y1', y(fitLine.slope * x0 + fitLine.intercept)).attr('y2', y(fitLine.slope * x1 + fitLine.intercept))
      .attr('stroke', colour).attr('stroke-width', 2).attr('stroke-dasharray', dash);
  };
  if (o.identity) lineThrough({ slope: 1, intercept: 0, r: 1, n: 0 }, MUTED, '5 4', 'identity');

  const drawPoints = (pts: ScatterPoint[], colour: string, name: string, shape: d3.SymbolType) => {
    clip.append('g').attr('class', 'whiskers').selectAll('line').data(pts.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.yLow ?? NaN) && Number.isFinite(p.yHigh ?? NaN))).join('line')
      .attr('x1', (p) => x(p.x)).attr('x2', (p) => x(p.x)).attr('y1', (p) => y(p.yLow!)).attr('y2', (p) => y(p.yHigh!)).attr('stroke', colour).attr('stroke-opacity', 0.6);
    clip.append('g').attr('class', 'points').attr('data-name', name).selectAll('path').data(pts.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))).join('path')
      .attr('d', d3.symbol(shape, 42)())
      .attr('transform', (p) => `translate(${x(p.x)},${y(p.y)})`)
      .attr('fill', colour).attr('fill-opacity', 0.7).attr('stroke', colour)
      .append('title').text((p) => `${p.label ? p.label + ': ' : ''}${p.x.toFixed(3)}, ${p.y.toFixed(3)}`);
  };
  const primary = categoricalColour(0);
  drawPoints(points, primary, o.name ?? 'data', d3.symbolCircle);
  const shapes = [d3.symbolTriangle, d3.symbolSquare, d3.symbolDiamond, d3.symbolCross];
  overlays.forEach((s, i) => {
    const colour = s.colour ?? categoricalColour(i + 1);
    drawPoints(s.points, colour, s.name, shapes[i % shapes.length]);
    if (s.regression) {
      const sf = linearFit(s.points);
      if (Number.isFinite(sf.slope)) lineThrough(sf, colour, '2 3', 'regression');
    }
  });
  if ((o.regression ?? true) && Number.isFinite(fit.slope)) lineThrough(fit, INK, null, 'regression');
  clip.attr('clip-path', `url(#${clipId})`);

  const xg = f.g.append('g').attr('transform', `translate(0,${f.innerHeight})`).call(d3.axisBottom(x).ticks(Math.max(2, Math.floor(f.innerWidth / 70))).tickSizeOuter(0));
  styleAxis(xg);
  const yg = f.g.append('g').call(d3.axisLeft(y).ticks(6).tickSizeOuter(0));
  styleAxis(yg);
  xAxisLabel(f, o.xLabel, 42);
  yAxisLabel(f, o.yLabel, narrow ? 46 : 50);

  if (hasLegend) {
    const legend = f.g
      .append('g')
      .attr('class', 'legend')
      .attr('transform', narrow ? `translate(${-48},${f.innerHeight + 56})` : `translate(${f.innerWidth + 16},4)`);
    const entries: { name: string; draw: (g: d3.Selection<SVGGElement, unknown, null, undefined>) => void }[] = [
      { name: o.name ?? 'data', draw: (g) => { g.append('circle').attr('cx', 9).attr('cy', 6).attr('r', 4.5).attr('fill', primary); } },
      ...overlays.map((s, i) => ({
        name: s.name,
        draw: (g: d3.Selection<SVGGElement, unknown, null, undefined>) => {
          g.append('path').attr('d', d3.symbol(shapes[i % shapes.length], 60)()).attr('transform', 'translate(9,6)').attr('fill', s.colour ?? categoricalColour(i + 1));
        },
      })),
    ];
    if ((o.regression ?? true) && Number.isFinite(fit.slope))
      entries.push({ name: 'least-squares fit', draw: (g) => { g.append('line').attr('x1', 0).attr('x2', 18).attr('y1', 6).attr('y2', 6).attr('stroke', INK).attr('stroke-width', 2); } });
    if (o.identity)
      entries.push({ name: 'identity (y = x)', draw: (g) => { g.append('line').attr('x1', 0).attr('x2', 18).attr('y1', 6).attr('y2', 6).attr('stroke', MUTED).attr('stroke-width', 2).attr('stroke-dasharray', '5 4'); } });
    entries.forEach((e, i) => {
      const row = legend.append('g').attr('transform', `translate(0,${i * (narrow ? 18 : 20)})`);
      e.draw(row);
      row.append('text').attr('x', 24).attr('y', 10).attr('fill', INK).style('font-size', `${FONT.tick - 1}px`).text(shortenLabel(e.name, narrow ? 40 : 20));
    });
  }
  return fit;
}
