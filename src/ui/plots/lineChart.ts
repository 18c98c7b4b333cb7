/**
 * Generic line chart: several series of (x, y ± err) points, optional shaded horizontal bands
 * (e.g. a noise ceiling), optional highlighted points, categorical or numeric x.
 * Used for layer curves, psychometric curves and dose-response curves.
 */
import * as d3 from 'd3';
import { FONT, GRID, INK, MUTED, categoricalColour, thinTicks, truncateLabel } from './theme';
import { setupFrame, styleAxis, titleSpace, xAxisLabel, yAxisLabel } from './frame';

export interface LinePoint {
  x: number;
  y: number;
  /** Half-length of the error bar (e.g. SEM). */
  err?: number;
}

export interface LineSeries {
  name: string;
  points: LinePoint[];
  colour?: string;
  /** Dashed line without markers (e.g. a fitted curve). */
  dashed?: boolean;
  /** Draw markers at the points. Default true unless dashed. */
  markers?: boolean;
  /** Indices into points drawn as large outlined markers (e.g. the best layer). */
  highlight?: number[];
}

export interface Band {
  name: string;
  y0: number;
  y1: number;
  colour?: string;
  /** Restrict the band to an x range; default the whole axis. */
  x0?: number;
  x1?: number;
}

export interface LineChartOptions {
  title: string;
  subtitle?: string;
  width?: number;
  height?: number;
  xLabel: string;
  yLabel: string;
  /** Categorical x: points use x = index into these labels. */
  xCategories?: string[];
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** Horizontal reference line, e.g. 0 or 50 %. */
  yReference?: number;
  /** Legend entry text for highlighted points. */
  highlightLabel?: string;
}

export function renderLineChart(element: SVGSVGElement, series: LineSeries[], bands: Band[], o: LineChartOptions): void {
  const width = o.width ?? 640;
  const height = o.height ?? 400;
  const categorical = o.xCategories !== undefined;
  const bottom = categorical ? 96 : 56;
  const f = setupFrame(element, {
    width,
    height,
    title: o.title,
    subtitle: o.subtitle,
    description: `Line chart of ${o.yLabel} against ${o.xLabel}; series: ${series.map((s) => s.name).join(', ')}.`,
    margin: { top: titleSpace(o.subtitle) + 8, right: 150, bottom, left: 68 },
  });
  const allPoints = series.flatMap((s) => s.points);
  const xExtent: [number, number] =
    o.xDomain ?? (categorical ? [-0.5, o.xCategories!.length - 0.5] : ((d3.extent(allPoints, (p) => p.x) as [number, number]) ?? [0, 1]));
  if (xExtent[0] === undefined || xExtent[0] === xExtent[1]) xExtent[1] = (xExtent[0] ?? 0) + 1;
  const x = d3.scaleLinear().domain(xExtent).range([0, f.innerWidth]);
  if (!categorical && !o.xDomain) x.nice();
  let yDomain = o.yDomain;
  if (!yDomain) {
    const lo = d3.min([...allPoints.map((p) => p.y - (p.err ?? 0)), ...bands.map((b) => b.y0), o.yReference ?? Infinity]) ?? 0;
    const hi = d3.max([...allPoints.map((p) => p.y + (p.err ?? 0)), ...bands.map((b) => b.y1), o.yReference ?? -Infinity]) ?? 1;
    yDomain = [Math.min(0, lo), hi > Math.min(0, lo) ? hi : Math.min(0, lo) + 1];
  }
  const y = d3.scaleLinear().domain(yDomain).range([f.innerHeight, 0]).nice();

  // Grid
  f.g
    .append('g')
    .attr('class', 'grid')
    .selectAll('line')
    .data(y.ticks(6))
    .join('line')
    .attr('x1', 0)
    .attr('x2', f.innerWidth)
    .attr('y1', (d) => y(d))
    .attr('y2', (d) => y(d))
    .attr('stroke', GRID)
    .attr('stroke-width', 0.6);

  const colourOf = (i: number, s: { colour?: string }) => s.colour ?? categoricalColour(i);
  f.g
    .append('g')
    .attr('class', 'bands')
    .selectAll('rect')
    .data(bands)
    .join('rect')
    .attr('x', (b) => x(b.x0 ?? x.domain()[0]))
    .attr('width', (b) => Math.max(0, x(b.x1 ?? x.domain()[1]) - x(b.x0 ?? x.domain()[0])))
    .attr('y', (b) => y(Math.max(b.y0, b.y1)))
    .attr('height', (b) => Math.max(1.5, Math.abs(y(b.y0) - y(b.y1))))
    .attr('fill', (b, i) => b.colour ?? categoricalColour(i))
    .attr('fill-opacity', 0.18)
    .append('title')
    .text((b) => `${b.name}: ${b.y0.toFixed(3)} – ${b.y1.toFixed(3)}`);

  if (o.yReference !== undefined) {
    f.g
      .append('line')
      .attr('class', 'reference')
      .attr('x1', 0)
      .attr('x2', f.innerWidth)
      .attr('y1', y(o.yReference))
      .attr('y2', y(o.yReference))
      .attr('stroke', MUTED)
      .attr('stroke-dasharray', '4 3');
  }

  series.forEach((s, i) => {
    const colour = colourOf(i, s);
    const g = f.g.append('g').attr('class', 'series').attr('data-name', s.name);
    const pts = s.points.filter((p) => Number.isFinite(p.y));
    g.append('path')
      .datum(pts)
      .attr('fill', 'none')
      .attr('stroke', colour)
      .attr('stroke-width', 2.5)
      .attr('stroke-dasharray', s.dashed ? '6 4' : null)
      .attr(
        'd',
        d3
          .line<LinePoint>()
          .x((p) => x(p.x))
          .y((p) => y(p.y)),
      );
    g.selectAll('line.err')
      .data(pts.filter((p) => p.err !== undefined && p.err > 0))
      .join('line')
      .attr('class', 'err')
      .attr('x1', (p) => x(p.x))
      .attr('x2', (p) => x(p.x))
      .attr('y1', (p) => y(p.y - (p.err ?? 0)))
      .attr('y2', (p) => y(p.y + (p.err ?? 0)))
      .attr('stroke', colour)
      .attr('stroke-width', 1.5);
    if (s.markers ?? !s.dashed) {
      g.selectAll('circle.pt')
        .data(pts)
        .join('circle')
        .attr('class', 'pt')
        .attr('cx', (p) => x(p.x))
        .attr('cy', (p) => y(p.y))
        .attr('r', 3.5)
        .attr('fill', colour)
        .append('title')
        .text((p) => {
          const xs = categorical ? o.xCategories![p.x] : String(+p.x.toFixed(4));
          return `${s.name} · ${xs}: ${p.y.toFixed(3)}${p.err ? ` ± ${p.err.toFixed(3)}` : ''}`;
        });
    }
    for (const h of s.highlight ?? []) {
      const p = s.points[h];
      if (!p || !Number.isFinite(p.y)) continue;
      g.append('path')
        .attr('class', 'highlight')
        .attr('d', d3.symbol(d3.symbolStar, 190)())
        .attr('transform', `translate(${x(p.x)},${y(p.y)})`)
        .attr('fill', colour)
        .attr('stroke', INK)
        .attr('stroke-width', 1.2)
        .append('title')
        .text(`${s.name}: ${o.highlightLabel ?? 'highlighted'} (${categorical ? o.xCategories![p.x] : p.x})`);
    }
  });

  // Axes
  const xAxis = d3.axisBottom(x).tickSizeOuter(0);
  if (categorical) {
    const cats = o.xCategories!;
    const kept = thinTicks(cats.length, f.innerWidth, FONT.tick + 8);
    xAxis.tickValues(kept).tickFormat((v) => truncateLabel(cats[Number(v)] ?? '', 16));
  } else {
    xAxis.ticks(Math.max(2, Math.floor(f.innerWidth / 70)));
  }
  const xg = f.g.append('g').attr('class', 'x-axis').attr('transform', `translate(0,${f.innerHeight})`).call(xAxis);
  styleAxis(xg);
  if (categorical) {
    // Rotate only when the labels would not fit side by side.
    const cats = o.xCategories!;
    const kept = thinTicks(cats.length, f.innerWidth, FONT.tick + 8);
    const widest = d3.max(kept, (i) => truncateLabel(cats[i] ?? '', 16).length) ?? 0;
    if (widest * FONT.tick * 0.6 > f.innerWidth / Math.max(1, kept.length) - 6) {
      xg.selectAll('text').attr('transform', 'rotate(-40)').attr('text-anchor', 'end').attr('dx', '-0.4em').attr('dy', '0.5em');
    }
  }
  const yg = f.g.append('g').attr('class', 'y-axis').call(d3.axisLeft(y).ticks(6).tickSizeOuter(0));
  styleAxis(yg);
  xAxisLabel(f, o.xLabel, categorical ? bottom - 8 : 42);
  yAxisLabel(f, o.yLabel, 50);

  // Legend
  const legend = f.g.append('g').attr('class', 'legend').attr('transform', `translate(${f.innerWidth + 16},4)`);
  const entries: { name: string; colour: string; kind: 'line' | 'band' | 'star' }[] = [
    ...series.map((s, i) => ({ name: s.name, colour: colourOf(i, s), kind: 'line' as const })),
    ...bands.map((b, i) => ({ name: b.name, colour: b.colour ?? categoricalColour(i), kind: 'band' as const })),
  ];
  if (o.highlightLabel && series.some((s) => s.highlight?.length)) entries.push({ name: o.highlightLabel, colour: '#ffffff', kind: 'star' });
  entries.forEach((e, i) => {
    const row = legend.append('g').attr('transform', `translate(0,${i * 20})`);
    if (e.kind === 'line') row.append('line').attr('x1', 0).attr('x2', 18).attr('y1', 6).attr('y2', 6).attr('stroke', e.colour).attr('stroke-width', 3);
    else if (e.kind === 'band') row.append('rect').attr('width', 18).attr('height', 12).attr('fill', e.colour).attr('fill-opacity', 0.25);
    else row.append('path').attr('d', d3.symbol(d3.symbolStar, 110)()).attr('transform', 'translate(9,6)').attr('fill', e.colour).attr('stroke', INK);
    row.append('text').attr('x', 24).attr('y', 10).attr('fill', INK).style('font-size', `${FONT.tick - 1}px`).text(truncateLabel(e.name, 18));
  });
}
