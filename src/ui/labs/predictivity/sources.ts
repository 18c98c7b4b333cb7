/**
 * Where benchmarks come from: the built-in synthetic demo, the dataset catalog (fetched, verified, packed in
 * the browser and kept), and bundles the user imports (a dropped folder, a .zip, or a URL; kept too). Every
 * bundle is kept in the bundle store (IndexedDB), so saved experiments and links reopen with their own
 * benchmark; a missing one is named, never replaced. Browser-only helpers (DataTransfer, fetch) live here;
 * bundle parsing and validation are the data module's (src/core/data).
 */
import { UserFacingError } from '../../../core/types';
import { bundleToBenchmark, loadSyntheticBenchmark, readBundleFiles } from '../../../core/predictivity/bundles';
import { unzipBundle } from '../../../core/data/bundle';
import { syntheticBundleId } from '../../../core/data/synthetic';
import { cowleyDatasetId, datasetDownloadBytes, DATASETS, DEFAULT_COWLEY_SESSION, findDataset, type DatasetEntry } from '../../../core/catalog/datasets';
import { bundleStore, fetchDatasetBundle, howToGetDataset, isDatasetCached, isDatasetUnavailable, type DatasetFetchEvent } from '../../../core/catalog/fetch-dataset';
import type { StoredBundleInfo } from '../../../core/store/bundle-store';
import { formatBytes } from '../../../core/download/download';
import type { LoadedBenchmark } from '../../../core/predictivity/benchmarks';
import { DEFAULT_HUB_BASE } from '../../../core/catalog/models';

const MIRROR_KEY = 'silico.dataMirror';

/**
 * The dataset mirror to pass to fetchDataset / fetchDatasetBundle as `mirror` (one base serving every real
 * host's path layout): `?mirror=<url>` in the page URL, else a non-default `?hub=<url>` (the test server
 * serves both layouts), else one saved on the Data page; undefined = the real hosts.
 */
export function datasetMirror(): string | undefined {
  const q = new URLSearchParams(location.search);
  const hub = q.get('hub');
  return q.get('mirror') || (hub && hub !== DEFAULT_HUB_BASE ? hub : null) || localStorage.getItem(MIRROR_KEY) || undefined;
}

export function setDatasetMirror(url: string): void {
  if (url.trim()) localStorage.setItem(MIRROR_KEY, url.trim());
  else localStorage.removeItem(MIRROR_KEY);
}

export type BenchmarkOrigin = 'builtin' | 'stored' | 'catalog';

export interface BenchmarkOption {
  id: string;
  name: string;
  synthetic: boolean;
  /** builtin (the synthetic demo), stored (kept in this browser: imported or packed from the catalog), catalog (fetched on first use). */
  origin?: BenchmarkOrigin;
  /** The catalog dataset it comes from (to fetch it again when missing). */
  datasetId?: string;
  /** Shown beside catalog entries before downloading: size, licence. */
  detail?: string;
  load(onEvent?: (e: DatasetFetchEvent) => void, signal?: AbortSignal): Promise<LoadedBenchmark>;
  /** Other ids that name the same benchmark: a saved run records the loaded bundle's own id (e.g. "synthetic-gratings-1"). */
  aliases?: string[];
}

/** Whether an option is the benchmark a link or a saved experiment names (by its option id or the bundle's own id). */
export function optionIs(o: BenchmarkOption, id: string): boolean {
  return o.id === id || (o.aliases?.includes(id) ?? false);
}

let syntheticCached: Promise<LoadedBenchmark> | null = null;

function syntheticOption(): BenchmarkOption {
  return { id: 'synthetic-demo', aliases: [syntheticBundleId()], name: 'Synthetic demo benchmark', synthetic: true, origin: 'builtin', load: () => (syntheticCached ??= loadSyntheticBenchmark()) };
}

/** The catalog's vision datasets that pack into a benchmark in the browser (Cowley sessions, Brain-Score public sets). */
export function catalogBenchmarkOptions(): BenchmarkOption[] {
  return DATASETS.filter((d) => d.modality === 'vision' && d.lab === 'predictivity' && d.packer && !d.importOnly).map((d) => catalogOption(d));
}

function catalogOption(d: DatasetEntry): BenchmarkOption {
  const size = datasetDownloadBytes(d);
  return {
    id: d.id,
    name: d.name,
    synthetic: false,
    origin: 'catalog',
    datasetId: d.id,
    detail: `${size.known ? `${size.approx ? '≈ ' : ''}${formatBytes(size.bytes)}` : 'size not published'} · ${d.license}`,
    load: (onEvent, signal) => loadCatalogBenchmark(d.id, onEvent, signal),
  };
}

/** A catalog dataset as a benchmark: from the bundle store, else downloaded, verified, packed and stored. */
export async function loadCatalogBenchmark(datasetId: string, onEvent?: (e: DatasetFetchEvent) => void, signal?: AbortSignal): Promise<LoadedBenchmark> {
  const { bundle } = await fetchDatasetBundle(datasetId, { mirror: datasetMirror(), onEvent, signal });
  return bundleToBenchmark(await readBundleFiles(bundle));
}

/** Built-in options: the synthetic demo first, then the catalog's vision benchmarks (fetched on first use). */
export function builtinBenchmarkList(): BenchmarkOption[] {
  return [syntheticOption(), ...catalogBenchmarkOptions()];
}

/** Bundles kept in this browser (imported, or packed from the catalog), as options. */
export async function storedBenchmarkOptions(): Promise<BenchmarkOption[]> {
  const store = bundleStore();
  if (!store) return [];
  const list = await store.list().catch(() => []);
  return list.filter((b) => b.modality === 'vision').map((b) => storedOption(b));
}

function storedOption(b: StoredBundleInfo): BenchmarkOption {
  return {
    id: b.id,
    name: b.name,
    synthetic: b.synthetic,
    origin: 'stored',
    datasetId: b.datasetId,
    detail: `in this browser · ${formatBytes(b.size)}`,
    load: async () => {
      const hit = await bundleStore()?.get(b.id);
      if (!hit) throw missingBenchmarkError(b.id);
      return bundleToBenchmark(await readBundleFiles(hit.files));
    },
  };
}

/**
 * Every option: built-in and catalog ones, with those already in this browser marked stored (a stored
 * catalog bundle replaces its catalog entry; imported bundles follow).
 */
export async function allBenchmarkOptions(): Promise<BenchmarkOption[]> {
  const stored = await storedBenchmarkOptions();
  const byId = new Map(stored.map((o) => [o.id, o]));
  const builtin = builtinBenchmarkList().map((o) => byId.get(o.id) ?? o);
  return [...builtin, ...stored.filter((o) => !builtin.some((b) => b.id === o.id))];
}

/** A saved experiment's or a link's benchmark that is nowhere to be had: says which dataset and how to get it. */
export function missingBenchmarkError(id: string): UserFacingError {
  const entry = findDataset(id);
  if (entry) {
    return new UserFacingError(
      `This view was computed on “${entry.name}”, which is not in this browser yet.`,
      entry.importOnly ? entry.importOnly : `Fetch it from the catalog (${entry.home}), or import its bundle. No other benchmark is used in its place.`,
    );
  }
  return new UserFacingError(
    `This view was computed on the benchmark “${id}”, which is not in this browser.`,
    'Import the same bundle (.zip or folder) in step 2 · Benchmark, then open it again. No other benchmark is used in its place.',
  );
}

/**
 * The option for a benchmark id named by a saved experiment or a link: stored in this browser, built in,
 * or in the catalog (fetchable); null when none of those (then show missingBenchmarkError(id)).
 */
export async function resolveBenchmarkOption(id: string): Promise<BenchmarkOption | null> {
  return (await allBenchmarkOptions()).find((o) => optionIs(o, id)) ?? null;
}

/**
 * The lab's default: Cowley 2023 V4 (session 210325) when it is in this browser or can be fetched; else
 * the labelled synthetic demo with one line on how to get the real data.
 */
export async function defaultBenchmark(): Promise<{ id: string; note?: string }> {
  const id = cowleyDatasetId(DEFAULT_COWLEY_SESSION);
  if ((await bundleStore()?.has(id).catch(() => false)) || (await isDatasetCached(id).catch(() => false))) return { id };
  // Online, it is fetched from its real home (or the mirror). A page served from this machine (a dev
  // server, tests) with no mirror set does not reach out to the internet by itself.
  const online = typeof navigator === 'undefined' || navigator.onLine !== false;
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(location.hostname);
  if (online && (datasetMirror() || !loopback)) return { id };
  return { id: 'synthetic-demo', note: howToGetDataset(findDataset(id)!) };
}

/** When loading the default real dataset failed for lack of network: the synthetic fallback's note, else null. */
export function fallbackNote(e: unknown): string | null {
  return isDatasetUnavailable(e) ? `${e.message} Showing the synthetic demo instead. ${e.howTo}` : null;
}

export interface DroppedFile {
  /** Path inside the dropped folder (or the file name). */
  path: string;
  data: Uint8Array;
}

/**
 * Validate a bundle and keep it in this browser (any modality), so experiments and links that use it
 * reopen with it. Returns the stored record.
 */
export async function storeBundle(files: Map<string, Uint8Array>, source: string): Promise<StoredBundleInfo | undefined> {
  const m = (await readBundleFiles(files)).manifest;
  return bundleStore()?.put(
    { id: m.id, name: m.name, modality: m.modality, synthetic: m.synthetic, origin: 'import', source, stimuli: m.stimuli.length, regions: m.regions.map((r) => r.name) },
    files,
  );
}

/** A Predictivity import: validated, converted (vision only), then kept in this browser. */
async function persistImport(files: Map<string, Uint8Array>, source: string): Promise<LoadedBenchmark> {
  const loaded = await bundleToBenchmark(await readBundleFiles(files));
  await storeBundle(files, source);
  return loaded;
}

/** A single .zip, or the files of a folder (benchmark.json + arrays + stimuli/); kept in this browser. */
export async function importBenchmarkFiles(files: DroppedFile[]): Promise<LoadedBenchmark> {
  if (!files.length) throw new UserFacingError('Nothing was dropped.', 'Drop a benchmark folder or a .zip bundle.');
  if (files.length === 1 && /\.zip$/i.test(files[0].path)) return persistImport(unzipBundle(files[0].data), files[0].path);
  // Paths are relative to the dropped folder's parent: strip the common first segment.
  const first = files[0].path.split('/')[0];
  const strip = files.every((f) => f.path.startsWith(`${first}/`));
  const map = new Map(files.map((f) => [strip ? f.path.slice(first.length + 1) : f.path, f.data]));
  if (![...map.keys()].some((k) => k === 'benchmark.json')) {
    throw new UserFacingError('This is not a benchmark bundle: there is no benchmark.json at its top level.', 'See docs/bundle-format.md for the layout.');
  }
  return persistImport(map, strip ? first : 'dropped files');
}

export async function importBenchmarkUrl(url: string): Promise<LoadedBenchmark> {
  let parsed: URL;
  try {
    parsed = new URL(url, location.href);
  } catch {
    throw new UserFacingError(`"${url}" is not a valid URL.`);
  }
  let res: Response;
  try {
    res = await fetch(parsed);
  } catch {
    throw new UserFacingError(`Could not download ${parsed.href}.`, 'Check the address and that the server allows cross-origin requests (CORS).');
  }
  if (!res.ok) throw new UserFacingError(`Downloading the bundle failed: ${res.status} ${res.statusText}.`);
  return persistImport(unzipBundle(new Uint8Array(await res.arrayBuffer())), parsed.href);
}

/** Files of a drop: plain files, or whole folders walked recursively. */
export async function filesFromDrop(dt: DataTransfer | null): Promise<DroppedFile[]> {
  if (!dt) return [];
  const entries = [...dt.items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (!entries.length) {
    return Promise.all([...dt.files].map(async (f) => ({ path: f.name, data: new Uint8Array(await f.arrayBuffer()) })));
  }
  const out: DroppedFile[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push({ path: prefix + entry.name, data: new Uint8Array(await file.arrayBuffer()) });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries returns results in chunks; call until empty.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const e of batch) await walk(e, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const e of entries) await walk(e, '');
  return out;
}
