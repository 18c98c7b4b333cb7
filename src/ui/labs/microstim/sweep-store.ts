/** Saved site sweeps of the Microstimulation lab (IndexedDB via idb), so results survive a reload. */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { SweepOutcome } from './protocol';

export interface SavedSweep extends SweepOutcome {
  id?: number;
  savedAt: number;
  model: string;
  layer: string;
  synthetic: boolean;
}

interface SweepDb extends DBSchema {
  sweeps: { key: number; value: SavedSweep };
}

let db: Promise<IDBPDatabase<SweepDb>> | null = null;

function open(): Promise<IDBPDatabase<SweepDb>> {
  db ??= openDB<SweepDb>('silico-microstim', 1, {
    upgrade(d) {
      d.createObjectStore('sweeps', { keyPath: 'id', autoIncrement: true });
    },
  });
  return db;
}

export async function saveSweep(s: SavedSweep): Promise<number> {
  return (await open()).add('sweeps', s);
}

export async function listSweeps(): Promise<SavedSweep[]> {
  return (await (await open()).getAll('sweeps')).sort((a, b) => b.savedAt - a.savedAt);
}

export async function deleteSweep(id: number): Promise<void> {
  await (await open()).delete('sweeps', id);
}
