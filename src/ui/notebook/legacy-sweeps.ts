/**
 * Site sweeps saved by the Microstimulation lab before it saved to the notebook lived in their own
 * IndexedDB database (`silico-microstim` v1, store `sweeps`). migrateLegacySweeps() moves each one into the
 * notebook as a 'microstim' experiment (a sweep without its sheet, which those saves never kept) and deletes
 * the old database only once every sweep is in the notebook. On any failure the old database stays as it is
 * and the next page visit tries again; each sweep gets a fixed experiment id, so a retry never duplicates one.
 */
import { deleteDB, openDB } from 'idb';
import { experimentStore, type ExperimentInput, type ExperimentStore } from '../../core/experiments';
import type { SweepOutcome } from '../../../workers/microstim-api';
import type { MicrostimSettings, SheetlessResults } from './microstim';

export const LEGACY_SWEEPS_DB = 'silico-microstim';
const LEGACY_STORE = 'sweeps';

/** A record of the old store, as the lab wrote it. */
export interface LegacySweep extends SweepOutcome {
  id: number;
  savedAt: number;
  model: string;
  layer: string;
  synthetic: boolean;
}

/** The experiment id a legacy sweep is saved under (the same on every run: what makes the migration idempotent). */
export function legacySweepExperimentId(s: Pick<LegacySweep, 'id' | 'savedAt'>): string {
  return `exp-legacy-sweep-${s.id}-${s.savedAt}`;
}

/** "2026-11-20 14:03" in local time. */
function localMinute(t: number): string {
  const d = new Date(t);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** The notebook entry for one legacy sweep: the sweep as saved, no sheet, its save time as creation time. */
export function legacySweepExperiment(s: LegacySweep): ExperimentInput & { id: string } {
  const { sites, controls, correlation, params } = s;
  const n = Array.isArray(sites) ? sites.length : 0;
  const nControls = Array.isArray(controls) ? controls.length : 0;
  const settings: Partial<MicrostimSettings> = {
    layer: s.layer,
    layerLabel: s.layer,
    currentUa: params?.currentUa,
    frequencyHz: params?.frequencyHz,
    durationMs: params?.durationMs,
    sweepSelective: n - nControls,
    sweepControls: nControls,
  };
  const results: SheetlessResults = { sheet: null, lastStim: null, stimHistory: [], sweep: { sites, controls, correlation, params }, dose: null, afraz: null };
  return {
    id: legacySweepExperimentId(s),
    kind: 'microstim',
    name: `${s.model} · ${s.layer} · sweep of ${n} sites (saved ${localMinute(s.savedAt)})`,
    createdAt: s.savedAt,
    model: s.model,
    layers: [s.layer],
    stimuli: [s.synthetic ? 'synthetic demo set' : 'your images'],
    settings: settings as ExperimentInput['settings'],
    results: results as unknown as ExperimentInput['results'],
    synthetic: !!s.synthetic,
  };
}

/** The old database's sweeps, or null when there is no old database (without creating one). */
async function readLegacySweeps(dbName: string): Promise<LegacySweep[] | null> {
  let absent = false;
  const db = await openDB(dbName, undefined, {
    upgrade(_db, _oldVersion, _newVersion, tx) {
      // Opening without a version only upgrades a database that did not exist: abort, so none is created.
      absent = true;
      tx.done.catch(() => {}); // the abort below is expected
      tx.abort();
    },
  }).catch((e: unknown) => {
    if (absent) return null;
    throw e;
  });
  if (!db) return null;
  try {
    if (!db.objectStoreNames.contains(LEGACY_STORE)) return [];
    return (await db.getAll(LEGACY_STORE)) as LegacySweep[];
  } finally {
    db.close();
  }
}

/** Deletes the old database; when another tab still holds it open, returns at once (deletion completes when that tab lets go). */
function deleteLegacy(dbName: string): Promise<void> {
  return new Promise((resolve, reject) => {
    deleteDB(dbName, {
      blocked() {
        console.warn(`Old sweep database "${dbName}": deletion waits for another tab of Silico to close.`);
        resolve();
      },
    }).then(resolve, reject);
  });
}

export interface MigrationOptions {
  store?: Pick<ExperimentStore, 'get' | 'save'>;
  legacyDbName?: string;
}

/** Moves legacy sweeps into the notebook; returns how many new notebook entries it made. Throws on failure, touching nothing of the old database. */
export async function migrateLegacySweepsOrThrow(options: MigrationOptions = {}): Promise<number> {
  const store = options.store ?? experimentStore();
  const dbName = options.legacyDbName ?? LEGACY_SWEEPS_DB;
  const sweeps = await readLegacySweeps(dbName);
  if (sweeps === null) return 0;
  let added = 0;
  for (const s of sweeps) {
    const input = legacySweepExperiment(s);
    // Already moved by an earlier run that stopped before deleting the old database (kept as the user may have renamed it).
    if (await store.get(input.id)) continue;
    await store.save(input);
    added++;
  }
  await deleteLegacy(dbName);
  return added;
}

let running: Promise<number> | null = null;

/**
 * What pages call on mount: the migration, once at a time, never throwing (a failure is logged and retried on
 * the next visit; the old sweeps stay where they were). Returns how many sweeps it moved into the notebook.
 */
export function migrateLegacySweeps(options: MigrationOptions = {}): Promise<number> {
  running ??= migrateLegacySweepsOrThrow(options)
    .catch((e: unknown) => {
      console.warn('Sweeps saved by an older Microstimulation lab were not moved to the notebook yet (will retry):', e);
      return 0;
    })
    .finally(() => (running = null));
  return running;
}
