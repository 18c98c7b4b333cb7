/**
 * Turn scores into the data of each view (heatmap, layer curves, commitment, scatter, RDMs, tables).
 * Pure functions, no DOM.
 */
import type { TableData } from '../../export';
import type { HeatmapData } from '../../plots/heatmap';
import type { LayerCurve } from '../../plots/layerCurves';
import type { ScatterPoint } from '../../plots/scatter';
import { numberIn, numberParam, oneOf, type UrlState } from '../../url-state';
import { definitionFor, regionCommitments, runPlacement, type LayerRegionScore, type MetricKind, type ScoringBenchmark } from '../../../core/predictivity/scoring';
import { ceiledError, ceilingBand, formulaLabel, normalisationOfLabel, placementLabel, recipeLabel, type BenchmarkDefinition, type Normalisation } from '../../../core/benchmarks';

/** Which number the views show: ceiled (score / noise ceiling) or raw. */
export type ScoreValue = 'ceiled' | 'raw';

export const VALUE_LABELS: Record<ScoreValue, string> = {
  ceiled: 'ceiled score (normalised by the noise ceiling)',
  raw: 'raw score (Pearson r)',
};

/**
 * The label of the shown value, with each score's own ceiling normalisation (`score.formula`, e.g.
 * "ceiled score (r² / ceiling)"); regions with different formulas are named, e.g.
 * "ceiled score (V4: r² / ceiling; IT: (r / ceiling)², clipped to [0, 1])".
 */
export function valueLabel(scores: readonly LayerRegionScore[], v: ScoreValue): string {
  if (v === 'raw') return VALUE_LABELS.raw;
  const byRegion = new Map<string, string>();
  for (const s of scores) if (s.formula && !byRegion.has(s.region)) byRegion.set(s.region, s.formula);
  const formulas = [...new Set(byRegion.values())];
  if (!formulas.length) return VALUE_LABELS.ceiled;
  if (formulas.length === 1) return `ceiled score (${formulas[0]})`;
  return `ceiled score (${formulas.map((f) => `${[...byRegion].filter(([, g]) => g === f).map(([r]) => r).join(', ')}: ${f}`).join('; ')})`;
}

/** "2 of 64 ceiled scores were clipped to [0, 1] (V1: 1, IT: 1)." or '' when none was (or raw values are shown). */
export function clippedNote(scores: readonly LayerRegionScore[], v: ScoreValue): string {
  if (v === 'raw') return '';
  const clipped = scores.filter((s) => s.clipped);
  if (!clipped.length) return '';
  const per = new Map<string, number>();
  for (const s of clipped) per.set(s.region, (per.get(s.region) ?? 0) + 1);
  return `${clipped.length} of ${scores.length} ceiled scores ${clipped.length === 1 ? 'was' : 'were'} clipped to [0, 1] (${[...per].map(([r, n]) => `${r}: ${n}`).join(', ')}).`;
}

/**
 * Which recipe a run on `bench` with `metric` uses, in plain words, and the `silico score` flags that compute the
 * same numbers. The lab records full, unpooled layers, with the placement the definitions share (Coggan2024:
 * Brain-Score's place_on_screen) or else the model preset's centre crop, and scores each region with its versioned
 * benchmark definition where the bundle has one (else Silico's generic recipe).
 */
export function recipeNote(bench: ScoringBenchmark | undefined, metric: MetricKind): { text: string; flags: string } | null {
  if (!bench) return null;
  const defs = bench.regions.map((r) => definitionFor(bench, r.name, metric)).filter((d): d is BenchmarkDefinition => d !== undefined);
  const generic = bench.regions.length - defs.length;
  const flags = `--metric ${metric} --max-features none`;
  if (!defs.length) {
    return {
      text: `Silico's generic recipe (${metric === 'rsa' ? 'RDM comparison' : `${metric}, ${bench.folds ?? 10}-fold cross-validation`}; ceiled = ${metric === 'rsa' && bench.ceilingTransform === 'squared-ratio' ? '(r / ceiling)²' : 'r / ceiling'}), full layers (no pooling), the model's centre crop.`,
      flags: `${flags} --benchmark none`,
    };
  }
  const ids = [...new Set(defs.map((d) => `${d.id}@${d.version}`))];
  // The lab records with the placement the definitions share (core runPlacement), as `silico score` does by default.
  const placement = runPlacement(bench, metric);
  const mixed = !placement && defs.some((d) => d.placement.mode === 'brainscore');
  const images = placement
    ? `images placed as Brain-Score does (${placementLabel(placement)})`
    : `the model's centre crop${mixed ? ' (the definitions place images differently, so none of their placements is used)' : ''}`;
  return {
    text:
      `${ids.join(', ')}: ${recipeLabel(defs[0])}; ceiled = ${formulaLabel(defs[0].normalisation)}. Full layers (no pooling), ${images}` +
      `${generic ? `; ${generic} region${generic === 1 ? '' : 's'} without a definition use${generic === 1 ? 's' : ''} Silico's generic recipe` : ''}.`,
    flags: `${flags} --benchmark ${defs.map((d) => d.id).filter((d, i, a) => a.indexOf(d) === i).join(',')}${mixed ? ' --placement crop' : ''}`,
  };
}

/** The lab's result views, in tab order. */
export const VIEW_IDS = ['heatmap', 'curves', 'commitment', 'scatter', 'rdm', 'leaderboard'] as const;
export type ViewId = (typeof VIEW_IDS)[number];
/** Tab labels of the result views. */
export const VIEW_LABELS: Record<ViewId, string> = {
  heatmap: 'Heatmap',
  curves: 'Layer curves',
  commitment: 'Layer commitment',
  scatter: 'Predicted vs measured',
  rdm: 'RDMs',
  leaderboard: 'Leaderboard',
};
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

/** A score's ceiling normalisation, from its `formula` (scores without one: Silico's generic r / ceiling). */
export function normalisationOf(s: LayerRegionScore): Normalisation {
  return normalisationOfLabel(s.formula) ?? { formula: 'ratio', clip: false };
}

/** ± of the shown value: the raw SEM, or on the ceiled scale the raw interval mapped through the score's own formula (core `ceiledError`). */
export function semOf(s: LayerRegionScore | undefined, v: ScoreValue): number {
  if (!s) return NaN;
  return v === 'ceiled' ? ceiledError(s.raw, s.sem, s.ceiling, normalisationOf(s)) : s.sem;
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

/** Layer curves per region; `committed` marks the region's committed layer when the scores carry a commitment. */
export function layerCurves(scores: LayerRegionScore[], layers: string[], regions: string[], v: ScoreValue): LayerCurve[] {
  const at = lookup(scores);
  const committed = new Map(regionCommitments(scores.filter((s) => layers.includes(s.layer))).map((c) => [c.region, layers.indexOf(c.committedLayer)]));
  return regions.map((region) => {
    const any = layers.map((l) => at(l, region)).find((s) => s && Number.isFinite(s.ceiling));
    let ceiling: LayerCurve['ceiling'];
    if (any) {
      // Ceiled: the band sits at 1 whatever the formula; raw: at the raw score that reaches the ceiling.
      const n = normalisationOf(any);
      const band = ceilingBand(any.ceiling, any.ceilingSem, n, v);
      if (band) ceiling = v === 'raw' && n.formula === 'r2-over-ceiling' ? { ...band, label: `${region} noise ceiling (r = √ceiling: r² / ceiling = 1)` } : band;
    }
    return {
      region,
      scores: layers.map((l) => valueOf(at(l, region), v)),
      sem: layers.map((l) => semOf(at(l, region), v)),
      ceiling,
      ...(committed.has(region) ? { committed: committed.get(region) } : {}),
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

/** Tensor name → the readable layer name the UI shows, from a model's layer list. */
export function layerNamesTable(layers: { tensor: string; label: string }[] | undefined): Map<string, string> | undefined {
  return layers ? new Map(layers.map((l) => [l.tensor, l.label])) : undefined;
}

/**
 * All scores as a flat table (the CSV/JSON export of the heatmap and curves). `benchmarkName` is written in
 * every row, so an exported synthetic-data table says so wherever it ends up. With `layerNames`, a
 * `layerName` column (the name shown in the UI) follows the `layer` column (the tensor name).
 */
export function scoresTable(scores: LayerRegionScore[], benchmarkName?: string, layerNames?: Map<string, string>): TableData {
  const columns: string[] = [...SCORE_COLUMNS];
  if (benchmarkName !== undefined) columns.splice(columns.indexOf('benchmark') + 1, 0, 'benchmarkName');
  if (layerNames) columns.splice(columns.indexOf('layer') + 1, 0, 'layerName');
  return {
    columns,
    rows: scores.map((s) => ({
      ...Object.fromEntries(SCORE_COLUMNS.map((c) => [c, s[c]])),
      ...(benchmarkName === undefined ? {} : { benchmarkName }),
      ...(layerNames ? { layerName: layerNames.get(s.layer) ?? s.layer } : {}),
    })),
  };
}

export interface PartialRun {
  scored: number;
  asked: number;
  running: boolean;
}

/**
 * Whether shown scores cover fewer layers than were asked for, during a run or after a cancelled one:
 * then each region's "best layer" is only the best of those scored, and the views say so.
 */
export function partialRun(scored: number, asked: number, run: { running: boolean; cancelled: boolean }): PartialRun | null {
  if (!(run.running || run.cancelled) || !asked || scored >= asked) return null;
  return { scored, asked, running: run.running };
}

/** "partial: 8 of 64 layers" (subtitles, captions); '' when complete. */
export function partialNote(p: PartialRun | null): string {
  return p ? `partial: ${p.scored} of ${p.asked} layers${p.running ? ' so far' : ''}` : '';
}

/** Block (LayerInfo.group) of each shown layer, or undefined when any is unknown. */
export function layerGroupsOf(layers: { tensor: string; group?: string }[] | undefined, shown: string[]): string[] | undefined {
  if (!layers) return undefined;
  const groupOf = new Map(layers.map((l) => [l.tensor, l.group]));
  const groups = shown.map((t) => groupOf.get(t) ?? '');
  return groups.every(Boolean) ? groups : undefined;
}

/**
 * Category of each stimulus from its name, for the RDM axes: the name without extension and trailing
 * number ("face_012.png" → "face", "car 3" → "car"). The plot uses them only when they form a few
 * contiguous runs; otherwise it falls back to thumbnails or stimulus numbers.
 */
export function stimulusCategories(names: string[] | undefined): string[] | undefined {
  if (!names?.length) return undefined;
  return names.map((n) => n.replace(/\.[a-z0-9]{2,4}$/i, '').replace(/[\s_.-]*\d+$/, '') || n);
}

/** Held-out predicted responses of one neuroid over all stimuli. */
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
