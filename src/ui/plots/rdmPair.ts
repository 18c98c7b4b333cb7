/**
 * Side-by-side representational dissimilarity matrices (model vs brain) on one shared colour scale.
 */
import * as d3 from 'd3';
import { FONT, INK, MUTED, SEQUENTIAL } from './theme';
import { setupFrame, styleAxis, titleSpace } from './frame';
import { drawColourLegend } from './heatmap';

export interface Rdm {
  /** Panel title, e.g. "Model: block 3" or "Brain: IT". */
  name: string;
  /** Row-major n×n matrix. */
  values: ArrayLike<number>;
  n: number;
}

export interface RdmPairOptions {
  title: string;
  subtitle?: string;
  width?: number;
  height?: number;
  /** Colour-bar label, e.g. "dissimilarity (1 − Pearson r)". */
  valueLabel: string;
  /**
   * What the rows/columns are, drawn on the axes (first that applies): `categories` (one per stimulus,
   * in contiguous runs: category ticks and dividers), `thumbnails` (image URLs, drawn when a cell is at
   * least 8 px), else stimulus numbers. `stimulusNames` go into the tooltips of the axis marks.
   */
  categories?: string[];
  thumbnails?: string[];
  stimulusNames?: string[];
}

interface Run {
  name: string;
  start: number;
  end: number;
}

/** Contiguous runs of equal values; null unless there are at least 2 runs, each of 2 or more stimuli on average. */
export function categoryRuns(categories: string[] | undefined, n: number): Run[] | null {
  if (!categories || categories.length !== n) return null;
  const runs: Run[] = [];
  categories.forEach((c, i) => {
    const last = runs[runs.length - 1];
    if (last && last.name === c) last.end = i;
    else runs.push({ name: c, start: i, end: i });
  });
  return runs.length >= 2 && runs.length <= n / 2 ? runs : null;
}

const MIN_THUMB_PX = 8;

/** Shared [min, max] over the off-diagonal entries of all matrices. */
export function sharedOffDiagonalDomain(rdms: Rdm[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const m of rdms)
    for (let i = 0; i < m.n; i++)
      for (let j = 0; j < m.n; j++) {
        if (i === j) continue;
        const v = m.values[i * m.n + j];
        if (Number.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
  if (!Number.isFinite(lo)) return [0, 1];
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

export function renderRdmPair(element: SVGSVGElement, rdms: Rdm[], o: RdmPairOptions): void {
  const width = o.width ?? 760;
  const height = o.height ?? 400;
  const n = rdms[0]?.n ?? 0;
  const runs = categoryRuns(o.categories, n);
  const longestRun = Math.min(16, Math.max(0, ...(runs ?? []).map((r) => r.name.length)));
  // Room at the left of the first matrix for its row marks: category names, thumbnails or numbers.
  const left = runs ? 28 + longestRun * FONT.tick * 0.6 : 48;
  const f = setupFrame(element, {
    width,
    height,
    title: o.title,
    subtitle: o.subtitle,
    description: `${rdms.length} representational dissimilarity matrices on a shared colour scale: ${rdms.map((r) => r.name).join(', ')}.`,
    margin: { top: titleSpace(o.subtitle) + 26, right: 100, bottom: runs ? 30 + longestRun * FONT.tick * 0.42 : 44, left },
  });
  const domain = sharedOffDiagonalDomain(rdms);
  const colour = d3.scaleSequential(SEQUENTIAL).domain(domain).clamp(true);
  const gap = 28;
  const side = Math.min(f.innerHeight, (f.innerWidth - gap * (rdms.length - 1)) / Math.max(1, rdms.length));
  const thumbs = !runs && o.thumbnails?.length === n && side / n >= MIN_THUMB_PX ? o.thumbnails : undefined;
  rdms.forEach((m, k) => {
    const g = f.g.append('g').attr('class', 'rdm').attr('data-name', m.name).attr('transform', `translate(${k * (side + gap)},0)`);
    g.append('text').attr('x', side / 2).attr('y', -8).attr('text-anchor', 'middle').attr('fill', INK).style('font-size', `${FONT.label}px`).style('font-weight', '600').text(m.name);
    // Draw through a canvas-free path: one rect per cell is fine up to ~100 stimuli (10k rects).
    const cell = side / m.n;
    const cells: { i: number; j: number; v: number }[] = [];
    for (let i = 0; i < m.n; i++) for (let j = 0; j < m.n; j++) cells.push({ i, j, v: m.values[i * m.n + j] });
    g.append('g').selectAll('rect').data(cells).join('rect')
      .attr('x', (d) => d.j * cell).attr('y', (d) => d.i * cell)
      .attr('width', cell + 0.3).attr('height', cell + 0.3)
      .attr('fill', (d) => (d.i === d.j ? '#ffffff' : Number.isFinite(d.v) ? colour(d.v) : '#eeeeee'));
    g.append('rect').attr('width', side).attr('height', side).attr('fill', 'none').attr('stroke', INK).attr('stroke-width', 0.8);
    const marks = g.append('g').attr('class', 'stimulus-axis');
    if (runs) drawCategoryMarks(marks, runs, cell, side, k === 0);
    else if (thumbs) drawThumbnails(marks, thumbs, cell, side, k === 0, o.stimulusNames);
    else drawStimulusNumbers(marks, m.n, cell, side, k === 0);
  });
  drawColourLegend(f.g, colour, domain, o.valueLabel, rdms.length * (side + gap) - gap + 20, 0, Math.min(side, 240));
}

type G = d3.Selection<SVGGElement, unknown, null, undefined>;

/** Category dividers across the matrix, names at the left (first matrix) and under each matrix. */
function drawCategoryMarks(g: G, runs: Run[], cell: number, side: number, rowsToo: boolean): void {
  for (const r of runs.slice(1)) {
    const at = r.start * cell;
    g.append('line').attr('class', 'divider').attr('x1', at).attr('x2', at).attr('y1', 0).attr('y2', side).attr('stroke', '#ffffff').attr('stroke-width', 1.5);
    g.append('line').attr('class', 'divider').attr('x1', 0).attr('x2', side).attr('y1', at).attr('y2', at).attr('stroke', '#ffffff').attr('stroke-width', 1.5);
  }
  const font = FONT.tick - 1;
  // Thin the names when runs are narrower than a line of text.
  let lastCol = -Infinity;
  let lastRow = -Infinity;
  for (const r of runs) {
    const mid = ((r.start + r.end + 1) / 2) * cell;
    const name = r.name.length > 16 ? `${r.name.slice(0, 15)}…` : r.name;
    g.append('line').attr('x1', r.start * cell).attr('x2', (r.end + 1) * cell).attr('y1', side + 4).attr('y2', side + 4).attr('stroke', MUTED);
    if (mid - lastCol >= font * 1.4) {
      lastCol = mid;
      g.append('text')
        .attr('class', 'category')
        .attr('transform', `translate(${mid},${side + 10}) rotate(-45)`)
        .attr('text-anchor', 'end')
        .attr('dy', '0.35em')
        .attr('fill', INK)
        .style('font-size', `${font}px`)
        .text(name)
        .append('title')
        .text(`${r.name}: stimuli ${r.start + 1}–${r.end + 1}`);
    }
    if (!rowsToo) continue;
    g.append('line').attr('x1', -4).attr('x2', -4).attr('y1', r.start * cell).attr('y2', (r.end + 1) * cell).attr('stroke', MUTED);
    if (mid - lastRow >= font * 1.2) {
      lastRow = mid;
      g.append('text').attr('class', 'category').attr('x', -8).attr('y', mid).attr('dy', '0.35em').attr('text-anchor', 'end').attr('fill', INK).style('font-size', `${font}px`).text(name);
    }
  }
}

/** Each stimulus' image beside its row (first matrix) and under its column. */
function drawThumbnails(g: G, hrefs: string[], cell: number, side: number, rowsToo: boolean, names?: string[]): void {
  const size = cell - 1;
  hrefs.forEach((href, i) => {
    const tip = names?.[i] ?? `stimulus ${i + 1}`;
    g.append('image').attr('class', 'thumb').attr('href', href).attr('x', i * cell + 0.5).attr('y', side + 3).attr('width', size).attr('height', size).append('title').text(tip);
    if (rowsToo) g.append('image').attr('class', 'thumb').attr('href', href).attr('x', -cell - 3).attr('y', i * cell + 0.5).attr('width', size).attr('height', size).append('title').text(tip);
  });
}

/** Stimulus numbers (benchmark order), thinned to fit. */
function drawStimulusNumbers(g: G, n: number, cell: number, side: number, rowsToo: boolean): void {
  const scale = d3.scaleLinear().domain([0, n]).range([0, side]);
  const step = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000].find((s) => s * cell >= 28) ?? Math.ceil(n / 5);
  const values = d3.range(0, n, step);
  const fmt = (v: d3.NumberValue) => String(Number(v) + 1);
  const bottom = g.append('g').attr('transform', `translate(0,${side})`).call(d3.axisBottom(scale).tickValues(values.map((v) => v + 0.5)).tickFormat((v) => fmt(Number(v) - 0.5)).tickSizeOuter(0));
  styleAxis(bottom);
  if (rowsToo) {
    const leftAxis = g.append('g').call(d3.axisLeft(scale).tickValues(values.map((v) => v + 0.5)).tickFormat((v) => fmt(Number(v) - 0.5)).tickSizeOuter(0));
    styleAxis(leftAxis);
  }
  g.append('text').attr('x', side / 2).attr('y', side + 34).attr('text-anchor', 'middle').attr('fill', MUTED).style('font-size', `${FONT.tick - 1}px`).text(`stimulus (1–${n}, benchmark order)`);
}
