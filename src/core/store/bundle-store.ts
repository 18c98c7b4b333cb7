import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { UserFacingError } from '../types';
import { unzipBundle, zipBundle } from '../data/bundle';

/**
 * Benchmark bundles kept in the browser (IndexedDB): every bundle the user imported or the catalog
 * downloaded and packed, so a saved experiment or a shared link reopens with its own benchmark.
 * A bundle is stored as one zip (docs/bundle-format.md) plus a small metadata record, both written in
 * one transaction: a failed write (quota, crash) leaves the previous version untouched.
 */

export interface StoredBundleInfo {
  /** The bundle's benchmark id (benchmark.json "id"): what experiments and links refer to. */
  id: string;
  name: string;
  modality: 'vision' | 'language';
  synthetic: boolean;
  /** "catalog" (downloaded and packed from the dataset catalog) or "import" (file, folder or URL). */
  origin: 'catalog' | 'import';
  /** Catalog dataset id, when it came from the catalog (lets the app re-fetch it). */
  datasetId?: string;
  /** Where it came from, in words (a URL, a file name). */
  source: string;
  stimuli: number;
  regions: string[];
  /** Bytes of the stored zip. */
  size: number;
  addedAt: number;
}

interface BundleSchema extends DBSchema {
  bundles: { key: string; value: StoredBundleInfo };
  zips: { key: string; value: { id: string; zip: Uint8Array } };
}

export const BUNDLE_DB_NAME = 'silico-bundles';

/** A storage write refused for lack of space, as a message for people. */
export function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: string } | null)?.name ?? '';
  return name === 'QuotaExceededError' || /quota/i.test((e as Error)?.message ?? '');
}

export function quotaMessage(what: string): UserFacingError {
  return new UserFacingError(
    `Browser storage is full: ${what} could not be stored. Nothing was changed; what was stored before is intact.`,
    'Free space on the Data page (delete cached datasets or models you no longer need), then try again.',
  );
}

export class BundleStore {
  private dbPromise: Promise<IDBPDatabase<BundleSchema>> | null = null;

  constructor(private readonly dbName = BUNDLE_DB_NAME) {}

  private db(): Promise<IDBPDatabase<BundleSchema>> {
    this.dbPromise ??= openDB<BundleSchema>(this.dbName, 1, {
      upgrade(db) {
        db.createObjectStore('bundles', { keyPath: 'id' });
        db.createObjectStore('zips', { keyPath: 'id' });
      },
    });
    return this.dbPromise;
  }

  /**
   * Store a validated bundle (path → bytes, as the packers and readers use) under its benchmark id,
   * replacing an earlier one with that id in the same transaction.
   */
  async put(info: Omit<StoredBundleInfo, 'size' | 'addedAt'>, files: Map<string, Uint8Array>): Promise<StoredBundleInfo> {
    return this.putZip(info, zipBundle(files));
  }

  /** Store an already zipped bundle. */
  async putZip(info: Omit<StoredBundleInfo, 'size' | 'addedAt'>, zip: Uint8Array): Promise<StoredBundleInfo> {
    const record: StoredBundleInfo = { ...info, size: zip.byteLength, addedAt: Date.now() };
    const db = await this.db();
    try {
      const tx = db.transaction(['bundles', 'zips'], 'readwrite');
      await Promise.all([tx.objectStore('zips').put({ id: info.id, zip }), tx.objectStore('bundles').put(record), tx.done]);
    } catch (e) {
      if (isQuotaError(e)) throw quotaMessage(`the benchmark “${info.name}”`);
      throw e;
    }
    return record;
  }

  async info(id: string): Promise<StoredBundleInfo | undefined> {
    return (await this.db()).get('bundles', id);
  }

  async has(id: string): Promise<boolean> {
    return (await (await this.db()).getKey('bundles', id)) !== undefined;
  }

  /** The stored zip's bytes. */
  async getZip(id: string): Promise<{ info: StoredBundleInfo; zip: Uint8Array } | undefined> {
    const db = await this.db();
    const tx = db.transaction(['bundles', 'zips'], 'readonly');
    const info = await tx.objectStore('bundles').get(id);
    if (!info) return undefined;
    const row = await tx.objectStore('zips').get(id);
    await tx.done;
    if (!row) throw new UserFacingError(`The stored benchmark “${info.name}” is damaged. Delete it on the Data page and fetch or import it again.`);
    return { info, zip: row.zip };
  }

  /** The bundle's files (path → bytes), ready for readBundleAsync. */
  async get(id: string): Promise<{ info: StoredBundleInfo; files: Map<string, Uint8Array> } | undefined> {
    const hit = await this.getZip(id);
    return hit && { info: hit.info, files: unzipBundle(hit.zip) };
  }

  async list(): Promise<StoredBundleInfo[]> {
    const all = await (await this.db()).getAll('bundles');
    return all.sort((a, b) => a.addedAt - b.addedAt);
  }

  async delete(id: string): Promise<void> {
    const db = await this.db();
    const tx = db.transaction(['bundles', 'zips'], 'readwrite');
    await Promise.all([tx.objectStore('bundles').delete(id), tx.objectStore('zips').delete(id), tx.done]);
  }

  async totalBytes(): Promise<number> {
    return (await this.list()).reduce((s, b) => s + b.size, 0);
  }

  close(): void {
    void this.dbPromise?.then((db) => db.close());
    this.dbPromise = null;
  }
}
