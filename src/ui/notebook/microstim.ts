/** Microstimulation runs ⇄ notebook entries: what the lab saves, and reading it back when re-opened. */
import type { Experiment, ExperimentInput } from '../../core/experiments';
import { UserFacingError } from '../../core/types';
import type { AfrazSite } from '../../core/stim/experiment';
import type { DosePoint, SheetSummary, SiteResult, SweepOutcome } from '../../../workers/microstim-api';

export interface MicrostimSettings {
  layer: string;
  /** The layer's label as the page shows it ("block 17 · conv 3"). */
  layerLabel: string;
  currentUa: number;
  frequencyHz: number;
  durationMs: number;
  /** Site under the electrode. */
  site: number;
  taskImagesPerCategory: number;
  sweepSelective: number;
  sweepControls: number;
  doseCurrents: number[];
}

/** Everything the page plots: the sheet with its baseline psychometric curve, and what was stimulated on it. */
export interface MicrostimResults {
  sheet: SheetSummary;
  /** Latest single stimulation (the stimulated psychometric curve). */
  lastStim: SiteResult | null;
  stimHistory: (SiteResult & { currentUa: number })[];
  sweep: SweepOutcome | null;
  dose: { site: number; points: DosePoint[] } | null;
  /** Afraz et al. 2006 sites the user overlaid on the sweep plot. */
  afraz: AfrazSite[] | null;
}

export interface MicrostimRun {
  modelName: string;
  settings: MicrostimSettings;
  results: MicrostimResults;
}

export function microstimExperiment(run: MicrostimRun): ExperimentInput {
  const { modelName, settings, results } = run;
  const { sheet, sweep, lastStim } = results;
  const what = sweep ? `sweep of ${sweep.sites.length} sites` : lastStim ? `site ${lastStim.site}` : 'sheet';
  const images = sheet.images;
  return {
    kind: 'microstim',
    name: `${modelName} · ${settings.layerLabel} · ${what} · ${(sweep?.params ?? settings).currentUa} µA`,
    model: modelName,
    layers: [settings.layer],
    stimuli: [`${images.synthetic ? 'synthetic demo set' : images.source === 'floc' ? 'fLoc photographs' : 'your images'}: ${images.faces} faces, ${images.nonFaces} non-faces`],
    settings: { ...settings },
    results: results as unknown as ExperimentInput['results'],
    synthetic: images.synthetic,
  };
}

const isNumbers = (v: unknown, n: number) => (v instanceof Float32Array || v instanceof Float64Array || Array.isArray(v)) && (v as ArrayLike<number>).length === n;

/**
 * Results saved without a sheet: site sweeps saved before the lab saved to the notebook (legacy-sweeps.ts
 * moves them in). They can show the sweep, not the sheet map, psychometric curves or dose–response.
 */
export type SheetlessResults = Omit<MicrostimResults, 'sheet' | 'sweep'> & { sheet: null; sweep: SweepOutcome };

export interface SheetlessSweepRun {
  modelName: string;
  /** What the page shows of the setup; the stimulation settings are the sweep's. */
  settings: Pick<MicrostimSettings, 'layer' | 'layerLabel' | 'currentUa' | 'frequencyHz' | 'durationMs' | 'sweepSelective' | 'sweepControls'>;
  results: SheetlessResults;
}

function noDrawableResults(exp: Experiment): UserFacingError {
  return new UserFacingError(`“${exp.name}” holds no cortical sheet or site sweep this page can draw.`, 'It may come from another version of Silico; its data are still in the Notebook export.');
}

/** The saved run of a microstimulation experiment; a UserFacingError when it holds no sheet this page can draw. */
export function savedMicrostimRun(exp: Experiment): MicrostimRun {
  const results = exp.results as unknown as Partial<MicrostimResults> | null;
  const sheet = results?.sheet;
  const ok =
    !!sheet &&
    Number.isInteger(sheet.nSites) &&
    isNumbers(sheet.xMm, sheet.nSites) &&
    isNumbers(sheet.yMm, sheet.nSites) &&
    isNumbers(sheet.dPrime, sheet.nSites) &&
    Array.isArray(sheet.baseline?.points);
  if (!ok) throw noDrawableResults(exp);
  return {
    modelName: exp.model,
    settings: exp.settings as unknown as MicrostimSettings,
    results: { sheet: sheet!, lastStim: results!.lastStim ?? null, stimHistory: results!.stimHistory ?? [], sweep: results!.sweep ?? null, dose: results!.dose ?? null, afraz: results!.afraz ?? null },
  };
}

const isNumber = (v: unknown) => typeof v === 'number';

function isSweep(v: unknown): v is SweepOutcome {
  const s = v as Partial<SweepOutcome> | null | undefined;
  return (
    !!s &&
    Array.isArray(s.sites) &&
    s.sites.every((r) => !!r && Number.isInteger(r.site) && isNumber(r.dPrime) && isNumber(r.neighbourhoodDPrime) && isNumber(r.shift)) &&
    Array.isArray(s.controls) &&
    !!s.params &&
    isNumber(s.params.currentUa) &&
    isNumber(s.params.frequencyHz) &&
    isNumber(s.params.durationMs)
  );
}

/**
 * What a re-opened microstimulation experiment can show: the whole run, or only a sweep when it was saved
 * without a sheet (older saves). A UserFacingError when it holds neither, or a sheet this page cannot draw.
 */
export function savedMicrostim(exp: Experiment): MicrostimRun | SheetlessSweepRun {
  const results = exp.results as unknown as Partial<MicrostimResults> | null;
  if (results?.sheet !== undefined && results.sheet !== null) return savedMicrostimRun(exp);
  const sweep = results?.sweep;
  if (!isSweep(sweep)) throw noDrawableResults(exp);
  const st = exp.settings as Partial<MicrostimSettings>;
  const layer = st.layer ?? exp.layers[0] ?? '';
  return {
    modelName: exp.model,
    settings: {
      layer,
      layerLabel: st.layerLabel ?? layer,
      currentUa: sweep.params.currentUa,
      frequencyHz: sweep.params.frequencyHz,
      durationMs: sweep.params.durationMs,
      sweepSelective: st.sweepSelective ?? sweep.sites.length - sweep.controls.length,
      sweepControls: st.sweepControls ?? sweep.controls.length,
    },
    results: { sheet: null, lastStim: null, stimHistory: [], sweep, dose: null, afraz: results!.afraz ?? null },
  };
}
