/**
 * Layer × region heatmap: one row per layer (input at the top), one column per region, the score written
 * in each cell, a colour legend, and an outline on each region's best layer ("layer commitment").
 */
import * as d3 from 'd3';
import { FONT, INK, SEQUENTIAL, formatScore, labelColourOn, thinTicks, truncateLabel } from './theme';
import { setupFrame, styleAxis, titleSpace, xAxisLabel, yAxisLabel } from './frame';
import { shortenLabel } from './layerAxis';

export interface HeatmapData {
  /** Row labels (layers), top to bottom. */
  rows: string[];
  /** Column labels (regions), left to right. */
  columns: string[];
  /** values[row][column]; NaN for "not computed". */
  values: number[][];
  /** Optional per-cell uncertainty shown in the tooltip, same shape as values. */
  errors?: number[][];
}

export interface HeatmapOptions {
  title: string;
  subtitle?: string;
  /** Maximum width; narrower when there are few columns (cells are at most 130 px wide). */
  width?: number;
  height?: number;
  /** Legend / value meaning, with units, e.g. "ceiled score (r / ceiling)". */
  valueLabel: string;
  rowLabel?: string;
  columnLabel?: string;
  /** Colour domain; default [min(0, data min), max(data max, small)]. */
  domain?: [number, number];
  /** Outline the maximum of each column (best layer per region). Default true. */
  markColumnMax?: boolean;
  /** Write values in cells when they fit. Default true. */
  showValues?: boolean;
}

/** Row index of the maximum of each column (NaN-skipping), -1 for an empty column. */
export function columnArgmax(values: number[][], columns: number): number[] {
  const best: number[] = [];
  for (let c = 0; c < columns; c++) {
    let bi = -1;
    let bv = -Infinity;
    values.forEach((row, r) => {
      const v = row[c];
      if (Number.isFinite(v) && v > bv) {
        bv = v;
        bi = r;
      }
    });
    best.push(bi);
  }
  return best;
}

/** Finite [min, max] of a matrix, with the lower end at most 0 and a non-empty span. */
export function scoreDomain(values: number[][]): [number, number] {
  let lo = 0;
  let hi = -Infinity;
  for (const row of values) for (const v of row) if (Number.isFinite(v)) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!Number.isFinite(hi) || hi <= lo) hi = lo + 1;
  return [lo, hi];
}

/** Widest a column gets: a few regions should not become long stretched bars. */
const MAX_CELL_WIDTH = 130;

export function renderHeatmap(element: SVGSVGElement, data: HeatmapData, o: HeatmapOptions): void {
  // Row labels are shortened at word boundaries; narrow plots (phones) keep them shorter.
  const maxChars = (o.width ?? 640) < 560 ? 16 : 28;
  const rowLabels = data.rows.map((r) => shortenLabel(r, maxChars));
  const longest = Math.min(maxChars, d3.max(rowLabels, (r) => r.length) ?? 8);
  const left = Math.max(90, longest * 7.2 + 46);
  const right = 110;
  const maxWidth = o.width ?? 640;
  const titleWidth = Math.max(o.title.length * 9, (o.subtitle?.length ?? 0) * 7.2) + 24;
  const width = Math.min(maxWidth, Math.max(left + right + data.columns.length * MAX_CELL_WIDTH, titleWidth, 360));
  // Tall enough for the rotated colour-bar label (about 7 px per character) and the "best layer" key below it.
  const legendNeeds = o.valueLabel.length * 7 + 40;
  // ... and for the rotated row-axis title.
  const rowTitleNeeds = (o.rowLabel ?? 'model layer (input at top)').length * 7.4;
  const height = o.height ?? Math.min(640, Math.max(titleSpace(o.subtitle) + 64 + Math.max(legendNeeds, rowTitleNeeds), 110 + data.rows.length * 26));
  const f = setupFrame(element, {
    width,
    height,
    title: o.title,
    subtitle: o.subtitle,
    description: `Heatmap of ${o.valueLabel} for ${data.rows.length} layers (rows) and ${data.columns.length} regions (columns). Outlined cells mark each region's best layer.`,
    margin: { top: titleSpace(o.subtitle) + 8, right, bottom: 56, left },
  });
  const x = d3.scaleBand<number>().domain(d3.range(data.columns.length)).range([0, f.innerWidth]).padding(0.04);
  const y = d3.scaleBand<number>().domain(d3.range(data.rows.length)).range([0, f.innerHeight]).padding(0.04);
  const domain = o.domain ?? scoreDomain(data.values);
  const colour = d3.scaleSequential(SEQUENTIAL).domain(domain).clamp(true);

  const cells = data.values.flatMap((row, r) => row.map((v, c) => ({ r, c, v, e: data.errors?.[r]?.[c] })));
  const cell = f.g
    .append('g')
    .attr('class', 'cells')
    .selectAll('g')
    .data(cells)
    .join('g')
    .attr('class', 'cell')
    .attr('data-row', (d) => data.rows[d.r])
    .attr('data-column', (d) => data.columns[d.c])
    .attr('data-value', (d) => (Number.isFinite(d.v) ? String(d.v) : ''))
    .attr('transform', (d) => `translate(${x(d.c)},${y(d.r)})`);
  cell
    .append('rect')
    .attr('width', x.bandwidth())
    .attr('height', y.bandwidth())
    .attr('fill', (d) => (Number.isFinite(d.v) ? colour(d.v) : '#eeeeee'));
  cell
    .append('title')
    .text(
      (d) =>
        `${data.rows[d.r]} → ${data.columns[d.c]}: ${formatScore(d.v, 3)}` +
        (d.e !== undefined && Number.isFinite(d.e) ? ` ± ${formatScore(d.e, 3)} (SEM)` : ''),
    );
  if ((o.showValues ?? true) && y.bandwidth() >= FONT.cell + 2 && x.bandwidth() >= 34) {
    cell
      .append('text')
      .attr('x', x.bandwidth() / 2)
      .attr('y', y.bandwidth() / 2)
      .attr('dy', '0.35em')
      .attr('text-anchor', 'middle')
      .attr('fill', (d) => (Number.isFinite(d.v) ? labelColourOn(colour(d.v)) : INK))
      // Bigger cells get bigger numbers (readable on a projector), within 12–18 px.
      .style('font-size', `${Math.max(FONT.cell, Math.min(18, y.bandwidth() * 0.35, x.bandwidth() / 4))}px`)
      .text((d) => formatScore(d.v));
  }

  if (o.markColumnMax ?? true) {
    const best = columnArgmax(data.values, data.columns.length);
    f.g
      .append('g')
      .attr('class', 'commitment')
      .selectAll('rect')
      .data(best.map((r, c) => ({ r, c })).filter((d) => d.r >= 0))
      .join('rect')
      .attr('x', (d) => (x(d.c) ?? 0) + 1.5)
      .attr('y', (d) => (y(d.r) ?? 0) + 1.5)
      .attr('width', Math.max(0, x.bandwidth() - 3))
      .attr('height', Math.max(0, y.bandwidth() - 3))
      .attr('fill', 'none')
      .attr('stroke', '#D55E00')
      .attr('stroke-width', 3)
      .attr('data-row', (d) => data.rows[d.r])
      .attr('data-column', (d) => data.columns[d.c]);
  }

  // Axes: thin the layer labels so they never overlap.
  const keptRows = new Set(thinTicks(data.rows.length, f.innerHeight, FONT.tick + 3));
  const yAxis = f.g.append('g').attr('class', 'y-axis').call(
    d3
      .axisLeft(y)
      .tickValues(d3.range(data.rows.length).filter((i) => keptRows.has(i)))
      .tickFormat((i) => rowLabels[i])
      .tickSizeOuter(0),
  );
  styleAxis(yAxis);
  const keptCols = new Set(thinTicks(data.columns.length, f.innerWidth, 60));
  const xAxis = f.g
    .append('g')
    .attr('class', 'x-axis')
    .attr('transform', `translate(0,${f.innerHeight})`)
    .call(
      d3
        .axisBottom(x)
        .tickValues(d3.range(data.columns.length).filter((i) => keptCols.has(i)))
        .tickFormat((i) => truncateLabel(data.columns[i], 12))
        .tickSizeOuter(0),
    );
  styleAxis(xAxis);
  xAxisLabel(f, o.columnLabel ?? 'brain region', 40);
  yAxisLabel(f, o.rowLabel ?? 'model layer (input at top)', left - 14);

  const legendHeight = Math.min(f.innerHeight - 30, Math.max(220, o.valueLabel.length * 7));
  drawColourLegend(f.g, colour, domain, o.valueLabel, f.innerWidth + 24, 0, legendHeight);
  if (o.markColumnMax ?? true) {
    const ly = legendHeight + 14;
    const legend = f.g.append('g').attr('transform', `translate(${f.innerWidth + 18},${ly})`);
    legend.append('rect').attr('width', 16).attr('height', 12).attr('fill', 'none').attr('stroke', '#D55E00').attr('stroke-width', 3);
    legend
      .append('text')
      .attr('x', 22)
      .attr('y', 10)
      .attr('fill', INK)
      .style('font-size', `${FONT.tick - 1}px`)
      .text('best layer');
  }
}

/** Vertical colour bar with an axis; shared by the heatmap and the RDMs. */
export function drawColourLegend(
  parent: d3.Selection<SVGGElement, unknown, null, undefined>,
  colour: (v: number) => string,
  domain: [number, number],
  label: string,
  x: number,
  y: number,
  height: number,
): void {
  const id = `grad-${Math.random().toString(36).slice(2, 9)}`;
  const g = parent.append('g').attr('class', 'colour-legend').attr('transform', `translate(${x},${y})`);
  const grad = g.append('defs').append('linearGradient').attr('id', id).attr('x1', 0).attr('x2', 0).attr('y1', 1).attr('y2', 0);
  for (let i = 0; i <= 10; i++) {
    const t = i / 10;
    grad.append('stop').attr('offset', `${t * 100}%`).attr('stop-color', colour(domain[0] + t * (domain[1] - domain[0])));
  }
  g.append('rect').attr('width', 14).attr('height', height).attr('fill', `url(#${id})`);
  const scale = d3.scaleLinear().domain(domain).range([height, 0]);
  const axis = g.append('g').attr('transform', 'translate(14,0)').call(d3.axisRight(scale).ticks(5).tickSizeOuter(0));
  styleAxis(axis);
  g.append('text')
    .attr('transform', `translate(62,${height / 2}) rotate(90)`)
    .attr('text-anchor', 'middle')
    .attr('fill', INK)
    .style('font-size', `${FONT.tick}px`)
    .text(label);
}
