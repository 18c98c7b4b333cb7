/**
 * Generic line chart: several series of (x, y ± err) points, optional shaded horizontal bands
 * (e.g. a noise ceiling), optional highlighted points, categorical or numeric x.
 * Used for layer curves, psychometric curves and dose-response curves.
 */
import * as d3 from 'd3';
import { FONT, GRID, INK, MUTED, NARROW, categoricalColour } from './theme';
import { layoutLayerAxis, shortenLabel, type LayerAxisLayout } from './layerAxis';
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
  /** Indices into points drawn as labelled diamonds (e.g. the committed layer); legend entry `markLabel`. */
  marks?: number[];
  /** Leave out of the legend (e.g. the fit of a curve whose points already have an entry). Default true. */
  legend?: boolean;
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
  /** Group (e.g. network block) of each category: deep networks are labelled by block (see layerAxis.ts). */
  xGroups?: string[];
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** Horizontal reference line, e.g. 0 or 50 %. */
  yReference?: number;
  /** Legend entry text for highlighted points. */
  highlightLabel?: string;
  /** Legend entry and on-plot label text for marked points (LineSeries.marks). */
  markLabel?: string;
}

export function renderLineChart(element: SVGSVGElement, series: LineSeries[], bands: Band[], o: LineChartOptions): void {
  const width = o.width ?? 640;
  const categorical = o.xCategories !== undefined;
  // Narrow (phones): the legend goes under the plot, one row per entry, and the plot grows by as much.
  const narrow = width < NARROW;
  const hasMarks = series.some((s) => s.marks?.length);
  const legendRows = series.length + bands.length + (o.highlightLabel && series.some((s) => s.highlight?.length) ? 1 : 0) + (hasMarks ? 1 : 0);
  const height = (o.height ?? 400) + (narrow ? legendRows * 18 + 8 : 0);
  const right = narrow ? 16 : 150;
  // A categorical axis is laid out first: its labels decide the bottom (and left) margin.
  const axis = categorical ? layoutLayerAxis(o.xCategories!, width - 68 - right, FONT.tick, o.xGroups) : null;
  const left = Math.round(Math.min(160, Math.max(narrow ? 56 : 68, (axis?.overhang ?? 0) + 8)));
  const axisBottom = axis ? Math.round(axis.depth + 34) : 56;
  const bottom = axisBottom + (narrow ? legendRows * 18 + 8 : 0);
  const f = setupFrame(element, {
    width,
    height,
    title: o.title,
    subtitle: o.subtitle,
    description: `Line chart of ${o.yLabel} against ${o.xLabel}; series: ${series.map((s) => s.name).join(', ')}.`,
    margin: { top: titleSpace(o.subtitle) + 8, right, bottom, left },
  });
  const allPoints = series.flatMap((s) => s.points);
  const xExtent: [number, number] =
    o.xDomain ?? (categorical ? [-0.5, o.xCategories!.length - 0.5] : ((d3.extent(allPoints, (p) => p.x) as [number, number]) ?? [0, 1]));
  if (xExtent[0] === undefined || xExtent[0] === xExtent[1]) xExtent[1] = (xExtent[0] ?? 0) + 1;
  const x = d3.scaleLinear().domain(xExtent).range([0, f.innerWidth]);
  if (!categorical && !o.xDomain) x.nice();
  // Bands far above the data (a noise ceiling of 1 over scores of 0.2) would squash the data into the
  // bottom of the plot: they are then left out of the y range and marked at the top edge instead.
  const dataHi = d3.max(allPoints, (p) => (Number.isFinite(p.y) ? p.y + (p.err ?? 0) : NaN));
  const bandsHi = d3.max(bands, (b) => Math.max(b.y0, b.y1));
  const offScale = new Set<Band>(
    !o.yDomain && dataHi !== undefined && bandsHi !== undefined && dataHi > 0 && dataHi < 0.45 * bandsHi
      ? bands.filter((b) => Math.min(b.y0, b.y1) > dataHi * 1.15)
      : [],
  );
  const inRange = bands.filter((b) => !offScale.has(b));
  let yDomain = o.yDomain;
  if (!yDomain) {
    const lo = d3.min([...allPoints.map((p) => p.y - (p.err ?? 0)), ...inRange.map((b) => b.y0), o.yReference ?? Infinity]) ?? 0;
    const hi = d3.max([...allPoints.map((p) => p.y + (p.err ?? 0)), ...inRange.map((b) => b.y1), o.yReference ?? -Infinity]) ?? 1;
    yDomain = [Math.min(0, lo), hi > Math.min(0, lo) ? hi : Math.min(0, lo) + 1];
    // Headroom under the top edge for the off-scale band notes.
    if (offScale.size) yDomain[1] += (yDomain[1] - yDomain[0]) * (0.1 + 0.07 * offScale.size);
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
    .data(inRange)
    .join('rect')
    .attr('x', (b) => x(b.x0 ?? x.domain()[0]))
    .attr('width', (b) => Math.max(0, x(b.x1 ?? x.domain()[1]) - x(b.x0 ?? x.domain()[0])))
    .attr('y', (b) => y(Math.max(b.y0, b.y1)))
    .attr('height', (b) => Math.max(1.5, Math.abs(y(b.y0) - y(b.y1))))
    .attr('fill', (b) => b.colour ?? categoricalColour(bands.indexOf(b)))
    .attr('fill-opacity', 0.18)
    .append('title')
    .text((b) => `${b.name}: ${b.y0.toFixed(3)} – ${b.y1.toFixed(3)}`);
  if (offScale.size) {
    // One line per off-scale band, under the top edge: "▲ IT noise ceiling 0.90–1.10 (above this range)".
    const marks = f.g.append('g').attr('class', 'bands-above');
    [...offScale].forEach((b, k) => {
      const colour = b.colour ?? categoricalColour(bands.indexOf(b));
      marks.append('rect').attr('x', 0).attr('y', 0).attr('width', f.innerWidth).attr('height', 4).attr('fill', colour).attr('fill-opacity', 0.35);
      marks
        .append('text')
        .attr('x', f.innerWidth - 4)
        .attr('y', 16 + k * 15)
        .attr('text-anchor', 'end')
        .attr('fill', INK)
        .style('font-size', `${FONT.tick - 1}px`)
        .text(`▲ ${b.name} ${Math.min(b.y0, b.y1).toFixed(2)}–${Math.max(b.y0, b.y1).toFixed(2)} (above this range)`);
    });
  }

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
    for (const m of s.marks ?? []) {
      const p = s.points[m];
      if (!p || !Number.isFinite(p.y)) continue;
      // Labels of several series marked at the same x are stacked, so they do not overprint.
      const stack = series.slice(0, i).filter((t) => (t.marks ?? []).some((k) => t.points[k]?.x === p.x && Number.isFinite(t.points[k]?.y))).length;
      const mark = g.append('g').attr('class', 'mark').attr('transform', `translate(${x(p.x)},${y(p.y)})`);
      mark.append('path').attr('d', d3.symbol(d3.symbolDiamond, 130)()).attr('fill', '#ffffff').attr('stroke', colour).attr('stroke-width', 2.2);
      mark
        .append('text')
        .attr('class', 'mark-label')
        .attr('x', 8)
        .attr('y', -9 - stack * 12)
        .attr('fill', colour)
        .attr('stroke', '#ffffff')
        .attr('stroke-width', 3)
        .attr('paint-order', 'stroke')
        .style('font-size', `${FONT.tick - 1}px`)
        .style('font-weight', '600')
        .text(`${s.name} ${o.markLabel ?? 'marked'}`);
      mark.append('title').text(`${s.name}: ${o.markLabel ?? 'marked'} (${categorical ? o.xCategories![p.x] : p.x})`);
    }
  });

  // Axes
  const xg = f.g.append('g').attr('class', 'x-axis').attr('transform', `translate(0,${f.innerHeight})`);
  if (axis) drawLayerAxis(xg, x, axis, o.xCategories!.length);
  else xg.call(d3.axisBottom(x).tickSizeOuter(0).ticks(Math.max(2, Math.floor(f.innerWidth / 70))));
  styleAxis(xg);
  const yg = f.g.append('g').attr('class', 'y-axis').call(d3.axisLeft(y).ticks(6).tickSizeOuter(0));
  styleAxis(yg);
  xAxisLabel(f, o.xLabel, axis ? Math.round(axis.depth + 22) : 42);
  yAxisLabel(f, o.yLabel, narrow ? left - 14 : 50);

  // Legend
  const legend = f.g
    .append('g')
    .attr('class', 'legend')
    .attr('transform', narrow ? `translate(${-left + 12},${f.innerHeight + axisBottom})` : `translate(${f.innerWidth + 16},4)`);
  const entries: { name: string; colour: string; kind: 'line' | 'band' | 'star' | 'diamond' }[] = [
    ...series.flatMap((s, i) => (s.legend === false ? [] : [{ name: s.name, colour: colourOf(i, s), kind: 'line' as const }])),
    ...bands.map((b, i) => ({ name: b.name, colour: b.colour ?? categoricalColour(i), kind: 'band' as const })),
  ];
  if (o.highlightLabel && series.some((s) => s.highlight?.length)) entries.push({ name: o.highlightLabel, colour: '#ffffff', kind: 'star' });
  if (hasMarks) entries.push({ name: o.markLabel ?? 'marked', colour: INK, kind: 'diamond' });
  entries.forEach((e, i) => {
    const row = legend.append('g').attr('transform', `translate(0,${i * (narrow ? 18 : 20)})`);
    if (e.kind === 'line') row.append('line').attr('x1', 0).attr('x2', 18).attr('y1', 6).attr('y2', 6).attr('stroke', e.colour).attr('stroke-width', 3);
    else if (e.kind === 'band') row.append('rect').attr('width', 18).attr('height', 12).attr('fill', e.colour).attr('fill-opacity', 0.25);
    else if (e.kind === 'star') row.append('path').attr('d', d3.symbol(d3.symbolStar, 110)()).attr('transform', 'translate(9,6)').attr('fill', e.colour).attr('stroke', INK);
    else row.append('path').attr('d', d3.symbol(d3.symbolDiamond, 90)()).attr('transform', 'translate(9,6)').attr('fill', '#ffffff').attr('stroke', e.colour).attr('stroke-width', 2);
    row.append('text').attr('x', 24).attr('y', 10).attr('fill', INK).style('font-size', `${FONT.tick - 1}px`).text(shortenLabel(e.name, narrow ? 40 : 20));
  });
}

/**
 * Categorical layer axis: a tick per layer; labels per kept layer, or per block with block dividers
 * (layout from layoutLayerAxis). Rotated labels end at their tick.
 */
function drawLayerAxis(
  xg: d3.Selection<SVGGElement, unknown, null, undefined>,
  x: d3.ScaleLinear<number, number>,
  axis: LayerAxisLayout,
  count: number,
): void {
  const labelAt = new Map(axis.kept.map((k, j) => [k, axis.labels[j]]));
  if (axis.mode === 'layers') {
    xg.call(d3.axisBottom(x).tickValues(d3.range(count)).tickFormat((v) => labelAt.get(Number(v)) ?? '').tickSizeOuter(0));
  } else {
    xg.call(d3.axisBottom(x).tickValues(d3.range(count)).tickFormat(() => '').tickSize(4).tickSizeOuter(0));
    const groups = xg.append('g').attr('class', 'layer-groups');
    axis.groups.forEach((g, k) => {
      if (k > 0) groups.append('line').attr('class', 'divider').attr('x1', x(g.start - 0.5)).attr('x2', x(g.start - 0.5)).attr('y1', 0).attr('y2', 14);
      const text = labelAt.get(k);
      if (text === undefined) return;
      groups
        .append('text')
        .attr('class', 'group-label')
        .attr('transform', `translate(${x((g.start + g.end) / 2)},${axis.rotate ? 16 : 22})${axis.rotate ? ' rotate(-45)' : ''}`)
        .attr('text-anchor', axis.rotate ? 'end' : 'middle')
        .attr('dy', '0.35em')
        .text(text)
        .append('title')
        .text(`${g.name}: layers ${g.start + 1}–${g.end + 1}`);
    });
  }
  if (axis.rotate && axis.mode === 'layers') {
    xg.selectAll('.tick text').attr('transform', 'rotate(-45)').attr('text-anchor', 'end').attr('dx', '-0.5em').attr('dy', '0.15em');
  }
}
