/** Report cards ⇄ notebook entries: what the Report page saves, and reading a card back when re-opened. */
import type { Experiment, ExperimentInput } from '../../core/experiments';
import { CARD_FORMAT, type ReportCard } from '../../core/benchmarks/card';
import { UserFacingError } from '../../core/types';

export function reportExperiment(card: ReportCard): ExperimentInput {
  const main = card.models.find((m) => m.role === 'model') ?? card.models[0];
  const benchmarks = [...new Set(card.models.flatMap((m) => m.entries.map((e) => e.benchmark)))];
  return {
    kind: 'report',
    name: `${main?.model ?? 'model'} · report card · ${benchmarks.length} benchmark${benchmarks.length === 1 ? '' : 's'}`,
    model: main?.model ?? '',
    layers: [...new Set(card.models.flatMap((m) => m.entries.map((e) => e.committedLayer)).filter((l): l is string => typeof l === 'string'))],
    stimuli: benchmarks,
    settings: {},
    results: card as unknown as ExperimentInput['results'],
    synthetic: false,
  };
}

/** The card of a saved report; a UserFacingError when the entry holds none this page can show. */
export function savedReportCard(exp: Experiment): ReportCard {
  const card = exp.results as unknown as ReportCard | null;
  if (card?.format !== CARD_FORMAT || !Array.isArray(card.models)) {
    throw new UserFacingError(`“${exp.name}” holds no report card this page can show.`, 'It may come from another version of Silico; its data are still in the Notebook export.');
  }
  return card;
}
