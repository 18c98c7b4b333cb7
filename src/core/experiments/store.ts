/**
 * Saved experiments (the notebook) in IndexedDB. Each experiment is two records written in one
 * transaction: its metadata (what lists show) and its results (possibly large, read only on open).
 * A failed write aborts the transaction, so the previous version of an experiment is never lost.
 * Deleting is soft: the experiment can be restored within `undoWindowMs`; purge() removes it later.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import { UserFacingError } from '../types';
import { assertStorable, decodeValue, encodeValue, type StorableValue } from './codec';

export type ExperimentKind = 'predictivity' | 'microstim' | 'language' | 'recording' | 'report';
export const EXPERIMENT_KINDS: readonly ExperimentKind[] = ['predictivity', 'microstim', 'language', 'recording', 'report'];

export interface Experiment {
  id: string;
  kind: ExperimentKind;
  name: string;
  createdAt: number;
  updatedAt: number;
  /** Model id or name (e.g. "builtin:hmax"). */
  model: string;
  /** Recorded layers (tensor names). */
  layers: string[];
  /** Benchmark id, for Predictivity runs. */
  benchmark?: string;
  /** References to the stimuli used (ids, file names or a set name), not the stimuli themselves. */
  stimuli?: string[];
  /** Settings that reproduce the view (metric, layer, current, …). */
  settings: { [key: string]: StorableValue };
  /** Results as plain data; typed arrays allowed. */
  results: StorableValue;
  /** True when the data are synthetic demo data, not brain data. */
  synthetic: boolean;
}

/** What saveExperiment takes: an id updates that experiment, no id creates one. */
export type ExperimentInput = Omit<Experiment, 'id' | 'createdAt' | 'updatedAt'> & { id?: string; createdAt?: number };

export type ExperimentSummary = Omit<Experiment, 'results'>;

type MetaRecord = ExperimentSummary & { deletedAt?: number };

interface ExperimentsSchema extends DBSchema {
  meta: { key: string; value: MetaRecord };
  results: { key: string; value: { id: string; results: StorableValue } };
}

type WriteTx = IDBPTransaction<ExperimentsSchema, ('meta' | 'results')[], 'readwrite'>;

export const EXPERIMENTS_DB_NAME = 'silico-experiments';
export const EXPORT_FORMAT = 'silico-experiments';
export const EXPORT_VERSION = 1;

export interface ExperimentsFile {
  format: typeof EXPORT_FORMAT;
  version: number;
  exportedAt: string;
  experiments: unknown[];
}

export interface ImportReport {
  /** Ids added, in file order. */
  added: string[];
  /** Experiments identical to one already saved: not duplicated. */
  unchanged: string[];
  /** Experiments whose id was taken by a different experiment: saved as a copy under a new id. */
  copied: { from: string; to: string }[];
}

export interface StoreOptions {
  dbName?: string;
  /** How long a deleted experiment can be restored. */
  undoWindowMs?: number;
  now?: () => number;
}

export function newExperimentId(): string {
  const rand = globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  return `exp-${rand}`;
}

function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: string } | null)?.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}

function quotaMessage(): UserFacingError {
  return new UserFacingError(
    'Not saved: the browser has no more storage for this site. Your earlier saved experiments are unchanged.\n' +
      'Delete old experiments or cached models (Models page), or export experiments to a file and remove them here.',
  );
}

function splitExperiment(e: Experiment): { meta: MetaRecord; results: StorableValue } {
  const { results, ...meta } = e;
  return { meta, results };
}

export class ExperimentStore {
  private db: Promise<IDBPDatabase<ExperimentsSchema>> | null = null;
  private readonly name: string;
  readonly undoWindowMs: number;
  private readonly now: () => number;

  constructor(options: StoreOptions = {}) {
    this.name = options.dbName ?? EXPERIMENTS_DB_NAME;
    this.undoWindowMs = options.undoWindowMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  private open(): Promise<IDBPDatabase<ExperimentsSchema>> {
    this.db ??= openDB<ExperimentsSchema>(this.name, 1, {
      upgrade(db) {
        db.createObjectStore('meta', { keyPath: 'id' });
        db.createObjectStore('results', { keyPath: 'id' });
      },
    });
    return this.db;
  }

  /** Create (no id) or update (id given) an experiment; returns it as saved. */
  async save(input: ExperimentInput): Promise<Experiment> {
    validateExperimentShape(input, 'experiment', false);
    assertStorable(input.results, 'results');
    assertStorable(input.settings, 'settings');
    const db = await this.open();
    const t = this.now();
    const id = input.id ?? newExperimentId();
    const prior = input.id ? await db.get('meta', id) : undefined;
    // A new entry with its own createdAt is earlier work brought in (a migration): it was last saved then, too.
    const updatedAt = !prior && input.createdAt !== undefined ? input.createdAt : t;
    const exp: Experiment = { ...input, id, createdAt: prior?.createdAt ?? input.createdAt ?? t, updatedAt };
    const { meta, results } = splitExperiment(exp);
    await this.write(async (tx) => {
      await tx.objectStore('meta').put(meta);
      await tx.objectStore('results').put({ id, results });
    });
    return exp;
  }

  /** Experiments not deleted, newest first (without their results). */
  async list(): Promise<ExperimentSummary[]> {
    const all = await (await this.open()).getAll('meta');
    return all
      .filter((m) => m.deletedAt === undefined)
      .map(({ deletedAt: _, ...m }) => m)
      .sort((a, b) => b.updatedAt - a.updatedAt);
  }

  async get(id: string): Promise<Experiment | undefined> {
    const db = await this.open();
    const tx = db.transaction(['meta', 'results'], 'readonly');
    const [meta, res] = await Promise.all([tx.objectStore('meta').get(id), tx.objectStore('results').get(id)]);
    await tx.done;
    if (!meta || meta.deletedAt !== undefined) return undefined;
    const { deletedAt: _, ...m } = meta;
    return { ...m, results: res?.results ?? null };
  }

  async rename(id: string, name: string): Promise<void> {
    const clean = name.trim();
    if (!clean) throw new UserFacingError('An experiment needs a name.');
    await this.updateMeta(id, (m) => ({ ...m, name: clean, updatedAt: this.now() }));
  }

  /** Soft delete: hidden from list/get, restorable with restore() within the undo window. */
  async delete(id: string): Promise<void> {
    await this.updateMeta(id, (m) => ({ ...m, deletedAt: this.now() }));
  }

  async restore(id: string): Promise<void> {
    const db = await this.open();
    const meta = await db.get('meta', id);
    if (!meta || meta.deletedAt === undefined) throw new UserFacingError('There is no deleted experiment to restore.');
    if (this.now() - meta.deletedAt > this.undoWindowMs) throw new UserFacingError(`“${meta.name}” was deleted too long ago to undo.`);
    const { deletedAt: _, ...m } = meta;
    await this.write(async (tx) => {
      await tx.objectStore('meta').put(m);
    });
  }

  /** Remove for good the experiments deleted longer ago than the undo window; returns how many. */
  async purge(): Promise<number> {
    const db = await this.open();
    const expired = (await db.getAll('meta')).filter((m) => m.deletedAt !== undefined && this.now() - m.deletedAt > this.undoWindowMs);
    if (!expired.length) return 0;
    await this.write(async (tx) => {
      for (const m of expired) {
        await tx.objectStore('meta').delete(m.id);
        await tx.objectStore('results').delete(m.id);
      }
    });
    return expired.length;
  }

  /** One experiment (or all, when ids is omitted) as the text of an export file. */
  async exportJson(ids?: string[]): Promise<string> {
    const list = ids ?? (await this.list()).map((m) => m.id);
    const experiments: unknown[] = [];
    for (const id of list) {
      const e = await this.get(id);
      if (!e) throw new UserFacingError(`Experiment ${id} does not exist.`);
      experiments.push(encodeValue(e));
    }
    const file: ExperimentsFile = { format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: new Date(this.now()).toISOString(), experiments };
    return JSON.stringify(file);
  }

  /**
   * Import an export file. The whole file is validated before anything is written, and written in one
   * transaction: a bad file changes nothing. An id already in use by a different experiment is never
   * overwritten; the import is saved as a copy with a new id.
   */
  async importJson(text: string): Promise<ImportReport> {
    const incoming = parseExperimentsFile(text);
    const db = await this.open();
    const report: ImportReport = { added: [], unchanged: [], copied: [] };
    const toWrite: Experiment[] = [];
    for (const e of incoming) {
      const existing = await db.get('meta', e.id);
      if (!existing) {
        toWrite.push(e);
        report.added.push(e.id);
        continue;
      }
      const current = await this.getIncludingDeleted(e.id);
      if (existing.deletedAt === undefined && current && sameExperiment(current, e)) {
        report.unchanged.push(e.id);
        continue;
      }
      const copy = { ...e, id: newExperimentId(), name: `${e.name} (imported)` };
      toWrite.push(copy);
      report.copied.push({ from: e.id, to: copy.id });
      report.added.push(copy.id);
    }
    await this.write(async (tx) => {
      for (const e of toWrite) {
        const { meta, results } = splitExperiment(e);
        await tx.objectStore('meta').put(meta);
        await tx.objectStore('results').put({ id: e.id, results });
      }
    });
    return report;
  }

  close(): void {
    void this.db?.then((db) => db.close());
    this.db = null;
  }

  private async getIncludingDeleted(id: string): Promise<Experiment | undefined> {
    const db = await this.open();
    const meta = await db.get('meta', id);
    const res = await db.get('results', id);
    if (!meta) return undefined;
    const { deletedAt: _, ...m } = meta;
    return { ...m, results: res?.results ?? null };
  }

  private async updateMeta(id: string, change: (m: MetaRecord) => MetaRecord): Promise<void> {
    await this.write(async (tx) => {
      const store = tx.objectStore('meta');
      const m = await store.get(id);
      if (!m || m.deletedAt !== undefined) throw new UserFacingError('That experiment no longer exists.');
      await store.put(change(m));
    });
  }

  /** Run writes in one readwrite transaction; any failure aborts all of them. */
  private async write(body: (tx: WriteTx) => Promise<void>): Promise<void> {
    const db = await this.open();
    const tx = db.transaction(['meta', 'results'], 'readwrite');
    try {
      await body(tx);
      await tx.done;
    } catch (e) {
      try {
        tx.abort();
      } catch {
        /* already finished or aborted */
      }
      await tx.done.catch(() => {});
      if (isQuotaError(e)) throw quotaMessage();
      throw e;
    }
  }
}

function sameExperiment(a: Experiment, b: Experiment): boolean {
  return JSON.stringify(encodeValue(a)) === JSON.stringify(encodeValue(b));
}

/** Checks fields and types; `needsIds` for imported experiments (which must carry id and timestamps). */
function validateExperimentShape(e: unknown, where: string, needsIds: boolean): asserts e is ExperimentInput {
  const bad = (msg: string) => new UserFacingError(`${where}: ${msg}`);
  if (typeof e !== 'object' || e === null || Array.isArray(e)) throw bad('not an experiment object.');
  const o = e as Record<string, unknown>;
  if (needsIds || o.id !== undefined) {
    if (typeof o.id !== 'string' || !o.id) throw bad('missing id.');
  }
  if (needsIds && (typeof o.createdAt !== 'number' || typeof o.updatedAt !== 'number')) throw bad('missing dates.');
  if (!EXPERIMENT_KINDS.includes(o.kind as ExperimentKind)) throw bad(`unknown kind "${String(o.kind)}" (expected ${EXPERIMENT_KINDS.join(', ')}).`);
  if (typeof o.name !== 'string' || !o.name.trim()) throw bad('missing name.');
  if (typeof o.model !== 'string') throw bad('missing model.');
  if (!Array.isArray(o.layers) || o.layers.some((l) => typeof l !== 'string')) throw bad('layers must be a list of names.');
  if (o.benchmark !== undefined && typeof o.benchmark !== 'string') throw bad('benchmark must be a name.');
  if (o.stimuli !== undefined && (!Array.isArray(o.stimuli) || o.stimuli.some((s) => typeof s !== 'string'))) throw bad('stimuli must be a list of names.');
  if (typeof o.settings !== 'object' || o.settings === null || Array.isArray(o.settings)) throw bad('settings must be an object.');
  if (typeof o.synthetic !== 'boolean') throw bad('synthetic must be true or false.');
  if (!('results' in o)) throw bad('missing results.');
}

/** Parse and validate an export file; throws a UserFacingError that says what is wrong with it. */
export function parseExperimentsFile(text: string): Experiment[] {
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch {
    throw new UserFacingError('This file is not a Silico experiments file: it is not valid JSON.');
  }
  const f = file as Partial<ExperimentsFile> | null;
  if (typeof f !== 'object' || f === null || f.format !== EXPORT_FORMAT) {
    throw new UserFacingError('This file is not a Silico experiments file.', 'Export experiments from the Notebook page to get one.');
  }
  if (typeof f.version !== 'number' || !Number.isInteger(f.version) || f.version < 1) throw new UserFacingError('This experiments file has no valid format version.');
  if (f.version > EXPORT_VERSION) {
    throw new UserFacingError(`This experiments file uses format version ${f.version}, made by a newer Silico; this app reads up to version ${EXPORT_VERSION}.`, 'Update the app (reload the page while online).');
  }
  if (!Array.isArray(f.experiments)) throw new UserFacingError('This experiments file has no list of experiments.');
  const seen = new Set<string>();
  return f.experiments.map((raw, i) => {
    const where = `Experiment ${i + 1} in the file`;
    validateExperimentShape(raw, where, true);
    const o = raw as unknown as Experiment;
    if (seen.has(o.id)) throw new UserFacingError(`${where}: id ${o.id} appears twice in the file.`);
    seen.add(o.id);
    const decoded = decodeValue(raw, `experiment ${i + 1}`) as unknown as Experiment;
    return decoded;
  });
}
