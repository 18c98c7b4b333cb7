/** The registry of benchmark definitions, ceiling normalisation, fingerprints and provenance strings. */
import { COGGAN2024 } from './coggan2024';
import { COWLEY2023 } from './cowley2023';
import { FREEMANZIEMBA2013 } from './freemanziemba2013';
import { KRIEGESKORTE2008 } from './kriegeskorte2008';
import { MAJAJHONG2015 } from './majajhong2015';
import { CEILING_FORMULAS, type BenchmarkDefinition, type Normalisation, type Placement, type ScoreProvenance } from './types';

export * from './types';

export const BENCHMARKS: readonly BenchmarkDefinition[] = [...FREEMANZIEMBA2013, ...MAJAJHONG2015, ...COWLEY2023, ...COGGAN2024, ...KRIEGESKORTE2008];

export function findBenchmark(id: string): BenchmarkDefinition | undefined {
  const key = id.replace(/@\d+$/, '').toLowerCase();
  return BENCHMARKS.find((b) => b.id.toLowerCase() === key || b.brainScoreId?.toLowerCase() === key);
}

/** Definitions that score a bundle (by its id), in registry order, restricted to regions the bundle has. */
export function benchmarksForBundle(bundleId: string, regions: readonly string[]): BenchmarkDefinition[] {
  return BENCHMARKS.filter((b) => b.bundle.test(bundleId) && regions.includes(b.region));
}

export interface Ceiled {
  ceiled: number;
  /** True when clipping changed the value. */
  clipped: boolean;
}

/** Apply a definition's normalisation. NaN when the ceiling is missing or not positive. */
export function normalise(raw: number, ceiling: number, n: Normalisation): Ceiled {
  let v: number;
  switch (n.formula) {
    case 'r2-over-ceiling':
      v = ceiling > 0 ? (raw * raw) / ceiling : NaN;
      break;
    case 'squared-ratio':
      v = ceiling > 0 ? (raw / ceiling) ** 2 : NaN;
      break;
    case 'ratio':
      v = ceiling > 0 ? raw / ceiling : NaN;
      break;
    case 'none':
      return { ceiled: NaN, clipped: false };
  }
  if (n.clip && Number.isFinite(v)) {
    const c = Math.min(1, Math.max(0, v));
    return { ceiled: c, clipped: c !== v };
  }
  return { ceiled: v, clipped: false };
}

/**
 * The error of a ceiled score, on the ceiled scale: the raw score's interval raw ± sem mapped through the same
 * normalisation (unclipped), as the larger of its two half-widths, so the symmetric whisker covers the mapped
 * interval. r / ceiling: sem / ceiling; r² / ceiling: (2|r|·sem + sem²) / ceiling; (r / ceiling)²:
 * (2|r|·sem + sem²) / ceiling². NaN without a ceiled value. (Brain-Score's ceil_score / explained_variance store
 * the raw error unchanged beside the ceiled centre; report cards print that raw error and say so.)
 */
export function ceiledError(raw: number, sem: number, ceiling: number, n: Normalisation): number {
  const f = (r: number) => normalise(r, ceiling, { formula: n.formula, clip: false }).ceiled;
  const c = f(raw);
  if (!Number.isFinite(c) || !Number.isFinite(sem)) return NaN;
  return Math.max(Math.abs(f(raw + sem) - c), Math.abs(f(raw - sem) - c));
}

/** The raw score at which the ceiled score reaches 1: √ceiling for r² / ceiling, else the ceiling itself (NaN without one). */
export function ceilingLevel(ceiling: number, n: Normalisation): number {
  if (!(ceiling > 0) || n.formula === 'none') return NaN;
  return n.formula === 'r2-over-ceiling' ? Math.sqrt(ceiling) : ceiling;
}

/**
 * The noise-ceiling band of a plot: on the ceiled scale it sits at 1 (a score at the ceiling), its width the
 * ceiling's error mapped through the normalisation; on the raw scale it sits at `ceilingLevel` (the raw score that
 * reaches the ceiling: the ceiling for r / ceiling and (r / ceiling)², √ceiling for r² / ceiling).
 */
export function ceilingBand(ceiling: number, ceilingSem: number, n: Normalisation, scale: 'raw' | 'ceiled'): { lo: number; hi: number } | undefined {
  const level = ceilingLevel(ceiling, n);
  if (!Number.isFinite(level)) return undefined;
  const cs = Number.isFinite(ceilingSem) ? ceilingSem : 0;
  const lo = ceilingLevel(Math.max(0, ceiling - cs), n);
  const hi = ceilingLevel(ceiling + cs, n);
  const raw = { lo: Number.isFinite(lo) ? lo : 0, hi };
  if (scale === 'raw') return raw;
  const f = (r: number) => normalise(r, ceiling, { formula: n.formula, clip: false }).ceiled;
  return { lo: f(raw.lo), hi: f(raw.hi) };
}

/** The normalisation a `formulaLabel` names (e.g. a score's `formula`), or undefined for an unknown label. */
export function normalisationOfLabel(label: string | undefined): Normalisation | undefined {
  if (!label) return undefined;
  const clip = label.endsWith(', clipped to [0, 1]');
  const base = clip ? label.slice(0, -', clipped to [0, 1]'.length) : label;
  const formula = (Object.keys(CEILING_FORMULAS) as (keyof typeof CEILING_FORMULAS)[]).find((k) => CEILING_FORMULAS[k].label === base);
  return formula ? { formula, clip } : undefined;
}

/** "r² / ceiling" or "(r / ceiling)², clipped to [0, 1]". */
export function formulaLabel(n: Normalisation): string {
  return `${CEILING_FORMULAS[n.formula].label}${n.clip ? ', clipped to [0, 1]' : ''}`;
}

export function placementLabel(p: Placement): string {
  if (p.mode === 'center-crop') return "model preset (resize + centre crop)";
  const ratio = p.modelDegrees / (p.visualDegrees ?? p.modelDegrees);
  const how = ratio === 1 ? 'as is' : ratio > 1 ? `pasted centred on a gray canvas ×${ratio.toFixed(3)}` : `centre-cropped to ${ratio.toFixed(3)}`;
  return `Brain-Score place_on_screen: ${p.visualDegrees}° stimuli in an ${p.modelDegrees}° field (${how}), square resize`;
}

export function recipeLabel(d: BenchmarkDefinition): string {
  const r = d.recipe;
  switch (r.kind) {
    case 'regression':
      return r.method === 'pls'
        ? `PLS ${r.nComponents ?? 25} components, no scaling; Pearson r per neuroid on held-out stimuli, median over neuroids, mean over splits ± SEM`
        : `ridge (${typeof r.alphas === 'number' ? `alpha ${r.alphas}` : 'alpha by leave-one-out over 10^-3…10^8'}); Pearson r per neuroid on held-out stimuli, median over neuroids, mean over splits ± SEM`;
    case 'coggan2024-rsa':
      return 'Coggan2024: units with |mean| > 3.1 × std of unit means, z-scored; Pearson RSM; off-diagonal Pearson with each subject, mean over subjects';
    case 'rdm':
      return `RDM = 1 − Pearson; ${r.comparison} on the upper triangle`;
  }
}

export function ceilingLabel(d: BenchmarkDefinition): string {
  const c = d.ceiling;
  switch (c.kind) {
    case 'internal-consistency':
      return `internal consistency: ${c.splits} random halves of the repetitions, Pearson per neuroid, Spearman-Brown, median over neuroids, mean over splits (seed ${c.seed})`;
    case 'leave-one-subject-out':
      return 'leave one subject out: each subject vs the mean of the others, mean over subjects';
    case 'rsa-ceiling':
      return 'Brain-Score rsa_ceiling: mean Spearman of each subject with the mean of all subjects';
    case 'given':
      return `given: ${c.value} (${c.source})`;
    case 'none':
      return `none (${c.reason})`;
  }
}

export function splitsLabel(d: BenchmarkDefinition, explicit = false): string {
  const s = d.splits;
  if (explicit) return 'explicit splits supplied by the user';
  switch (s.kind) {
    case 'stratified-shuffle':
      return `${s.splits} stratified shuffle splits by ${s.by}, ${Math.round(s.trainSize * 100)} % train, seed ${s.seed}`;
    case 'shuffle':
      return `${s.splits} shuffle splits, ${Math.round(s.trainSize * 100)} % train, seed ${s.seed}`;
    case 'none':
      return 'none (no fitting)';
  }
}

/** Stable string of everything in a definition that changes numbers (ids, citations and notes excluded). */
export function definitionFingerprint(d: BenchmarkDefinition): string {
  return JSON.stringify({ region: d.region, recipe: d.recipe, splits: d.splits, ceiling: d.ceiling, normalisation: d.normalisation, placement: { ...d.placement, note: undefined }, selection: d.selection });
}

export function provenance(
  d: BenchmarkDefinition,
  o: { featureReduction: string; layerChoice: string; appVersion: string; clipped: boolean; placement?: Placement; explicitSplits?: boolean },
): ScoreProvenance {
  return {
    benchmark: d.id,
    version: d.version,
    ...(d.brainScoreId ? { brainScoreId: d.brainScoreId } : {}),
    recipe: recipeLabel(d),
    ceiling: ceilingLabel(d),
    formula: formulaLabel(d.normalisation),
    clipped: o.clipped,
    splits: splitsLabel(d, o.explicitSplits),
    featureReduction: o.featureReduction,
    placement: placementLabel(o.placement ?? d.placement),
    layerChoice: o.layerChoice,
    appVersion: o.appVersion,
  };
}
