/**
 * Saved experiments: what the labs call to save a run, and storage housekeeping.
 *   import { saveExperiment } from '../../core/experiments';
 *   const exp = await saveExperiment({ kind: 'predictivity', name, model, layers, benchmark, settings, results, synthetic });
 */
import { ExperimentStore, type Experiment, type ExperimentInput } from './store';

export * from './store';
export { assertStorable, encodeValue, decodeValue, type StorableValue } from './codec';

let shared: ExperimentStore | null = null;

/** The app's one experiment store. */
export function experimentStore(): ExperimentStore {
  shared ??= new ExperimentStore();
  return shared;
}

/** Save a lab's run (or update it when `input.id` is set). Throws a UserFacingError when storage is full. */
export function saveExperiment(input: ExperimentInput): Promise<Experiment> {
  return experimentStore().save(input);
}

export interface StorageInfo {
  /** Bytes used by this site (all storage: models, scores, experiments). */
  usage: number;
  /** Bytes this site may use. */
  quota: number;
  /** Whether the browser promised not to evict this site's data. */
  persisted: boolean;
}

/** Storage use and quota, or null where the browser does not tell. */
export async function storageInfo(): Promise<StorageInfo | null> {
  const sm = globalThis.navigator?.storage;
  if (!sm?.estimate) return null;
  const { usage = 0, quota = 0 } = await sm.estimate();
  const persisted = sm.persisted ? await sm.persisted() : false;
  return { usage, quota, persisted };
}

/** Ask the browser to keep this site's data under storage pressure; returns whether it agreed. */
export async function requestPersistentStorage(): Promise<boolean> {
  const sm = globalThis.navigator?.storage;
  if (!sm?.persist) return false;
  if (sm.persisted && (await sm.persisted())) return true;
  return sm.persist();
}
