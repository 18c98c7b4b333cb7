import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { UserFacingError } from '../types';
import { sha256Hex } from './content-hash';

/**
 * Cache id of a locally imported model: its file name made safe, plus the first 12 hex digits of the SHA-256 of its
 * bytes. Two different files both called model.onnx get two ids (neither replaces the other); importing the same
 * file again finds the same entry.
 */
export async function localModelId(fileName: string, bytes: Uint8Array): Promise<string> {
  return `local-${fileName.replace(/\.onnx$/i, '').replace(/[^\w.-]+/g, '_')}-${(await sha256Hex(bytes)).slice(0, 12)}`;
}

/**
 * Model cache in IndexedDB. A model is one entry made of one or more files (model.onnx, its external
 * data, tokenizer.json). An entry is written in a single transaction over both stores, so it is either
 * fully there or not at all: a crash or a failed check never leaves half a model behind.
 */

export interface CachedFileInfo {
  /** Path as the model refers to it (external data location) or a role name ("model.onnx", "tokenizer.json"). */
  path: string;
  size: number;
  sha256?: string;
}

export interface CachedModel {
  id: string;
  name: string;
  /** Where it came from: a URL, "local import" or "built in". */
  source: string;
  files: CachedFileInfo[];
  /** Total bytes over all files. */
  size: number;
  addedAt: number;
}

export interface CachedFile {
  path: string;
  data: Uint8Array;
}

interface ModelCacheSchema extends DBSchema {
  models: { key: string; value: CachedModel };
  files: { key: string; value: { key: string; data: Uint8Array } };
}

export const CACHE_DB_NAME = 'silico-models';
const fileKey = (id: string, path: string) => `${id}\u0000${path}`;

export class ModelCache {
  private dbPromise: Promise<IDBPDatabase<ModelCacheSchema>> | null = null;

  constructor(private readonly dbName = CACHE_DB_NAME) {}

  private db(): Promise<IDBPDatabase<ModelCacheSchema>> {
    this.dbPromise ??= openDB<ModelCacheSchema>(this.dbName, 1, {
      upgrade(db) {
        db.createObjectStore('models', { keyPath: 'id' });
        db.createObjectStore('files', { keyPath: 'key' });
      },
    });
    return this.dbPromise;
  }

  /** Store a complete, verified model (replaces an entry with the same id) in one transaction. */
  async put(
    entry: { id: string; name: string; source: string },
    files: CachedFile[],
    hashes: Record<string, string> = {},
  ): Promise<CachedModel> {
    if (files.length === 0) throw new UserFacingError('Nothing to store: the model has no files.');
    const db = await this.db();
    const record: CachedModel = {
      ...entry,
      files: files.map((f) => ({ path: f.path, size: f.data.byteLength, sha256: hashes[f.path] })),
      size: files.reduce((s, f) => s + f.data.byteLength, 0),
      addedAt: Date.now(),
    };
    const tx = db.transaction(['models', 'files'], 'readwrite');
    const old = await tx.objectStore('models').get(entry.id);
    const writes: Promise<unknown>[] = [];
    for (const f of old?.files ?? []) writes.push(tx.objectStore('files').delete(fileKey(entry.id, f.path)));
    for (const f of files) writes.push(tx.objectStore('files').put({ key: fileKey(entry.id, f.path), data: f.data }));
    writes.push(tx.objectStore('models').put(record));
    await Promise.all([...writes, tx.done]);
    return record;
  }

  /** The entry and all its files, or undefined when not cached. */
  async get(id: string): Promise<{ model: CachedModel; files: CachedFile[] } | undefined> {
    const db = await this.db();
    const tx = db.transaction(['models', 'files'], 'readonly');
    const model = await tx.objectStore('models').get(id);
    if (!model) return undefined;
    const files: CachedFile[] = [];
    for (const f of model.files) {
      const row = await tx.objectStore('files').get(fileKey(id, f.path));
      if (!row) throw new UserFacingError(`The cached model "${model.name}" is damaged (missing ${f.path}). Delete it and download it again.`);
      files.push({ path: f.path, data: row.data });
    }
    await tx.done;
    return { model, files };
  }

  async has(id: string): Promise<boolean> {
    return (await (await this.db()).getKey('models', id)) !== undefined;
  }

  async list(): Promise<CachedModel[]> {
    const all = await (await this.db()).getAll('models');
    return all.sort((a, b) => a.addedAt - b.addedAt);
  }

  async delete(id: string): Promise<void> {
    const db = await this.db();
    const tx = db.transaction(['models', 'files'], 'readwrite');
    const model = await tx.objectStore('models').get(id);
    const writes: Promise<unknown>[] = [];
    for (const f of model?.files ?? []) writes.push(tx.objectStore('files').delete(fileKey(id, f.path)));
    writes.push(tx.objectStore('models').delete(id));
    await Promise.all([...writes, tx.done]);
  }

  /** Total bytes over all cached models. */
  async totalBytes(): Promise<number> {
    return (await this.list()).reduce((s, m) => s + m.size, 0);
  }

  async clear(): Promise<void> {
    const db = await this.db();
    const tx = db.transaction(['models', 'files'], 'readwrite');
    await Promise.all([tx.objectStore('models').clear(), tx.objectStore('files').clear(), tx.done]);
  }

  close(): void {
    void this.dbPromise?.then((db) => db.close());
    this.dbPromise = null;
  }
}
