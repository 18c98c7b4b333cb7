/**
 * Where benchmarks come from: the built-in synthetic demo, and bundles the user imports (a dropped folder,
 * a .zip, or a URL). Browser-only helpers (DataTransfer, fetch) live here; bundle parsing and validation are
 * the data module's (src/core/data).
 */
import { UserFacingError } from '../../../core/types';
import { bundleToBenchmark, loadSyntheticBenchmark, readBundleFiles, readBundleZipBytes } from '../../../core/predictivity/bundles';
import type { LoadedBenchmark } from '../../../core/predictivity/benchmarks';

export interface BenchmarkOption {
  id: string;
  name: string;
  synthetic: boolean;
  load(): Promise<LoadedBenchmark>;
}

export function builtinBenchmarkList(): BenchmarkOption[] {
  let cached: Promise<LoadedBenchmark> | null = null;
  return [
    {
      id: 'synthetic-demo',
      name: 'Synthetic demo benchmark',
      synthetic: true,
      load: () => (cached ??= loadSyntheticBenchmark()),
    },
  ];
}

export interface DroppedFile {
  /** Path inside the dropped folder (or the file name). */
  path: string;
  data: Uint8Array;
}

/** A single .zip, or the files of a folder (benchmark.json + arrays + stimuli/). */
export async function importBenchmarkFiles(files: DroppedFile[]): Promise<LoadedBenchmark> {
  if (!files.length) throw new UserFacingError('Nothing was dropped.', 'Drop a benchmark folder or a .zip bundle.');
  if (files.length === 1 && /\.zip$/i.test(files[0].path)) return bundleToBenchmark(await readBundleZipBytes(files[0].data));
  // Paths are relative to the dropped folder's parent: strip the common first segment.
  const first = files[0].path.split('/')[0];
  const strip = files.every((f) => f.path.startsWith(`${first}/`));
  const map = new Map(files.map((f) => [strip ? f.path.slice(first.length + 1) : f.path, f.data]));
  if (![...map.keys()].some((k) => k === 'benchmark.json')) {
    throw new UserFacingError('This is not a benchmark bundle: there is no benchmark.json at its top level.', 'See docs/bundle-format.md for the layout.');
  }
  return bundleToBenchmark(await readBundleFiles(map));
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
  return bundleToBenchmark(await readBundleZipBytes(new Uint8Array(await res.arrayBuffer())));
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
