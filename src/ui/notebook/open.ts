/**
 * Re-opening saved experiments: the notebook links to `#/<lab>?exp=<id>`; the lab calls
 * loadExperimentFromUrl() on mount and redraws its plots from `experiment.results`.
 */
import { experimentStore, type Experiment, type ExperimentKind } from '../../core/experiments';
import { UserFacingError } from '../../core/types';
import { readUrlState, urlFor } from '../url-state';

/** Which page re-opens which kind. */
export const LAB_ROUTES: Record<ExperimentKind, string> = {
  predictivity: '/predictivity',
  microstim: '/microstim',
  language: '/language',
  recording: '/record',
  report: '/report',
};

export function experimentLink(e: { id: string; kind: ExperimentKind }): string {
  return urlFor(LAB_ROUTES[e.kind], { exp: e.id });
}

/**
 * The experiment named by `?exp=` in the URL, or null when there is none. Throws a UserFacingError when
 * the id is unknown (deleted, or a link from another browser) or belongs to another lab.
 */
export async function loadExperimentFromUrl(kind?: ExperimentKind): Promise<Experiment | null> {
  const id = readUrlState().exp;
  if (!id) return null;
  const exp = await experimentStore().get(id);
  if (!exp) {
    throw new UserFacingError('That saved experiment is not in this browser.', 'It may have been deleted, or the link came from another computer: import its file on the Notebook page.');
  }
  if (kind && exp.kind !== kind) throw new UserFacingError(`“${exp.name}” is a ${exp.kind} experiment; open it from the Notebook.`);
  return exp;
}
