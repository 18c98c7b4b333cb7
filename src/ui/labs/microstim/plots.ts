/**
 * d3 renderers of the two lab pages (Microstimulation and Language): the cortical-sheet d' map, a line chart
 * (psychometric curves, dose-response, per-layer r with ceiling) and a scatter with an optional overlay series
 * and regression line. Built on the shared plot frame/theme (src/ui/plots) so they look like every other plot.
 */
import * as d3 from 'd3';
import { setupFrame, styleAxis, titleSpace, xAxisLabel, yAxisLabel } from '../../plots/frame';
import { categoricalColour, FONT, GRID, INK, MUTED } from '../../plots/theme';

export interface SheetMapData {
  xMm: ArrayLike<number>;
  yMm: ArrayLike<number>;
  dPrime: ArrayLike<number>;
  spacingMm: number;
}

export interface SheetMapOptions {
  title: string;
  subtitle?: string;
  electrode?: { xMm: number; yMm: number } | null;
  /** Radius of directly activated tissue around the electrode (mm). */
  radiusMm?: number;
  /** Sites already swept (drawn with a ring). */
  marked?: number[];
  onPick?: (site: number) => void;
  width?: number;
  height?: number;
}

/** Face selectivity map: one square per site coloured by d' (diverging, 0 = white), mm axes, legend in d'. */
export function renderSheetMap(svgEl: SVGSVGElement, data: SheetMapData, o: SheetMapOptions): void {
  const width = o.width ?? 520;
  const height = o.height ?? 470;
  const margin = { top: titleSpace(o.subtitle), right: 96, bottom: 52, left: 62 };
  const f = setupFrame(svgEl, { width, height, title: o.title, subtitle: o.subtitle, margin, description: 'Each square is a recording site; colour is its face selectivity d′.' });
  const n = data.dPrime.length;
  const xs = Array.from(data.xMm);
  const ys = Array.from(data.yMm);
  const half = data.spacingMm / 2;
  const extent = Math.max(d3.max(xs) ?? 0, d3.max(ys) ?? 0) + half;
  const side = Math.min(f.innerWidth, f.innerHeight);
  const x = d3.scaleLinear().domain([-half, extent]).range([0, side]);
  const y = d3.scaleLinear().domain([-half, extent]).range([0, side]);
  const maxAbs = Math.max(0.5, d3.max(Array.from(data.dPrime), (v) => Math.abs(v)) ?? 1);
  const colour = d3.scaleDiverging((t: number) => d3.interpolateRdBu(1 - t)).domain([-maxAbs, 0, maxAbs]);
  const cell = Math.max(1, x(data.spacingMm) - x(0));
  const cells = f.g
    .append('g')
    .selectAll('rect')
    .data(d3.range(n))
    .join('rect')
    .attr('class', 'site')
    .attr('x', (i) => x(xs[i]) - cell / 2)
    .attr('y', (i) => y(ys[i]) - cell / 2)
    .attr('width', cell)
    .attr('height', cell)
    .attr('fill', (i) => colour(data.dPrime[i]))
    .style('cursor', o.onPick ? 'crosshair' : 'default');
  cells.append('title').text((i) => `site ${i} · d′ = ${data.dPrime[i].toFixed(2)} · (${xs[i].toFixed(2)}, ${ys[i].toFixed(2)}) mm`);
  if (o.onPick) cells.on('click', (_e, i) => o.onPick!(i));
  for (const i of o.marked ?? []) {
    f.g.append('rect').attr('x', x(xs[i]) - cell / 2).attr('y', y(ys[i]) - cell / 2).attr('width', cell).attr('height', cell).attr('fill', 'none').attr('stroke', INK).attr('stroke-width', 1.5);
  }
  if (o.electrode) {
    const ex = x(o.electrode.xMm);
    const ey = y(o.electrode.yMm);
    if (o.radiusMm && o.radiusMm > 0) {
      f.g.append('circle').attr('class', 'spread').attr('cx', ex).attr('cy', ey).attr('r', x(o.radiusMm) - x(0)).attr('fill', 'rgba(0,0,0,0.08)').attr('stroke', INK).attr('stroke-dasharray', '4 3').attr('stroke-width', 1.5);
    }
    f.g.append('path').attr('d', d3.symbol(d3.symbolCross, 90)()).attr('transform', `translate(${ex},${ey})`).attr('fill', '#000').attr('stroke', '#fff').attr('stroke-width', 1);
  }
  const ax = f.g.append('g').attr('transform', `translate(0,${side})`).call(d3.axisBottom(x).ticks(5));
  styleAxis(ax);
  const ay = f.g.append('g').call(d3.axisLeft(y).ticks(5));
  styleAxis(ay);
  f.g.append('text').attr('x', side / 2).attr('y', side + 40).attr('text-anchor', 'middle').attr('fill', INK).style('font-size', `${FONT.label}px`).text('sheet x (mm)');
  f.g.append('text').attr('transform', `translate(-44,${side / 2}) rotate(-90)`).attr('text-anchor', 'middle').attr('fill', INK).style('font-size', `${FONT.label}px`).text('sheet y (mm)');
  // Colour legend in d'.
  const lh = Math.min(220, side);
  const lx = side + 24;
  const ly = d3.scaleLinear().domain([maxAbs, -maxAbs]).range([0, lh]);
  const gradId = `dprime-grad-${Math.random().toString(36).slice(2, 8)}`;
  const grad = f.svg.append('defs').append('linearGradient').attr('id', gradId).attr('x1', 0).attr('x2', 0).attr('y1', 0).attr('y2', 1);
  for (let k = 0; k <= 10; k++) grad.append('stop').attr('offset', `${k * 10}%`).attr('stop-color', colour(maxAbs - (2 * maxAbs * k) / 10));
  const legend = f.g.append('g').attr('transform', `translate(${lx},0)`);
  legend.append('rect').attr('width', 14).attr('height', lh).attr('fill', `url(#${gradId})`).attr('stroke', MUTED);
  const la = legend.append('g').attr('transform', 'translate(14,0)').call(d3.axisRight(ly).ticks(5));
  styleAxis(la);
  legend.append('text').attr('x', 0).attr('y', lh + 22).attr('fill', INK).style('font-size', `${FONT.label}px`).text('face d′');
}

export interface LineSeries {
  name: string;
  x: number[];
  y: number[];
  /** Points drawn as dots (measured), line drawn through `fitX/fitY` when given (fit), else through the points. */
  fitX?: number[];
  fitY?: number[];
  dashed?: boolean;
  colour?: string;
  /** Symmetric error bars. */
  err?: number[];
}

export interface LineChartOptions {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** Vertical marker lines (e.g. 50 % points). */
  vLines?: { x: number; colour?: string; label?: string }[];
  /** Horizontal reference line (e.g. 0.5). */
  hLine?: number;
  /** Horizontal band, e.g. the noise ceiling. */
  band?: { y0: number; y1: number; label: string };
  /** Categorical x tick labels (x values are indices). */
  xTickLabels?: string[];
  width?: number;
  height?: number;
}

export function renderLineChart(svgEl: SVGSVGElement, series: LineSeries[], o: LineChartOptions): void {
  const width = o.width ?? 520;
  const height = o.height ?? 340;
  const margin = { top: titleSpace(o.subtitle) + 22, right: 20, bottom: o.xTickLabels ? 86 : 56, left: 66 };
  const f = setupFrame(svgEl, { width, height, title: o.title, subtitle: o.subtitle, margin });
  const allX = series.flatMap((s) => [...s.x, ...(s.fitX ?? [])]);
  const allY = series.flatMap((s) => [...s.y, ...(s.fitY ?? []), ...s.y.map((v, i) => v + (s.err?.[i] ?? 0)), ...s.y.map((v, i) => v - (s.err?.[i] ?? 0))]);
  if (o.band) allY.push(o.band.y0, o.band.y1);
  const xd = o.xDomain ?? (d3.extent(allX.filter(Number.isFinite)) as [number, number]);
  const yd = o.yDomain ?? (d3.extent(allY.filter(Number.isFinite)) as [number, number]);
  const x = d3.scaleLinear().domain(xd[0] === undefined ? [0, 1] : xd).range([0, f.innerWidth]).nice();
  const y = d3.scaleLinear().domain(yd[0] === undefined ? [0, 1] : yd).range([f.innerHeight, 0]).nice();
  f.g.append('g').selectAll('line').data(y.ticks(5)).join('line').attr('x1', 0).attr('x2', f.innerWidth).attr('y1', (v) => y(v)).attr('y2', (v) => y(v)).attr('stroke', GRID).attr('stroke-width', 0.6);
  if (o.band) {
    f.g.append('rect').attr('class', 'ceiling-band').attr('x', 0).attr('width', f.innerWidth).attr('y', y(o.band.y1)).attr('height', Math.max(1, y(o.band.y0) - y(o.band.y1))).attr('fill', 'rgba(120,120,120,0.18)');
    f.g.append('text').attr('x', f.innerWidth - 4).attr('y', y(o.band.y1) - 4).attr('text-anchor', 'end').attr('fill', MUTED).style('font-size', `${FONT.tick - 1}px`).text(o.band.label);
  }
  if (o.hLine !== undefined) f.g.append('line').attr('x1', 0).attr('x2', f.innerWidth).attr('y1', y(o.hLine)).attr('y2', y(o.hLine)).attr('stroke', MUTED).attr('stroke-dasharray', '3 3');
  const xAxis = o.xTickLabels
    ? d3.axisBottom(x).tickValues(o.xTickLabels.map((_, i) => i).filter((i) => i % Math.max(1, Math.ceil(o.xTickLabels!.length / 14)) === 0)).tickFormat((v) => o.xTickLabels![Number(v)] ?? '')
    : d3.axisBottom(x).ticks(6);
  const ax = f.g.append('g').attr('transform', `translate(0,${f.innerHeight})`).call(xAxis);
  styleAxis(ax);
  if (o.xTickLabels) ax.selectAll('text').attr('transform', 'rotate(-35)').attr('text-anchor', 'end').attr('dx', '-0.4em').attr('dy', '0.5em');
  styleAxis(f.g.append('g').call(d3.axisLeft(y).ticks(5)));
  xAxisLabel(f, o.xLabel, o.xTickLabels ? 78 : 42);
  yAxisLabel(f, o.yLabel);
  series.forEach((s, k) => {
    const c = s.colour ?? categoricalColour(k);
    const lx = s.fitX ?? s.x;
    const ly = s.fitY ?? s.y;
    const pts = lx.map((v, i) => [x(v), y(ly[i])] as [number, number]).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
    f.g.append('path').attr('d', d3.line()(pts)).attr('fill', 'none').attr('stroke', c).attr('stroke-width', 2.2).attr('stroke-dasharray', s.dashed ? '6 4' : null);
    s.x.forEach((v, i) => {
      if (!Number.isFinite(s.y[i])) return;
      if (s.err) f.g.append('line').attr('x1', x(v)).attr('x2', x(v)).attr('y1', y(s.y[i] - s.err[i])).attr('y2', y(s.y[i] + s.err[i])).attr('stroke', c);
      f.g.append('circle').attr('cx', x(v)).attr('cy', y(s.y[i])).attr('r', 4).attr('fill', c).attr('stroke', '#fff');
    });
  });
  for (const v of o.vLines ?? []) {
    if (!Number.isFinite(v.x) || v.x < x.domain()[0] || v.x > x.domain()[1]) continue;
    f.g.append('line').attr('x1', x(v.x)).attr('x2', x(v.x)).attr('y1', 0).attr('y2', f.innerHeight).attr('stroke', v.colour ?? MUTED).attr('stroke-dasharray', '2 3');
  }
  // Legend above the plot area, one row.
  const legend = f.g.append('g').attr('transform', 'translate(0,-14)');
  let lx0 = 0;
  series.forEach((s, k) => {
    const c = s.colour ?? categoricalColour(k);
    legend.append('line').attr('x1', lx0).attr('x2', lx0 + 22).attr('y1', 0).attr('y2', 0).attr('stroke', c).attr('stroke-width', 2.2).attr('stroke-dasharray', s.dashed ? '6 4' : null);
    const t = legend.append('text').attr('x', lx0 + 27).attr('y', 4).attr('fill', INK).style('font-size', `${FONT.tick}px`).text(s.name);
    lx0 += 40 + (t.node()?.getComputedTextLength?.() ?? s.name.length * 7);
  });
}

export interface ScatterSeries {
  name: string;
  x: number[];
  y: number[];
  colour?: string;
  /** Hollow markers (e.g. reference data). */
  hollow?: boolean;
  labels?: string[];
}

export interface ScatterOptions {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  /** Least-squares line through this series (index). */
  regressionOf?: number;
  zeroLines?: boolean;
  width?: number;
  height?: number;
}

export function renderScatter(svgEl: SVGSVGElement, series: ScatterSeries[], o: ScatterOptions): void {
  const width = o.width ?? 520;
  const height = o.height ?? 360;
  const margin = { top: titleSpace(o.subtitle) + 22, right: 20, bottom: 56, left: 66 };
  const f = setupFrame(svgEl, { width, height, title: o.title, subtitle: o.subtitle, margin });
  const allX = series.flatMap((s) => s.x).filter(Number.isFinite);
  const allY = series.flatMap((s) => s.y).filter(Number.isFinite);
  const x = d3.scaleLinear().domain(allX.length ? (d3.extent(allX) as [number, number]) : [0, 1]).range([0, f.innerWidth]).nice();
  const y = d3.scaleLinear().domain(allY.length ? (d3.extent(allY) as [number, number]) : [0, 1]).range([f.innerHeight, 0]).nice();
  f.g.append('g').selectAll('line').data(y.ticks(5)).join('line').attr('x1', 0).attr('x2', f.innerWidth).attr('y1', (v) => y(v)).attr('y2', (v) => y(v)).attr('stroke', GRID).attr('stroke-width', 0.6);
  if (o.zeroLines) {
    const [y0, y1] = y.domain();
    if (y0 < 0 && y1 > 0) f.g.append('line').attr('x1', 0).attr('x2', f.innerWidth).attr('y1', y(0)).attr('y2', y(0)).attr('stroke', MUTED);
    const [x0, x1] = x.domain();
    if (x0 < 0 && x1 > 0) f.g.append('line').attr('x1', x(0)).attr('x2', x(0)).attr('y1', 0).attr('y2', f.innerHeight).attr('stroke', MUTED);
  }
  styleAxis(f.g.append('g').attr('transform', `translate(0,${f.innerHeight})`).call(d3.axisBottom(x).ticks(6)));
  styleAxis(f.g.append('g').call(d3.axisLeft(y).ticks(5)));
  xAxisLabel(f, o.xLabel);
  yAxisLabel(f, o.yLabel);
  series.forEach((s, k) => {
    const c = s.colour ?? categoricalColour(k);
    const pts = f.g.append('g').attr('class', `series-${k}`).selectAll('circle').data(d3.range(s.x.length).filter((i) => Number.isFinite(s.x[i]) && Number.isFinite(s.y[i]))).join('circle')
      .attr('cx', (i) => x(s.x[i])).attr('cy', (i) => y(s.y[i])).attr('r', s.hollow ? 4 : 4.5)
      .attr('fill', s.hollow ? 'none' : c).attr('stroke', s.hollow ? c : '#fff').attr('stroke-width', s.hollow ? 1.5 : 0.8).attr('fill-opacity', 0.85);
    pts.append('title').text((i) => `${s.labels?.[i] ? s.labels[i] + ' · ' : ''}${s.x[i].toFixed(3)}, ${s.y[i].toFixed(3)}`);
  });
  if (o.regressionOf !== undefined && series[o.regressionOf] && series[o.regressionOf].x.length >= 2) {
    const s = series[o.regressionOf];
    const mx = d3.mean(s.x)!;
    const my = d3.mean(s.y)!;
    let sxy = 0;
    let sxx = 0;
    s.x.forEach((v, i) => {
      sxy += (v - mx) * (s.y[i] - my);
      sxx += (v - mx) ** 2;
    });
    if (sxx > 0) {
      const b = sxy / sxx;
      const [x0, x1] = x.domain();
      f.g.append('line').attr('class', 'regression').attr('x1', x(x0)).attr('x2', x(x1)).attr('y1', y(my + b * (x0 - mx))).attr('y2', y(my + b * (x1 - mx))).attr('stroke', s.colour ?? categoricalColour(o.regressionOf)).attr('stroke-width', 2).attr('stroke-dasharray', '6 3');
    }
  }
  const legend = f.g.append('g').attr('transform', 'translate(0,-14)');
  let lx0 = 0;
  series.forEach((s, k) => {
    const c = s.colour ?? categoricalColour(k);
    legend.append('circle').attr('cx', lx0 + 5).attr('cy', 0).attr('r', 4.5).attr('fill', s.hollow ? 'none' : c).attr('stroke', c).attr('stroke-width', 1.5);
    const t = legend.append('text').attr('x', lx0 + 14).attr('y', 4).attr('fill', INK).style('font-size', `${FONT.tick}px`).text(s.name);
    lx0 += 32 + (t.node()?.getComputedTextLength?.() ?? s.name.length * 7);
  });
}

/** Histogram of values (distribution of predictions). */
export function renderHistogram(svgEl: SVGSVGElement, values: number[], o: { title: string; subtitle?: string; xLabel: string; width?: number; height?: number; marks?: { x: number; label: string }[] }): void {
  const width = o.width ?? 520;
  const height = o.height ?? 300;
  const margin = { top: titleSpace(o.subtitle) + 6, right: 20, bottom: 56, left: 66 };
  const f = setupFrame(svgEl, { width, height, title: o.title, subtitle: o.subtitle, margin });
  const finite = values.filter(Number.isFinite);
  const span = [...finite, ...(o.marks ?? []).map((m) => m.x).filter(Number.isFinite)];
  const x = d3.scaleLinear().domain(span.length ? (d3.extent(span) as [number, number]) : [0, 1]).range([0, f.innerWidth]).nice();
  const bins = d3.bin().domain(x.domain() as [number, number]).thresholds(x.ticks(24))(finite);
  const y = d3.scaleLinear().domain([0, d3.max(bins, (b) => b.length) ?? 1]).range([f.innerHeight, 0]).nice();
  f.g.append('g').selectAll('rect').data(bins).join('rect').attr('x', (b) => x(b.x0!) + 0.5).attr('width', (b) => Math.max(0, x(b.x1!) - x(b.x0!) - 1)).attr('y', (b) => y(b.length)).attr('height', (b) => f.innerHeight - y(b.length)).attr('fill', categoricalColour(0));
  styleAxis(f.g.append('g').attr('transform', `translate(0,${f.innerHeight})`).call(d3.axisBottom(x).ticks(6)));
  styleAxis(f.g.append('g').call(d3.axisLeft(y).ticks(5)));
  xAxisLabel(f, o.xLabel);
  yAxisLabel(f, 'sentences');
  for (const m of o.marks ?? []) {
    f.g.append('line').attr('x1', x(m.x)).attr('x2', x(m.x)).attr('y1', 0).attr('y2', f.innerHeight).attr('stroke', INK).attr('stroke-dasharray', '3 3');
    const right = x(m.x) > f.innerWidth * 0.7;
    f.g.append('text').attr('x', x(m.x) + (right ? -4 : 4)).attr('y', 12).attr('text-anchor', right ? 'end' : 'start').attr('fill', INK).style('font-size', `${FONT.tick - 1}px`).text(m.label);
  }
}
