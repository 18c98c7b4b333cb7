/**
 * Fetch a catalog dataset's files (src/core/catalog/datasets.ts) on the same machinery as model
 * downloads: streaming with progress, cancel through an AbortSignal, size and checksum verification,
 * then the IndexedDB cache (src/core/store/cache.ts, its own database "silico-datasets").
 *
 * Safety contract:
 * - every file is verified (bytes received = Content-Length, = the catalog size when exact, SHA-1 /
 *   SHA-256 when pinned, structure for .zip / .npy / .csv) BEFORE anything is written;
 * - all files of a request are written in one IndexedDB transaction, so a failure (404, dropped
 *   connection, wrong checksum, truncated file, quota) leaves nothing new cached and the previous copy
 *   intact; every failure is a UserFacingError naming the file.
 *
 * Offline contract: when a dataset is neither cached nor reachable, fetchDataset throws a
 * DatasetUnavailableError (a UserFacingError with `reason` and a one-line `howTo`); labs catch it
 * with isDatasetUnavailable() and fall back to their labelled synthetic data, showing `howTo`.
 */
import { unzipSync } from 'fflate';
import { CancelledError, UserFacingError, throwIfAborted } from '../types';
import { downloadBytes, formatBytes } from '../download/download';
import { ModelCache, type CachedFile } from '../store/cache';
import { BundleStore, isQuotaError, quotaMessage, type StoredBundleInfo } from '../store/bundle-store';
import { readNpy } from '../data/npy';
import { makesBundle, packDataset } from '../data/pack';
import { datasetDownloadBytes, datasetFileUrl, findDataset, type DatasetEntry, type DatasetFile, type DatasetUrlOptions } from './datasets';

export const DATASET_CACHE_DB_NAME = 'silico-datasets';

/** Typed progress events, in order: start, then per file (file, progress…, verified), stored, [packing, packed], done. */
export type DatasetFetchEvent =
  | { type: 'start'; dataset: string; files: number; toDownload: number; totalBytes: number; approx: boolean }
  | { type: 'file'; dataset: string; file: string; index: number; count: number; url: string }
  | { type: 'progress'; dataset: string; file: string; loaded: number; total: number; bytesPerSec: number; etaSeconds: number | null }
  | { type: 'verified'; dataset: string; file: string; bytes: number; checks: string[] }
  | { type: 'stored'; dataset: string; bytes: number }
  | { type: 'packing'; dataset: string }
  | { type: 'packed'; dataset: string; bundleId: string; bytes: number }
  | { type: 'done'; dataset: string; fromCache: boolean };

export interface FetchDatasetOptions extends DatasetUrlOptions {
  signal?: AbortSignal;
  onEvent?: (e: DatasetFetchEvent) => void;
  /** Only these files (DatasetFile.name), e.g. flocSubset(24). Default: every file. */
  files?: readonly string[];
  /** Download again even when cached; on failure the cached copy stays as it was. */
  refresh?: boolean;
  /** Where verified files go. Default: the browser's dataset cache when IndexedDB exists, else none. Null: do not cache. */
  cache?: ModelCache | null;
  fetchImpl?: typeof fetch;
}

export interface FetchedDataset {
  entry: DatasetEntry;
  /** File name → bytes (the requested files). */
  files: Map<string, Uint8Array>;
  /** True when nothing was downloaded. */
  fromCache: boolean;
}

export type UnavailableReason = 'offline' | 'refused' | 'not-found' | 'broken' | 'import-only';

/** The dataset is neither cached nor fetchable now. `howTo` is one line for the user on getting the real data. */
export class DatasetUnavailableError extends UserFacingError {
  constructor(
    message: string,
    readonly datasetId: string,
    readonly reason: UnavailableReason,
    readonly howTo: string,
  ) {
    super(message, howTo);
  }
}

export function isDatasetUnavailable(e: unknown): e is DatasetUnavailableError {
  return e instanceof DatasetUnavailableError || (e instanceof UserFacingError && 'datasetId' in e && 'howTo' in e);
}

/** One line on how to get a dataset's real data (shown beside a synthetic fallback). */
export function howToGetDataset(entry: DatasetEntry): string {
  if (entry.importOnly) return `Real data: ${entry.name} — ${entry.importOnly}`;
  return `Real data: when online, open the Data page and fetch “${entry.name}” (${entry.home}); or download its files yourself and import them there.`;
}

let defaultCache: ModelCache | null | undefined;
/** The browser's dataset cache (IndexedDB), or null where there is none (plain Node). */
export function datasetCache(): ModelCache | null {
  if (defaultCache === undefined) defaultCache = typeof indexedDB === 'undefined' ? null : new ModelCache(DATASET_CACHE_DB_NAME);
  return defaultCache;
}

let defaultBundles: BundleStore | null | undefined;
/** The browser's bundle store (IndexedDB), or null where there is none. */
export function bundleStore(): BundleStore | null {
  if (defaultBundles === undefined) defaultBundles = typeof indexedDB === 'undefined' ? null : new BundleStore();
  return defaultBundles;
}

function resolveEntry(idOrEntry: string | DatasetEntry): DatasetEntry {
  if (typeof idOrEntry !== 'string') return idOrEntry;
  const entry = findDataset(idOrEntry);
  if (!entry) throw new UserFacingError(`There is no dataset “${idOrEntry}” in the catalog.`);
  return entry;
}

/** Structural check of a downloaded file by format: a truncated zip, an HTML error page saved as .npy… */
export function checkDatasetFileBytes(file: DatasetFile, bytes: Uint8Array): string[] {
  const bad = (why: string) =>
    new UserFacingError(`The downloaded ${file.name} is damaged (${why}).`, 'Try again; nothing was stored. If it keeps failing, download the file yourself and import it.');
  switch (file.format) {
    case 'zip': {
      // The end-of-central-directory record sits in the last 22 (+ comment) bytes: a truncated zip has none.
      try {
        unzipSync(bytes, { filter: () => false });
      } catch (e) {
        throw bad(`not a complete zip archive: ${(e as Error).message}`);
      }
      return ['zip structure'];
    }
    case 'npy':
      try {
        readNpy(bytes, file.name);
      } catch (e) {
        throw bad((e as Error).message);
      }
      return ['npy header and length'];
    case 'jpg':
      if (!(bytes[0] === 0xff && bytes[1] === 0xd8)) throw bad('not a JPEG image');
      return ['JPEG signature'];
    case 'nc':
      // NetCDF-4 is HDF5: "\x89HDF\r\n\x1a\n"; classic NetCDF starts with "CDF".
      if (!(bytes[1] === 0x48 && bytes[2] === 0x44 && bytes[3] === 0x46) && !(bytes[0] === 0x43 && bytes[1] === 0x44 && bytes[2] === 0x46)) throw bad('not a NetCDF file');
      return ['NetCDF signature'];
    case 'csv':
    case 'json': {
      const head = new TextDecoder().decode(bytes.subarray(0, 256)).trimStart().toLowerCase();
      if (head.startsWith('<!doctype') || head.startsWith('<html')) throw bad('an HTML page, not data');
      return ['text'];
    }
    default:
      return [];
  }
}

/** Turn a failed download into the offline / refused / not-found contract where it is one. */
function classify(entry: DatasetEntry, file: DatasetFile, url: string, e: unknown): unknown {
  if (e instanceof CancelledError || !(e instanceof UserFacingError)) return e;
  const msg = e.message;
  const howTo = howToGetDataset(entry);
  if (/^Could not download/.test(msg)) {
    const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
    return new DatasetUnavailableError(
      offline
        ? `${entry.name} is not in this browser yet and you are offline.`
        : `${entry.name} is not in this browser, and ${new URL(url).host} could not be reached for ${file.name}: the connection failed or the host refuses downloads from a browser (CORS).`,
      entry.id,
      offline ? 'offline' : 'refused',
      howTo,
    );
  }
  const status = /answered (\d{3})/.exec(msg)?.[1];
  if (status === '404' || status === '403') {
    return new DatasetUnavailableError(`${file.name} of ${entry.name} is not at ${url} (the server answered ${status}). Nothing was stored.`, entry.id, 'not-found', howTo);
  }
  return e;
}

/**
 * The dataset's files: from the cache when all requested files are there (unless refresh), else
 * downloaded, verified, and cached together with what was cached before (one transaction).
 */
export async function fetchDataset(idOrEntry: string | DatasetEntry, options: FetchDatasetOptions = {}): Promise<FetchedDataset> {
  const entry = resolveEntry(idOrEntry);
  const emit = options.onEvent ?? (() => undefined);
  const wanted = options.files ? entry.files.filter((f) => options.files!.includes(f.name)) : entry.files;
  if (options.files) {
    const unknown = options.files.filter((n) => !entry.files.some((f) => f.name === n));
    if (unknown.length) throw new UserFacingError(`${entry.name} has no file ${unknown.slice(0, 3).join(', ')}.`);
  }
  const cache = options.cache === undefined ? datasetCache() : options.cache;
  throwIfAborted(options.signal);

  const cached = new Map<string, Uint8Array>();
  if (cache) {
    const hit = await cache.get(entry.id).catch(() => undefined);
    for (const f of hit?.files ?? []) cached.set(f.path, f.data);
  }
  const missing = options.refresh ? wanted : wanted.filter((f) => !cached.has(f.name));
  const size = datasetDownloadBytes(entry, missing.map((f) => f.name));
  emit({ type: 'start', dataset: entry.id, files: wanted.length, toDownload: missing.length, totalBytes: size.bytes, approx: size.approx || !size.known });

  const result = new Map<string, Uint8Array>();
  if (!missing.length) {
    for (const f of wanted) result.set(f.name, cached.get(f.name)!);
    emit({ type: 'done', dataset: entry.id, fromCache: true });
    return { entry, files: result, fromCache: true };
  }

  const startedAt = Date.now();
  let loaded = 0;
  const fresh = new Map<string, Uint8Array>();
  for (const [index, f] of missing.entries()) {
    const url = datasetFileUrl(f, options);
    emit({ type: 'file', dataset: entry.id, file: f.name, index, count: missing.length, url });
    let data: Uint8Array;
    try {
      data = await downloadBytes(url, {
        signal: options.signal,
        fetchImpl: options.fetchImpl,
        expectedSize: f.size !== undefined && !f.approxSize ? f.size : undefined,
        sha1: f.sha1,
        sha256: f.sha256,
        progressBase: { loaded, total: size.bytes, file: f.name, startedAt },
        onProgress: (p) => emit({ type: 'progress', dataset: entry.id, file: f.name, loaded: p.loaded, total: p.total, bytesPerSec: p.bytesPerSec, etaSeconds: p.etaSeconds }),
      });
    } catch (e) {
      throw classify(entry, f, url, e);
    }
    // Content-Length is checked by downloadBytes; an exact catalog size is checked here as well (a
    // server may send a shorter file with a matching header).
    if (f.size !== undefined && !f.approxSize && data.byteLength !== f.size) {
      throw new UserFacingError(`The downloaded ${f.name} has ${formatBytes(data.byteLength)}, but the catalog expects ${formatBytes(f.size)}: it is incomplete or a different file.`, `Try again; nothing was stored. (${url})`);
    }
    const checks = [
      'length',
      ...(f.size !== undefined && !f.approxSize ? ['catalog size'] : []),
      ...(f.sha1 ? ['SHA-1'] : []),
      ...(f.sha256 ? ['SHA-256'] : []),
      ...checkDatasetFileBytes(f, data),
    ];
    emit({ type: 'verified', dataset: entry.id, file: f.name, bytes: data.byteLength, checks });
    loaded += data.byteLength;
    fresh.set(f.name, data);
  }
  throwIfAborted(options.signal);

  if (cache) {
    // Keep what was cached before (other files of a subset), replace what was fetched again.
    const merged = new Map(cached);
    for (const [k, v] of fresh) merged.set(k, v);
    const files: CachedFile[] = [...merged].map(([path, data]) => ({ path, data }));
    try {
      await cache.put({ id: entry.id, name: entry.name, source: entry.home }, files);
    } catch (e) {
      if (isQuotaError(e)) throw quotaMessage(`${entry.name} (${formatBytes(loaded)})`);
      throw e;
    }
    emit({ type: 'stored', dataset: entry.id, bytes: loaded });
  }
  for (const f of wanted) result.set(f.name, fresh.get(f.name) ?? cached.get(f.name)!);
  emit({ type: 'done', dataset: entry.id, fromCache: false });
  return { entry, files: result, fromCache: false };
}

export interface FetchBundleOptions extends FetchDatasetOptions {
  /** Where the packed bundle is kept. Default: the browser's bundle store when IndexedDB exists. Null: do not store. */
  bundles?: BundleStore | null;
}

export interface FetchedBundle {
  entry: DatasetEntry;
  /** The bundle's files (benchmark.json + arrays + stimuli): give to readBundleAsync. */
  bundle: Map<string, Uint8Array>;
  /** The stored record, when a bundle store was used. */
  stored?: StoredBundleInfo;
  fromCache: boolean;
}

/**
 * The dataset packed into a benchmark bundle: from the bundle store when it is there (unless refresh),
 * else fetched (fetchDataset), packed in the browser and stored. Only for entries whose packer makes a
 * bundle (Cowley, the Brain-Score assemblies, the language tables).
 */
export async function fetchDatasetBundle(idOrEntry: string | DatasetEntry, options: FetchBundleOptions = {}): Promise<FetchedBundle> {
  const entry = resolveEntry(idOrEntry);
  if (entry.importOnly || !entry.packer) {
    throw new DatasetUnavailableError(`${entry.name} cannot be packed in the browser.`, entry.id, 'import-only', howToGetDataset(entry));
  }
  if (!makesBundle(entry)) throw new UserFacingError(`${entry.name} is a stimulus set, not a benchmark: use fetchDataset for its files.`);
  const bundles = options.bundles === undefined ? bundleStore() : options.bundles;
  if (bundles && !options.refresh) {
    const hit = await bundles.get(entry.id).catch(() => undefined);
    if (hit) {
      options.onEvent?.({ type: 'done', dataset: entry.id, fromCache: true });
      return { entry, bundle: hit.files, stored: hit.info, fromCache: true };
    }
  }
  const fetched = await fetchDataset(entry, options);
  options.onEvent?.({ type: 'packing', dataset: entry.id });
  const bundle = await packDataset(entry, fetched.files);
  // Validate before storing: a bundle that does not read back never enters the store.
  const { readBundleAsync } = await import('../data/bundle');
  const benchmark = await readBundleAsync(bundle);
  let stored: StoredBundleInfo | undefined;
  if (bundles) {
    stored = await bundles.put(
      {
        id: benchmark.manifest.id,
        name: benchmark.manifest.name,
        modality: benchmark.manifest.modality,
        synthetic: benchmark.manifest.synthetic,
        origin: 'catalog',
        datasetId: entry.id,
        source: entry.home,
        stimuli: benchmark.manifest.stimuli.length,
        regions: benchmark.manifest.regions.map((r) => r.name),
      },
      bundle,
    );
  }
  options.onEvent?.({ type: 'packed', dataset: entry.id, bundleId: benchmark.manifest.id, bytes: stored?.size ?? 0 });
  return { entry, bundle, stored, fromCache: false };
}

/** Whether every file of the dataset (or the given subset) is in the cache, without downloading. */
export async function isDatasetCached(idOrEntry: string | DatasetEntry, options: { files?: readonly string[]; cache?: ModelCache | null } = {}): Promise<boolean> {
  const entry = resolveEntry(idOrEntry);
  const cache = options.cache === undefined ? datasetCache() : options.cache;
  if (!cache) return false;
  const hit = await cache.get(entry.id).catch(() => undefined);
  if (!hit) return false;
  const have = new Set(hit.files.map((f) => f.path));
  return (options.files ?? entry.files.map((f) => f.name)).every((n) => have.has(n));
}

/**
 * Files the user downloaded themselves (when a host refuses the browser): matched to the entry's files by
 * name, verified exactly as a download (catalog size when exact, SHA-1 / SHA-256, structure) and cached in
 * one transaction with what was cached before. Unknown names are refused; nothing is cached on any failure.
 */
export async function importDatasetFiles(idOrEntry: string | DatasetEntry, given: Map<string, Uint8Array>, options: { cache?: ModelCache | null } = {}): Promise<FetchedDataset> {
  const entry = resolveEntry(idOrEntry);
  const cache = options.cache === undefined ? datasetCache() : options.cache;
  const byBase = new Map([...given].map(([path, bytes]) => [path.replace(/\\/g, '/').split('/').pop()!, bytes]));
  const fresh = new Map<string, Uint8Array>();
  for (const f of entry.files) {
    const bytes = given.get(f.name) ?? byBase.get(f.name.split('/').pop()!);
    if (!bytes) continue;
    if (f.size !== undefined && !f.approxSize && bytes.byteLength !== f.size) {
      throw new UserFacingError(`${f.name} has ${formatBytes(bytes.byteLength)}, but the catalog expects ${formatBytes(f.size)}: it is incomplete or a different file.`);
    }
    const { sha1Hex, sha256Hex } = await import('../download/download');
    if (f.sha1 && (await sha1Hex(bytes)) !== f.sha1) throw new UserFacingError(`${f.name} is not the catalog's file: its SHA-1 checksum does not match.`, `Download it again from ${datasetFileUrl(f)}.`);
    if (f.sha256 && (await sha256Hex(bytes)) !== f.sha256) throw new UserFacingError(`${f.name} is not the catalog's file: its SHA-256 checksum does not match.`, `Download it again from ${datasetFileUrl(f)}.`);
    checkDatasetFileBytes(f, bytes);
    fresh.set(f.name, bytes);
  }
  if (!fresh.size) {
    throw new UserFacingError(`None of these files belongs to ${entry.name}.`, `Expected: ${entry.files.slice(0, 4).map((f) => f.name).join(', ')}${entry.files.length > 4 ? ', …' : ''}.`);
  }
  if (cache) {
    const hit = await cache.get(entry.id).catch(() => undefined);
    const merged = new Map((hit?.files ?? []).map((f) => [f.path, f.data] as [string, Uint8Array]));
    for (const [k, v] of fresh) merged.set(k, v);
    try {
      await cache.put({ id: entry.id, name: entry.name, source: 'local import' }, [...merged].map(([path, data]) => ({ path, data })));
    } catch (e) {
      if (isQuotaError(e)) throw quotaMessage(entry.name);
      throw e;
    }
  }
  return { entry, files: fresh, fromCache: false };
}
