/**
 * Side-by-side representational dissimilarity matrices (model vs brain) on one shared colour scale.
 */
import * as d3 from 'd3';
import { FONT, INK, SEQUENTIAL } from './theme';
import { setupFrame, titleSpace } from './frame';
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
}

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
  const f = setupFrame(element, {
    width,
    height,
    title: o.title,
    subtitle: o.subtitle,
    description: `${rdms.length} representational dissimilarity matrices on a shared colour scale: ${rdms.map((r) => r.name).join(', ')}.`,
    margin: { top: titleSpace(o.subtitle) + 26, right: 100, bottom: 36, left: 20 },
  });
  const domain = sharedOffDiagonalDomain(rdms);
  const colour = d3.scaleSequential(SEQUENTIAL).domain(domain).clamp(true);
  const gap = 28;
  const side = Math.min(f.innerHeight, (f.innerWidth - gap * (rdms.length - 1)) / Math.max(1, rdms.length));
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
    g.append('text').attr('x', side / 2).attr('y', side + 20).attr('text-anchor', 'middle').attr('fill', INK).style('font-size', `${FONT.tick}px`).text(`${m.n} stimuli × ${m.n} stimuli`);
  });
  drawColourLegend(f.g, colour, domain, o.valueLabel, rdms.length * (side + gap) - gap + 20, 0, Math.min(side, 240));
}
