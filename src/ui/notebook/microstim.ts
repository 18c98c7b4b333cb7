/** Microstimulation runs ⇄ notebook entries: what the lab saves, and reading it back when re-opened. */
import type { Experiment, ExperimentInput } from '../../core/experiments';
import { UserFacingError } from '../../core/types';
import type { AfrazSite } from '../../core/stim/experiment';
import type { DosePoint, SheetSummary, SiteResult, SweepOutcome } from '../labs/microstim/protocol';

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
    stimuli: [`${images.synthetic ? 'synthetic demo set' : 'your images'}: ${images.faces} faces, ${images.nonFaces} non-faces`],
    settings: { ...settings },
    results: results as unknown as ExperimentInput['results'],
    synthetic: images.synthetic,
  };
}

const isNumbers = (v: unknown, n: number) => (v instanceof Float32Array || v instanceof Float64Array || Array.isArray(v)) && (v as ArrayLike<number>).length === n;

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
  if (!ok) throw new UserFacingError(`“${exp.name}” holds no cortical sheet this page can draw.`, 'It may come from another version of Silico; its data are still in the Notebook export.');
  return {
    modelName: exp.model,
    settings: exp.settings as unknown as MicrostimSettings,
    results: { sheet: sheet!, lastStim: results!.lastStim ?? null, stimHistory: results!.stimHistory ?? [], sweep: results!.sweep ?? null, dose: results!.dose ?? null, afraz: results!.afraz ?? null },
  };
}
