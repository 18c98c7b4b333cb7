/**
 * Sweeps saved by the Microstimulation lab before the notebook (IndexedDB `silico-microstim` v1, store `sweeps`,
 * written here with idb in that old schema on fake-indexeddb) move into the notebook: one experiment each, named
 * and dated after the sweep, numbers unchanged, the old database deleted; a second run adds nothing; a failure
 * half-way leaves the old database as it was and the retry finishes without duplicates.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { openDB } from 'idb';
import { ExperimentStore, type ExperimentInput } from '../../src/core/experiments';
import { UserFacingError } from '../../src/core/types';
import { migrateLegacySweeps, migrateLegacySweepsOrThrow, type LegacySweep } from '../../src/ui/notebook/legacy-sweeps';
import { savedMicrostim } from '../../src/ui/notebook/microstim';
import type { SiteResult } from '../../workers/microstim-api';

process.env.TZ = 'UTC'; // names carry the save time in local time

let counter = 0;
const stores: ExperimentStore[] = [];
function fresh(): { store: ExperimentStore; legacyDbName: string } {
  const n = counter++;
  const store = new ExperimentStore({ dbName: `legacy-test-experiments-${process.pid}-${n}` });
  stores.push(store);
  return { store, legacyDbName: `legacy-test-microstim-${process.pid}-${n}` };
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  vi.restoreAllMocks();
});

function site(i: number, shift: number): SiteResult {
  return {
    site: i,
    xMm: 0.25 * i,
    yMm: 1.5,
    dPrime: 0.4 * i - 1,
    neighbourhoodDPrime: 0.3 * i - 0.5,
    curve: { x50: -2 - shift, slope: 0.08, sse: 0.01, iterations: 12 },
    points: [-80, 0, 80].map((signal) => ({ signal, pFace: 1 / (1 + Math.exp(-0.08 * (signal + shift))), count: 4 })),
    shift,
    deltaPFace: shift / 50,
  };
}

type OldRecord = Omit<LegacySweep, 'id'>;
const OLD: OldRecord[] = [
  {
    sites: [site(3, 4.5), site(7, 2.25), site(11, -0.5), site(2, 0.125)],
    controls: [11, 2],
    correlation: { r: 0.81, n: 4, low: -0.6, high: 0.99 },
    params: { currentUa: 50, frequencyHz: 200, durationMs: 50 },
    savedAt: Date.UTC(2026, 10, 20, 14, 3, 30),
    model: 'mobilenetv2-12-fp32.onnx',
    layer: '624_quantized',
    synthetic: false,
  },
  {
    sites: [site(5, 1.75), site(6, -3)],
    controls: [6],
    correlation: null,
    params: { currentUa: 100, frequencyHz: 150, durationMs: 40 },
    savedAt: Date.UTC(2026, 10, 21, 9, 0),
    model: 'HMAX',
    layer: 'C2',
    synthetic: true,
  },
  {
    sites: [site(1, NaN), site(2, 0), site(3, 1), site(4, 2)],
    controls: [],
    correlation: { r: NaN, n: 4, low: NaN, high: NaN },
    params: { currentUa: 25, frequencyHz: 200, durationMs: 50 },
    savedAt: Date.UTC(2026, 10, 22, 23, 59),
    model: 'HMAX',
    layer: 'C2',
    synthetic: true,
  },
];
const NAMES = [
  'mobilenetv2-12-fp32.onnx · 624_quantized · sweep of 4 sites (saved 2026-11-20 14:03)',
  'HMAX · C2 · sweep of 2 sites (saved 2026-11-21 09:00)',
  'HMAX · C2 · sweep of 4 sites (saved 2026-11-22 23:59)',
];

/** The old lab's database, written as the old lab wrote it (keyPath id, autoIncrement). */
async function writeLegacy(name: string, records: OldRecord[]): Promise<void> {
  const db = await openDB(name, 1, {
    upgrade(d) {
      d.createObjectStore('sweeps', { keyPath: 'id', autoIncrement: true });
    },
  });
  for (const r of records) await db.add('sweeps', structuredClone(r) as never);
  db.close();
}

async function readLegacy(name: string): Promise<unknown[]> {
  const db = await openDB(name);
  const all = await db.getAll('sweeps');
  db.close();
  return all;
}

async function databaseNames(): Promise<string[]> {
  return (await indexedDB.databases()).map((d) => d.name!);
}

describe('legacy microstimulation sweeps move into the notebook', () => {
  test('one experiment per sweep, same numbers, old database deleted; a second run adds nothing', async () => {
    const { store, legacyDbName } = fresh();
    await writeLegacy(legacyDbName, OLD);

    expect(await migrateLegacySweepsOrThrow({ store, legacyDbName })).toBe(3);
    expect(await databaseNames()).not.toContain(legacyDbName);
    const list = await store.list();
    expect(list.map((e) => e.name).sort()).toEqual([...NAMES].sort());

    for (const [i, old] of OLD.entries()) {
      const summary = list.find((e) => e.name === NAMES[i])!;
      expect(summary).toMatchObject({ kind: 'microstim', model: old.model, layers: [old.layer], synthetic: old.synthetic, createdAt: old.savedAt, updatedAt: old.savedAt });
      const run = savedMicrostim((await store.get(summary.id))!);
      expect(run.results.sheet).toBeNull();
      expect(run.results.sweep!.sites.map((s) => s.shift)).toEqual(old.sites.map((s) => s.shift));
      expect(run.results.sweep!.sites.map((s) => s.neighbourhoodDPrime)).toEqual(old.sites.map((s) => s.neighbourhoodDPrime));
      expect(run.results.sweep).toEqual({ sites: old.sites, controls: old.controls, correlation: old.correlation, params: old.params });
      expect(run.settings).toEqual({
        layer: old.layer,
        layerLabel: old.layer,
        ...old.params,
        sweepSelective: old.sites.length - old.controls.length,
        sweepControls: old.controls.length,
      });
    }
    const nanSweep = savedMicrostim((await store.get(list.find((e) => e.name === NAMES[2])!.id))!);
    expect(nanSweep.results.sweep!.sites[0].shift).toBeNaN();
    expect(nanSweep.results.sweep!.correlation!.r).toBeNaN();

    expect(await migrateLegacySweepsOrThrow({ store, legacyDbName })).toBe(0);
    expect(await migrateLegacySweeps({ store, legacyDbName })).toBe(0);
    expect((await store.list()).length).toBe(3);
    // Looking for the old database leaves none behind.
    expect(await databaseNames()).not.toContain(legacyDbName);
  });

  test('a failure half-way leaves the old database intact; the retry completes without duplicates', async () => {
    const { store, legacyDbName } = fresh();
    await writeLegacy(legacyDbName, OLD);
    const before = await readLegacy(legacyDbName);
    expect(before).toHaveLength(3);

    let saves = 0;
    const failingOnSecond = {
      get: (id: string) => store.get(id),
      save: (input: ExperimentInput) => (++saves === 2 ? Promise.reject(new Error('QuotaExceededError')) : store.save(input)),
    };
    await expect(migrateLegacySweepsOrThrow({ store: failingOnSecond, legacyDbName })).rejects.toThrow('QuotaExceededError');
    expect(await databaseNames()).toContain(legacyDbName);
    expect(await readLegacy(legacyDbName)).toEqual(before);
    expect((await store.list()).map((e) => e.name)).toEqual([NAMES[0]]);

    // What pages call never throws: it logs and leaves everything for the next visit.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    saves = 0;
    const failingFirst = { ...failingOnSecond, save: () => Promise.reject(new Error('disk gone')) };
    expect(await migrateLegacySweeps({ store: failingFirst, legacyDbName })).toBe(0);
    expect(warn).toHaveBeenCalledOnce();
    expect(await readLegacy(legacyDbName)).toEqual(before);

    // The user renamed the entry moved before the failure; the retry keeps it as it is.
    const [moved] = await store.list();
    await store.rename(moved.id, 'My best sweep');
    expect(await migrateLegacySweeps({ store, legacyDbName })).toBe(2);
    expect(await databaseNames()).not.toContain(legacyDbName);
    expect((await store.list()).map((e) => e.name).sort()).toEqual(['My best sweep', NAMES[1], NAMES[2]].sort());
  });

  test('a sheetless sweep re-opens with its Afraz overlay; neither sheet nor sweep is refused with a clear message', async () => {
    const { store } = fresh();
    const afraz = [{ faceSelectivity: 0.5, psychometricShift: 3.25 }, { faceSelectivity: -0.25, psychometricShift: NaN }];
    const sweep = { sites: OLD[0].sites, controls: OLD[0].controls, correlation: OLD[0].correlation, params: OLD[0].params };
    const withAfraz = await store.save({ kind: 'microstim', name: 'With Afraz', model: 'm', layers: ['L'], settings: {}, results: { sheet: null, sweep, afraz } as unknown as ExperimentInput['results'], synthetic: false });
    const run = savedMicrostim((await store.get(withAfraz.id))!);
    expect(run.results.afraz).toEqual(afraz);
    expect(run.settings).toMatchObject({ layer: 'L', layerLabel: 'L', currentUa: 50, sweepSelective: 2, sweepControls: 2 });

    const exp = await store.save({ kind: 'microstim', name: 'Odd', model: 'm', layers: [], settings: {}, results: { sweep: { sites: 'x' } }, synthetic: false });
    expect(() => savedMicrostim(exp)).toThrow(UserFacingError);
    expect(() => savedMicrostim(exp)).toThrow('“Odd” holds no cortical sheet or site sweep this page can draw.');
  });
});
