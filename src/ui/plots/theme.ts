/**
 * Shared look of every plot: colour-blind-safe palettes and projector-readable type sizes.
 * Pure (no DOM) so layout helpers can be unit-tested in Node.
 */
import { interpolateViridis } from 'd3';

/** Okabe & Ito (2008) categorical palette: distinguishable under all common colour-vision deficiencies. */
export const CATEGORICAL = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

/** Sequential colour map for scores and dissimilarities (perceptually uniform, colour-blind safe). */
export const SEQUENTIAL = interpolateViridis;

export const FONT = {
  family: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  tick: 13,
  label: 14,
  title: 16,
  cell: 12,
};

export const INK = '#1b1f24';
export const MUTED = '#57606a';
export const GRID = '#d0d7de';

export function categoricalColour(i: number): string {
  return CATEGORICAL[((i % CATEGORICAL.length) + CATEGORICAL.length) % CATEGORICAL.length];
}

/** Relative luminance of an sRGB colour given as #rrggbb or rgb(r, g, b) (WCAG 2 definition). */
export function luminance(colour: string): number {
  let r: number, g: number, b: number;
  const hex = /^#([0-9a-f]{6})$/i.exec(colour.trim());
  const rgb = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/i.exec(colour.trim());
  if (hex) {
    const v = parseInt(hex[1], 16);
    [r, g, b] = [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  } else if (rgb) {
    [r, g, b] = [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  } else {
    throw new Error(`Unrecognised colour "${colour}"`);
  }
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** Text colour (near-black or white) with the higher contrast ratio on the given background. */
export function labelColourOn(background: string): string {
  const l = luminance(background);
  const onBlack = (l + 0.05) / 0.05;
  const onWhite = 1.05 / (l + 0.05);
  return onBlack >= onWhite ? INK : '#ffffff';
}

/**
 * Which of `count` evenly spaced tick labels to draw so that labels `labelPx` tall/wide fit in `availablePx`
 * without overlapping: every k-th label, always including the first. Returns the kept indices.
 */
export function thinTicks(count: number, availablePx: number, labelPx: number): number[] {
  if (count <= 0) return [];
  const step = Math.max(1, Math.ceil((count * labelPx) / Math.max(availablePx, 1)));
  const kept: number[] = [];
  for (let i = 0; i < count; i += step) kept.push(i);
  return kept;
}

/**
 * Shorten a label to at most `max` characters with an ellipsis in the middle: layer names differ at the
 * start ("block 4 …") and at the end ("… conv 2"), so both are kept.
 */
export function truncateLabel(label: string, max: number): string {
  if (label.length <= max) return label;
  if (max <= 1) return '…';
  const head = Math.ceil((max - 1) / 2);
  const tail = max - 1 - head;
  return label.slice(0, head) + '…' + (tail > 0 ? label.slice(label.length - tail) : '');
}

/** Format a score for a cell label or tooltip: 2 decimals, NaN shown as an en dash. */
export function formatScore(v: number, digits = 2): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '–';
}

/**
 * The width to draw a plot at: its preferred width, or the space it has on screen when that is less
 * (phones), but not under `min` (below it the plot is shrunk instead).
 */
export function fitWidth(preferred: number, available: number | undefined, min = 340): number {
  if (!available || !Number.isFinite(available)) return preferred;
  return Math.round(Math.max(min, Math.min(preferred, available)));
}

/** Below this width, legends go under the plot instead of beside it. */
export const NARROW = 560;
