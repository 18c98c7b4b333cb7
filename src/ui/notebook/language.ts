/** Language lab runs ⇄ notebook entries: what the lab saves, and reading it back when re-opened. */
import type { Experiment, ExperimentInput } from '../../core/experiments';
import { UserFacingError } from '../../core/types';
import type { EncodingSummary, PoolRanking, ScoredSentence, SearchStatus, SweepResult, TableSummary } from '../../../workers/language-api';

export interface LanguageSettings {
  /** Tokenizer name (tokenizer.json), or '' when the model brought its own. */
  tokenizer: string;
  roi: string;
  /** Layer of the encoding model. */
  layer: string;
  minWords: number;
  maxWords: number;
  novelOnly: boolean;
  /** The candidate pool as typed (one sentence a line). */
  pool: string;
  searchDirection: 'drive' | 'suppress';
  searchSteps: number;
  maxSurprisal: number;
}

/** The numbers and sentence lists the page shows. */
export interface LanguageResults {
  table: TableSummary;
  sweep: SweepResult;
  encoding: EncodingSummary | null;
  ranking: PoolRanking | null;
  search: SearchStatus | null;
  /** Sentences ticked for export, with where they came from. */
  chosen: (ScoredSentence & { source: string })[];
}

export interface LanguageRun {
  modelName: string;
  settings: LanguageSettings;
  results: LanguageResults;
}

export function languageExperiment(run: LanguageRun): ExperimentInput {
  const { modelName, settings, results } = run;
  const { table, sweep, encoding, search } = results;
  const what = encoding ? `encoding model at ${encoding.label}` : 'layer sweep';
  return {
    kind: 'language',
    name: `${modelName} · ${table.synthetic ? 'synthetic ground truth' : `${table.name} · ${table.roi}`} · ${what}`,
    model: modelName,
    layers: sweep.layers.map((l) => l.tensor),
    stimuli: [table.name],
    settings: { ...settings },
    // A search saved mid-run is a stopped search when re-opened.
    results: { ...results, search: search && { ...search, running: false } } as unknown as ExperimentInput['results'],
    synthetic: table.synthetic,
  };
}

/** The saved run of a language experiment; a UserFacingError when it holds no layer sweep this page can draw. */
export function savedLanguageRun(exp: Experiment): LanguageRun {
  const r = exp.results as unknown as Partial<LanguageResults> | null;
  const ok = !!r?.table && Array.isArray(r.sweep?.layers) && r.sweep.layers.every((l) => typeof l?.tensor === 'string' && typeof l.r === 'number');
  if (!ok) throw new UserFacingError(`“${exp.name}” holds no layer sweep this page can draw.`, 'It may come from another version of Silico; its data are still in the Notebook export.');
  return {
    modelName: exp.model,
    settings: exp.settings as unknown as LanguageSettings,
    results: { table: r!.table!, sweep: r!.sweep!, encoding: r!.encoding ?? null, ranking: r!.ranking ?? null, search: r!.search ?? null, chosen: r!.chosen ?? [] },
  };
}
