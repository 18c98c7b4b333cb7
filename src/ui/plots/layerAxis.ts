/**
 * Layout of a categorical layer axis (layer curves): which labels to draw, whether to rotate them, how
 * deep they reach below the axis (so the axis title goes under them, not through them), and, for deep
 * networks, grouping the layers by block. Pure (no DOM), so it is unit-tested in Node.
 */

/** Approximate width of one character at `fontPx` (system-ui averages about 0.6 em). */
export const CHAR_EM = 0.6;
const SIN45 = Math.SQRT1_2;

/**
 * Shortens a label to about `max` characters at word boundaries ("features.denseblock4.denselayer16.conv2"
 * → "features.…conv2"): words are never cut; first and last words are kept, as layer names differ at the
 * start (block) and the end (op). A single word longer than `max` is kept whole.
 */
export function shortenLabel(label: string, max: number): string {
  if (label.length <= max) return label;
  // A parenthesised suffix ("(relu6)") goes first: the block and the op tell layers apart.
  const bare = label.replace(/\s*\([^()]*\)$/, '');
  if (bare !== label && bare.length && bare.length <= max) return bare;
  // Words with their trailing separator ("block ", "4 ", "· ", "conv ", "2").
  const words = bare.match(/[^\s.·_/:-]+[\s.·_/:-]*|[\s.·_/:-]+/g) ?? [bare];
  if (words.length === 1) return label;
  const join = (h: number, t: number) => `${words.slice(0, h).join('').replace(/[\s.·_/:-]+$/, '')}…${words.slice(t).join('')}`;
  const fits = (h: number, t: number) => h <= t && join(h, t).length <= max;
  const numeric = (w: string | undefined) => /^\d/.test(w ?? '');
  // Start from the first word and the last (the op), each with its number: "block 3", "conv 2".
  const n = words.length;
  const starts: [number, number][] = [
    [numeric(words[1]) ? 2 : 1, numeric(words[n - 1]) && n > 2 ? n - 2 : n - 1],
    [1, numeric(words[n - 1]) && n > 2 ? n - 2 : n - 1],
    [numeric(words[1]) ? 2 : 1, n - 1],
    [1, n - 1],
    [0, n - 1],
  ];
  const start = starts.find(([h, t]) => fits(h, t));
  if (!start) return label;
  let [head, tail] = start;
  // Then more words, alternately from the front and the back, while they fit.
  for (let front = true, stuck = 0; stuck < 2 && head < tail; front = !front) {
    if (front ? fits(head + 1, tail) : fits(head, tail - 1)) {
      if (front) head++;
      else tail--;
      stuck = 0;
    } else stuck++;
  }
  return join(head, tail);
}

export interface LayerGroup {
  name: string;
  /** First and last category index of the group (inclusive). */
  start: number;
  end: number;
}

/**
 * Contiguous runs of equal group names. Without `groups`, the part of each label before " · "
 * ("block 3 · conv 2" → "block 3") is its group; labels without it form their own group.
 */
export function layerGroups(labels: string[], groups?: string[]): LayerGroup[] {
  const names = labels.map((l, i) => groups?.[i] ?? (l.includes(' · ') ? l.slice(0, l.indexOf(' · ')) : l));
  const out: LayerGroup[] = [];
  names.forEach((name, i) => {
    const last = out[out.length - 1];
    if (last && last.name === name) last.end = i;
    else out.push({ name, start: i, end: i });
  });
  return out;
}

export interface LayerAxisLayout {
  /** 'layers': one label per kept layer; 'blocks': a tick per layer, one label per block. */
  mode: 'layers' | 'blocks';
  /** Indices labelled: of layers (layers mode) or of `groups` (blocks mode). Every layer gets a tick either way. */
  kept: number[];
  /** Text drawn at each kept index, in the same order, never cut mid-word. */
  labels: string[];
  groups: LayerGroup[];
  /** Labels rotated by −45° (anchored at their end). */
  rotate: boolean;
  /** How far the labels reach below the axis line, in px; the axis title goes below this. */
  depth: number;
  /** How far rotated labels reach left of the first tick, in px (the left margin must cover it). */
  overhang: number;
}

/** More layers than this, with at least two blocks, are labelled by block. */
export const BLOCK_MODE_FROM = 24;
const MAX_CHARS = 20;

/**
 * Lays out `labels` along `width` px at `fontPx`: horizontal when they fit, else thinned and rotated
 * 45° so neighbouring labels are at least a line apart; deep networks (more than BLOCK_MODE_FROM layers
 * in two or more blocks) are labelled by block instead.
 */
export function layoutLayerAxis(labels: string[], width: number, fontPx: number, groups?: string[]): LayerAxisLayout {
  const n = labels.length;
  const slot = width / Math.max(1, n);
  const charPx = fontPx * CHAR_EM;
  const runs = layerGroups(labels, groups);
  const tick = 6 + 3; // tick length + padding
  const blocks = n > BLOCK_MODE_FROM && runs.length >= 2 && runs.length < n;
  const items = blocks
    ? runs.map((g) => ({ text: shortenLabel(g.name, MAX_CHARS), at: (g.start + g.end) / 2, span: (g.end - g.start + 1) * slot }))
    : labels.map((l, i) => ({ text: shortenLabel(l, MAX_CHARS), at: i, span: slot }));

  const fitsFlat = items.every((it) => it.text.length * charPx + 6 <= it.span);
  if (fitsFlat) {
    return { mode: blocks ? 'blocks' : 'layers', kept: items.map((_, i) => i), labels: items.map((it) => it.text), groups: runs, rotate: false, depth: tick + fontPx + (blocks ? 8 : 0), overhang: 0 };
  }
  // Rotated 45°: neighbours need about 1.5 lines of horizontal distance.
  const need = fontPx * 1.5;
  let keptItems: number[];
  if (blocks) {
    keptItems = [];
    let lastX = -Infinity;
    items.forEach((it, k) => {
      const x = it.at * slot;
      if (x - lastX >= need) {
        keptItems.push(k);
        lastX = x;
      }
    });
  } else {
    const step = Math.max(1, Math.ceil(need / slot));
    keptItems = [];
    for (let i = 0; i < n; i += step) keptItems.push(i);
  }
  const keptWidest = Math.max(0, ...keptItems.map((k) => items[k].text.length * charPx));
  const firstX = keptItems.length ? (items[keptItems[0]].at + 0.5) * slot : 0;
  return {
    mode: blocks ? 'blocks' : 'layers',
    kept: keptItems,
    labels: keptItems.map((k) => items[k].text),
    groups: runs,
    rotate: true,
    depth: tick + (keptWidest + fontPx) * SIN45 + (blocks ? 8 : 0),
    overhang: Math.max(0, keptWidest * SIN45 - firstX),
  };
}
