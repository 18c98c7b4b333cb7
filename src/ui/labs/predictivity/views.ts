/**
 * Turn scores into the data of each view (heatmap, layer curves, commitment, scatter, RDMs, tables).
 * Pure functions, no DOM.
 */
import type { TableData } from '../../export';
import type { HeatmapData } from '../../plots/heatmap';
import type { LayerCurve } from '../../plots/layerCurves';
import type { ScatterPoint } from '../../plots/scatter';
import { numberIn, numberParam, oneOf, type UrlState } from '../../url-state';
import type { LayerRegionScore, MetricKind } from '../../../core/predictivity/scoring';

/** Which number the views show: ceiled (score / noise ceiling) or raw. */
export type ScoreValue = 'ceiled' | 'raw';

export const VALUE_LABELS: Record<ScoreValue, string> = {
  ceiled: 'ceiled score (raw / noise ceiling)',
  raw: 'raw score (Pearson r)',
};

/** The lab's result views, in tab order. */
export const VIEW_IDS = ['heatmap', 'curves', 'commitment', 'scatter', 'rdm', 'leaderboard'] as const;
export type ViewId = (typeof VIEW_IDS)[number];
export const METRIC_IDS = ['ridge', 'pls', 'rsa'] as const satisfies readonly MetricKind[];

/** What a Predictivity link carries (`#/predictivity?benchmark=…&metric=…&view=…`). */
export interface PredictivityLink {
  benchmark?: string;
  metric?: MetricKind;
  view?: ViewId;
  /** Model shown, e.g. "builtin:hmax" or "cache:<id>". */
  model?: string;
  value?: ScoreValue;
  /** Region / layer picked in the scatter or RDM view; neuroid index in the scatter view. */
  region?: string;
  layer?: string;
  neuroid?: number;
}

/** URL keys of a Predictivity link (besides `exp`, a saved experiment). */
export const PREDICTIVITY_LINK_KEYS = ['benchmark', 'metric', 'view', 'model', 'value', 'region', 'layer', 'neuroid'] as const;

/** Link → settings, keeping only well-formed values (whether the benchmark, model or layer exists is the lab's check). */
export function predictivityFromUrl(state: UrlState): PredictivityLink {
  return {
    benchmark: state.benchmark || undefined,
    metric: oneOf(state.metric, METRIC_IDS),
    view: oneOf(state.view, VIEW_IDS),
    model: state.model || undefined,
    value: oneOf(state.value, ['ceiled', 'raw'] as const),
    region: state.region || undefined,
    layer: state.layer || undefined,
    neuroid: numberIn(state.neuroid, 0, Number.MAX_SAFE_INTEGER, true),
  };
}

/** Settings → link; region, layer and neuroid only where the view has those pickers. */
export function predictivityToUrl(s: PredictivityLink): Record<(typeof PREDICTIVITY_LINK_KEYS)[number], string | undefined> {
  const picks = s.view === 'scatter' || s.view === 'rdm';
  return {
    benchmark: s.benchmark,
    metric: s.metric,
    view: s.view,
    model: s.model,
    value: s.value,
    region: picks ? s.region : undefined,
    layer: picks ? s.layer : undefined,
    neuroid: s.view === 'scatter' ? numberParam(s.neuroid) : undefined,
  };
}

function lookup(scores: LayerRegionScore[]): (layer: string, region: string) => LayerRegionScore | undefined {
  const m = new Map(scores.map((s) => [`${s.layer}\u0000${s.region}`, s]));
  return (layer, region) => m.get(`${layer}\u0000${region}`);
}

/** Ceiled values need a ceiling; fall back to raw when any region lacks one. */
export function defaultValue(scores: LayerRegionScore[]): ScoreValue {
  return scores.length && scores.every((s) => Number.isFinite(s.ceiled) || !Number.isFinite(s.raw)) && scores.some((s) => Number.isFinite(s.ceiled)) ? 'ceiled' : 'raw';
}

export function valueOf(s: LayerRegionScore | undefined, v: ScoreValue): number {
  if (!s) return NaN;
  return v === 'ceiled' ? s.ceiled : s.raw;
}

export function semOf(s: LayerRegionScore | undefined, v: ScoreValue): number {
  if (!s) return NaN;
  return v === 'ceiled' ? (s.ceiling > 0 ? s.sem / s.ceiling : NaN) : s.sem;
}

export function heatmapData(scores: LayerRegionScore[], layers: string[], regions: string[], v: ScoreValue): HeatmapData {
  const at = lookup(scores);
  return {
    rows: layers,
    columns: regions,
    values: layers.map((l) => regions.map((r) => valueOf(at(l, r), v))),
    errors: layers.map((l) => regions.map((r) => semOf(at(l, r), v))),
  };
}

export function layerCurves(scores: LayerRegionScore[], layers: string[], regions: string[], v: ScoreValue): LayerCurve[] {
  const at = lookup(scores);
  return regions.map((region) => {
    const any = layers.map((l) => at(l, region)).find((s) => s && Number.isFinite(s.ceiling));
    let ceiling: LayerCurve['ceiling'];
    if (any) {
      const c = any.ceiling;
      const cs = Number.isFinite(any.ceilingSem) ? any.ceilingSem : 0;
      ceiling = v === 'ceiled' ? { lo: 1 - cs / c, hi: 1 + cs / c } : { lo: c - cs, hi: c + cs };
    }
    return {
      region,
      scores: layers.map((l) => valueOf(at(l, region), v)),
      sem: layers.map((l) => semOf(at(l, region), v)),
      ceiling,
    };
  });
}

export interface Commitment {
  region: string;
  layer: string;
  /** Position of the layer in the recorded list (0 = closest to the input). */
  layerIndex: number;
  score: number;
  sem: number;
}

/** Each region's best layer (its "layer commitment" in Brain-Score terms). */
export function commitments(scores: LayerRegionScore[], layers: string[], regions: string[], v: ScoreValue): Commitment[] {
  const at = lookup(scores);
  return regions.map((region) => {
    let best = -1;
    layers.forEach((l, i) => {
      const x = valueOf(at(l, region), v);
      if (Number.isFinite(x) && (best < 0 || x > valueOf(at(layers[best], region), v))) best = i;
    });
    const s = best >= 0 ? at(layers[best], region) : undefined;
    return { region, layer: best >= 0 ? layers[best] : '–', layerIndex: best, score: valueOf(s, v), sem: semOf(s, v) };
  });
}

export const SCORE_COLUMNS = ['model', 'layer', 'benchmark', 'region', 'metric', 'raw', 'sem', 'ceiling', 'ceilingSem', 'ceiled'] as const;

/**
 * All scores as a flat table (the CSV/JSON export of the heatmap and curves). `benchmarkName` is written in
 * every row, so an exported synthetic-data table says so wherever it ends up.
 */
export function scoresTable(scores: LayerRegionScore[], benchmarkName?: string): TableData {
  const columns = benchmarkName === undefined ? [...SCORE_COLUMNS] : [...SCORE_COLUMNS.slice(0, 3), 'benchmarkName', ...SCORE_COLUMNS.slice(3)];
  return {
    columns,
    rows: scores.map((s) => ({ ...Object.fromEntries(SCORE_COLUMNS.map((c) => [c, s[c]])), ...(benchmarkName === undefined ? {} : { benchmarkName }) })),
  };
}

/** Held-out predicted vs measured responses of one neuroid over all stimuli. */
export function predictionPoints(s: LayerRegionScore, neuroid: number, stimulusLabels?: string[]): ScatterPoint[] {
  if (!s.predicted || !s.measured || !s.stimuli || !s.neuroids) return [];
  const out: ScatterPoint[] = [];
  for (let i = 0; i < s.stimuli; i++) {
    out.push({ x: s.measured[i * s.neuroids + neuroid], y: s.predicted[i * s.neuroids + neuroid], label: stimulusLabels?.[i] ?? `stimulus ${i + 1}` });
  }
  return out;
}

export interface LeaderboardRow {
  [key: string]: string | number;
  model: string;
  benchmark: string;
  metric: string;
  /** Mean over regions of each region's best-layer score. */
  average: number;
}

/**
 * One row per (model, benchmark, metric): per region the best layer's score, and their mean
 * (Brain-Score ranks models by the mean over regions of the committed layer's ceiled score).
 */
export function leaderboard(scores: LayerRegionScore[], regions: string[], v: ScoreValue): LeaderboardRow[] {
  const groups = new Map<string, LayerRegionScore[]>();
  for (const s of scores) {
    const k = `${s.model}\u0000${s.benchmark}\u0000${s.metric}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(s);
  }
  return [...groups.values()].map((list) => {
    const row: LeaderboardRow = { model: list[0].model, benchmark: list[0].benchmark, metric: list[0].metric, average: NaN };
    const best: number[] = [];
    for (const r of regions) {
      const vals = list.filter((s) => s.region === r).map((s) => valueOf(s, v)).filter(Number.isFinite);
      const b = vals.length ? Math.max(...vals) : NaN;
      row[r] = b;
      if (Number.isFinite(b)) best.push(b);
    }
    row.average = best.length === regions.length && best.length ? best.reduce((a, b) => a + b, 0) / best.length : NaN;
    return row;
  });
}
