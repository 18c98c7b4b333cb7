/** The frame every renderer draws into: sized viewBox, accessible title/description, visible title. */
import * as d3 from 'd3';
import { FONT, INK, MUTED } from './theme';
import { CHAR_EM, shortenLabel } from './layerAxis';

export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface FrameOptions {
  width: number;
  height: number;
  /** Visible title, also the accessible name. */
  title: string;
  /** Second title line (e.g. "Synthetic demo data — not brain data"). */
  subtitle?: string;
  /** Longer accessible description read by screen readers. */
  description?: string;
  margin: Margins;
}

export interface Frame {
  svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  /** Plot area, translated by the margins. */
  g: d3.Selection<SVGGElement, unknown, null, undefined>;
  innerWidth: number;
  innerHeight: number;
}

export function setupFrame(element: SVGSVGElement, options: FrameOptions): Frame {
  // Whole pixels, so PNG exports at 2× are exact.
  const o = { ...options, width: Math.round(options.width), height: Math.round(options.height) };
  const svg = d3.select(element);
  svg.selectAll('*').remove();
  svg
    .attr('viewBox', `0 0 ${o.width} ${o.height}`)
    .attr('width', o.width)
    .attr('height', o.height)
    .attr('role', 'img')
    .attr('xmlns', 'http://www.w3.org/2000/svg')
    .style('font-family', FONT.family)
    .style('background', '#ffffff')
    .style('max-width', '100%')
    .style('height', 'auto');
  svg.append('title').text(o.subtitle ? `${o.title} — ${o.subtitle}` : o.title);
  if (o.description) svg.append('desc').text(o.description);
  // Narrow plots (phones): long titles get a smaller font, then are shortened (the full one is in <title>).
  const title = fitLine(o.title, o.width - 24, FONT.title, 12);
  svg.append('rect').attr('class', 'plot-background').attr('width', o.width).attr('height', o.height).attr('fill', '#ffffff');
  svg
    .append('text')
    .attr('class', 'plot-title')
    .attr('x', 12)
    .attr('y', 22)
    .attr('fill', INK)
    .style('font-size', `${title.font}px`)
    .style('font-weight', '600')
    .text(title.text);
  if (o.subtitle) {
    const sub = fitLine(o.subtitle, o.width - 24, FONT.label - 1, 10);
    svg
      .append('text')
      .attr('class', 'plot-subtitle')
      .attr('x', 12)
      .attr('y', 40)
      .attr('fill', MUTED)
      .style('font-size', `${sub.font}px`)
      .text(sub.text);
  }
  const g = svg.append('g').attr('transform', `translate(${o.margin.left},${o.margin.top})`);
  return {
    svg,
    g,
    innerWidth: Math.max(10, o.width - o.margin.left - o.margin.right),
    innerHeight: Math.max(10, o.height - o.margin.top - o.margin.bottom),
  };
}

/** Axis label centred under the x axis. */
export function xAxisLabel(f: Frame, text: string, offset = 42): void {
  f.g
    .append('text')
    .attr('class', 'axis-label')
    .attr('x', f.innerWidth / 2)
    .attr('y', f.innerHeight + offset)
    .attr('text-anchor', 'middle')
    .attr('fill', INK)
    .style('font-size', `${FONT.label}px`)
    .text(text);
}

/** Axis label rotated along the y axis. */
export function yAxisLabel(f: Frame, text: string, offset = 48): void {
  f.g
    .append('text')
    .attr('class', 'axis-label')
    .attr('transform', `translate(${-offset},${f.innerHeight / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .attr('fill', INK)
    .style('font-size', `${FONT.label}px`)
    .text(text);
}

/** Style axis ticks for a projector. */
export function styleAxis(sel: d3.Selection<SVGGElement, unknown, null, undefined>): void {
  sel.selectAll('text').attr('fill', INK).style('font-size', `${FONT.tick}px`);
  sel.selectAll('line,path').attr('stroke', MUTED);
}

/** Top margin needed for a title (and subtitle). */
export function titleSpace(subtitle?: string): number {
  return subtitle ? 56 : 38;
}

/** A line of text that fits `px`: the font shrinks down to `minFont`, then the text is shortened at word boundaries. */
export function fitLine(text: string, px: number, font: number, minFont: number): { text: string; font: number } {
  const width = (t: string, f: number) => t.length * f * CHAR_EM;
  if (width(text, font) <= px) return { text, font };
  const f = Math.max(minFont, Math.floor(px / (text.length * CHAR_EM)));
  if (width(text, f) <= px) return { text, font: f };
  return { text: shortenLabel(text, Math.floor(px / (f * CHAR_EM))), font: f };
}
