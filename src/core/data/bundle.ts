/**
 * Benchmark bundles: a folder or zip with `benchmark.json` plus arrays (.npy, .json, .csv, or BrainIO
 * NetCDF assemblies) and stimuli. The format is specified in docs/bundle-format.md; this module reads and
 * validates it. NetCDF needs h5wasm, which is asynchronous and large: only `readBundleAsync` reads it,
 * loading the reader on first use.
 */
import { unzipSync, zipSync, type Zippable } from 'fflate';
import Papa from 'papaparse';
import { UserFacingError } from '../types';
import type { RepeatedResponses } from '../metrics/ceiling';
import { type Matrix, matrix } from '../metrics/linalg';
import { readNpy, type NpyArray } from './npy';
import type { NetcdfAssembly } from './netcdf';

export const BUNDLE_FORMAT = 'silico-benchmark/1';

export interface StimulusEntry {
  id: string;
  /** Vision: path inside the bundle, e.g. "stimuli/image0001.jpg". */
  file?: string;
  /** Language: the sentence itself. */
  sentence?: string;
  /** Optional per-stimulus labels (category, condition, generating parameters). */
  labels?: Record<string, string | number>;
}

export type RegionKind = 'responses' | 'rdm' | 'rsm';

export interface RegionManifest {
  name: string;
  kind: RegionKind;
  /** responses: [stimuli, neuroids]; rdm/rsm: [stimuli, stimuli] or [subjects, stimuli, stimuli]. */
  data: string;
  /** responses only: one id per neuroid (default "0", "1", …). */
  neuroids?: string[];
  /** responses only, optional: [neuroids, stimuli, repeats], NaN-padded, for split-half ceilings. */
  repeats?: string;
  /** rdm/rsm with a subject axis: one id per subject. */
  subjects?: string[];
  /** NetCDF data only: the `region` coordinate value to take neuroids from (required when there are several). */
  region?: string;
  /** NetCDF data only: the time bin index (required when the assembly has several). */
  timeBin?: number;
}

export interface MetricDefaults {
  method: 'ridge' | 'pls' | 'rsa';
  folds?: number;
  ceiling?: 'split-half' | 'leave-one-subject-out' | 'none';
  comparison?: 'pearson' | 'spearman' | 'kendall';
  rdmMetric?: 'correlation' | 'euclidean';
  /** How a raw score is divided by its ceiling: r / c (default) or (r / c)² (Brain-Score Coggan2024). */
  ceilingTransform?: 'ratio' | 'squared-ratio';
}

export interface BenchmarkManifest {
  format: typeof BUNDLE_FORMAT;
  id: string;
  name: string;
  citation: string;
  modality: 'vision' | 'language';
  synthetic: boolean;
  description?: string;
  stimuli: StimulusEntry[];
  regions: RegionManifest[];
  metric: MetricDefaults;
}

export interface RegionData {
  name: string;
  kind: RegionKind;
  /** responses: stimuli × neuroids. */
  responses?: Matrix;
  neuroids?: string[];
  repeats?: RepeatedResponses;
  /** rdm/rsm: one stimuli × stimuli matrix per subject (a single one when there is no subject axis). */
  matrices?: Matrix[];
  subjects?: string[];
}

export interface Benchmark {
  manifest: BenchmarkManifest;
  regions: RegionData[];
  /** Every file of the bundle by path (stimulus images are read from here). */
  files: Map<string, Uint8Array>;
}

/** Bytes of a vision stimulus. */
export function stimulusBytes(benchmark: Benchmark, stimulus: StimulusEntry): Uint8Array {
  const bytes = stimulus.file ? benchmark.files.get(stimulus.file) : undefined;
  if (!bytes) throw new UserFacingError(`Stimulus ${stimulus.id} has no image file in the bundle.`);
  return bytes;
}

const MANIFEST = 'benchmark.json';

/**
 * Read and validate a bundle given as path → bytes (paths relative to the folder holding benchmark.json).
 * Synchronous: bundles with NetCDF (.nc) data need `readBundleAsync`.
 */
export function readBundle(input: Map<string, Uint8Array>): Benchmark {
  const { manifest, files } = openBundle(input);
  const regions = manifest.regions.map((r) => {
    if (isAssembly(r.data)) throw new UserFacingError(`${r.data} is a NetCDF assembly, which only the asynchronous bundle reader (readBundleAsync) opens.`);
    return readRegion(r, manifest.stimuli.length, files);
  });
  return { manifest, regions, files };
}

/** Read and validate any bundle, including regions whose data is a BrainIO NetCDF assembly (.nc). */
export async function readBundleAsync(input: Map<string, Uint8Array>): Promise<Benchmark> {
  const { manifest, files } = openBundle(input);
  // Several regions usually share one multi-region assembly: read each file once.
  const assemblies = new Map<string, Promise<NetcdfAssembly>>();
  const regions: RegionData[] = [];
  for (const r of manifest.regions) {
    regions.push(isAssembly(r.data) ? await readAssemblyRegion(r, manifest.stimuli, files, assemblies) : readRegion(r, manifest.stimuli.length, files));
  }
  return { manifest, regions, files };
}

/** A responses region whose data is a NetCDF assembly: the neuroids of one `region`, stimuli matched by id. */
async function readAssemblyRegion(
  r: RegionManifest,
  stimuli: StimulusEntry[],
  files: Map<string, Uint8Array>,
  assemblies: Map<string, Promise<NetcdfAssembly>>,
): Promise<RegionData> {
  const netcdf = await import('./netcdf');
  if (!assemblies.has(r.data)) assemblies.set(r.data, netcdf.readNetcdfAssembly(requireFile(files, r.data)));
  const hint = `In benchmark.json, region "${r.name}" picks part of the assembly with "region" and "timeBin" (docs/bundle-format.md).`;
  const selection = { stimulusIds: stimuli.map((s) => s.id), region: r.region, timeBin: r.timeBin };
  const selected = await inFile(r.data, hint, async () => netcdf.selectAssemblyRegion(await assemblies.get(r.data)!, selection));
  const nStimuli = stimuli.length;
  const nNeuroids = selected.neuroids.length;
  const incomplete = stimuli.filter((_, s) => selected.responses.subarray(s * nNeuroids, (s + 1) * nNeuroids).some(Number.isNaN));
  if (incomplete.length) {
    throw new UserFacingError(
      `${r.data}: region "${r.name}" has neuroids with no valid presentation of ${incomplete.length} stimuli (e.g. "${incomplete[0].id}"), so their mean response is missing.`,
      'Every neuroid needs at least one non-NaN presentation of every stimulus; list only such stimuli in benchmark.json.',
    );
  }
  const values: LabeledArray = { shape: [nStimuli, nNeuroids], data: selected.responses, dtype: 'f8', columnIds: selected.neuroids };
  // One presentation per stimulus carries no split-half information.
  const repeats = selected.repeatCount >= 2 ? { neuroids: nNeuroids, stimuli: nStimuli, repeats: selected.repeatCount, data: selected.repeats } : undefined;
  return responsesRegion(r, nStimuli, values, repeats);
}

/** Run `read`, naming `path` in any UserFacingError it throws (the NetCDF reader does not know the file's name). */
async function inFile<T>(path: string, hint: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof UserFacingError) throw new UserFacingError(`${path}: ${e.message}`, e.hint ?? hint);
    throw e;
  }
}

function isAssembly(path: string): boolean {
  return /\.nc$/i.test(path);
}

/** The bundle's validated manifest and its files (paths normalised); stimulus files checked. */
function openBundle(input: Map<string, Uint8Array>): { manifest: BenchmarkManifest; files: Map<string, Uint8Array> } {
  const files = normalisePaths(input);
  const manifestBytes = files.get(MANIFEST);
  if (!manifestBytes) throw new UserFacingError('This is not a benchmark bundle: benchmark.json is missing.', 'See docs/bundle-format.md.');
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(manifestBytes));
  } catch (e) {
    throw new UserFacingError(`benchmark.json is not valid JSON (${(e as Error).message}).`);
  }
  const manifest = validateManifest(raw);
  for (const s of manifest.stimuli) {
    if (s.file && !files.has(s.file)) throw new UserFacingError(`Stimulus ${s.id} refers to ${s.file}, which is not in the bundle.`);
  }
  return { manifest, files };
}

/** The files of a zipped bundle (folder entries dropped). */
export function unzipBundle(bytes: Uint8Array): Map<string, Uint8Array> {
  const unzip = (filter?: (name: string) => boolean) => {
    try {
      return unzipSync(bytes, filter ? { filter: (f) => filter(f.name) } : undefined);
    } catch (e) {
      throw new UserFacingError(`The bundle is not a readable zip file (${(e as Error).message}).`);
    }
  };
  // Only the entries the manifest refers to are inflated (a zip may carry other large files, or be a zip bomb):
  // list the names first (nothing inflated), read benchmark.json, then inflate what it names.
  const names: string[] = [];
  unzip((name) => (names.push(name), false));
  const clean = (name: string) => name.replace(/\\/g, '/').replace(/^\.?\//, '');
  const manifests = names.filter((n) => clean(n) === MANIFEST || clean(n).endsWith(`/${MANIFEST}`));
  const manifestName = manifests.find((n) => clean(n) === MANIFEST) ?? (manifests.length === 1 ? manifests[0] : undefined);
  let wanted: ((name: string) => boolean) | undefined;
  if (manifestName) {
    const prefix = clean(manifestName).slice(0, -MANIFEST.length);
    const referenced = new Set<string>([MANIFEST]);
    try {
      const collect = (v: unknown): void => {
        if (typeof v === 'string') referenced.add(clean(v));
        else if (Array.isArray(v)) v.forEach(collect);
        else if (v && typeof v === 'object') Object.values(v).forEach(collect);
      };
      collect(JSON.parse(new TextDecoder().decode(unzip((n) => n === manifestName)[manifestName])));
      wanted = (name) => clean(name).startsWith(prefix) && referenced.has(clean(name).slice(prefix.length));
    } catch {
      wanted = undefined; // an unreadable manifest: inflate everything and let readBundle say what is wrong
    }
  }
  return new Map(Object.entries(unzip(wanted)).filter(([path]) => !path.endsWith('/')));
}

export function readBundleZip(bytes: Uint8Array): Benchmark {
  return readBundle(unzipBundle(bytes));
}

export function readBundleZipAsync(bytes: Uint8Array): Promise<Benchmark> {
  return readBundleAsync(unzipBundle(bytes));
}

/** Zip bundle files (already-compressed images are stored, the rest deflated). */
export function zipBundle(files: Map<string, Uint8Array>): Uint8Array {
  const zippable: Zippable = {};
  for (const [path, bytes] of files) zippable[path] = [bytes, { level: /\.(jpe?g|png|gif|webp|zip)$/i.test(path) ? 0 : 6 }];
  return zipSync(zippable);
}

/** Accept a zip/folder whose benchmark.json sits one folder down (e.g. "cowley/benchmark.json"), and Windows separators. */
function normalisePaths(input: Map<string, Uint8Array>): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const [path, bytes] of input) files.set(path.replace(/\\/g, '/').replace(/^\.?\//, ''), bytes);
  if (files.has(MANIFEST)) return files;
  const manifests = [...files.keys()].filter((p) => p.endsWith(`/${MANIFEST}`));
  if (manifests.length !== 1) return files;
  const prefix = manifests[0].slice(0, -MANIFEST.length);
  return new Map([...files].filter(([p]) => p.startsWith(prefix)).map(([p, b]) => [p.slice(prefix.length), b]));
}

function fail(message: string): never {
  throw new UserFacingError(`benchmark.json: ${message}`, 'See docs/bundle-format.md.');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function requireString(obj: Record<string, unknown>, key: string, where: string): string {
  const v = obj[key];
  if (typeof v !== 'string' || !v.trim()) fail(`${where} needs a non-empty "${key}" string.`);
  return v;
}

function optionalStrings(obj: Record<string, unknown>, key: string, where: string): string[] | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(`${where}: "${key}" must be a list of strings.`);
  return v as string[];
}

function validateManifest(raw: unknown): BenchmarkManifest {
  if (!isRecord(raw)) fail('the top level must be an object.');
  if (raw.format !== undefined && raw.format !== BUNDLE_FORMAT) fail(`unsupported format "${String(raw.format)}" (this version reads ${BUNDLE_FORMAT}).`);
  const id = requireString(raw, 'id', 'the benchmark');
  const name = requireString(raw, 'name', 'the benchmark');
  const citation = typeof raw.citation === 'string' ? raw.citation : '';
  const modality = raw.modality;
  if (modality !== 'vision' && modality !== 'language') fail(`"modality" must be "vision" or "language", got ${JSON.stringify(modality)}.`);
  if (typeof raw.synthetic !== 'boolean') fail('"synthetic" must be true or false.');
  if (!Array.isArray(raw.stimuli) || !raw.stimuli.length) fail('"stimuli" must be a non-empty list.');
  const seen = new Set<string>();
  const stimuli = raw.stimuli.map((s, i): StimulusEntry => {
    if (!isRecord(s)) fail(`stimulus ${i} must be an object.`);
    const sid = requireString(s, 'id', `stimulus ${i}`);
    if (seen.has(sid)) fail(`stimulus id "${sid}" appears twice.`);
    seen.add(sid);
    if (modality === 'vision' && typeof s.file !== 'string') fail(`stimulus "${sid}" needs a "file" (vision benchmark).`);
    if (modality === 'language' && typeof s.sentence !== 'string') fail(`stimulus "${sid}" needs a "sentence" (language benchmark).`);
    const entry: StimulusEntry = { id: sid };
    if (typeof s.file === 'string') entry.file = s.file;
    if (typeof s.sentence === 'string') entry.sentence = s.sentence;
    if (isRecord(s.labels)) entry.labels = s.labels as Record<string, string | number>;
    return entry;
  });
  if (!Array.isArray(raw.regions) || !raw.regions.length) fail('"regions" must be a non-empty list.');
  const names = new Set<string>();
  const regions = raw.regions.map((r, i): RegionManifest => {
    if (!isRecord(r)) fail(`region ${i} must be an object.`);
    const rname = requireString(r, 'name', `region ${i}`);
    if (names.has(rname)) fail(`region "${rname}" appears twice.`);
    names.add(rname);
    const kind = r.kind;
    if (kind !== 'responses' && kind !== 'rdm' && kind !== 'rsm') fail(`region "${rname}": "kind" must be "responses", "rdm" or "rsm".`);
    const region: RegionManifest = { name: rname, kind, data: requireString(r, 'data', `region "${rname}"`) };
    const neuroids = optionalStrings(r, 'neuroids', `region "${rname}"`);
    const subjects = optionalStrings(r, 'subjects', `region "${rname}"`);
    if (neuroids) region.neuroids = neuroids;
    if (subjects) region.subjects = subjects;
    if (typeof r.repeats === 'string') region.repeats = r.repeats;
    if (isAssembly(region.data)) {
      if (kind !== 'responses') fail(`region "${rname}": a NetCDF assembly (${region.data}) holds responses; "kind" must be "responses".`);
      if (region.repeats) fail(`region "${rname}": leave out "repeats"; the repeats come from the assembly ${region.data}.`);
      if (r.region !== undefined) {
        if (typeof r.region !== 'string' || !r.region) fail(`region "${rname}": "region" must be a non-empty string.`);
        region.region = r.region;
      }
      if (r.timeBin !== undefined) {
        if (!Number.isInteger(r.timeBin) || (r.timeBin as number) < 0) fail(`region "${rname}": "timeBin" must be a time bin index (an integer ≥ 0).`);
        region.timeBin = r.timeBin as number;
      }
    } else if (r.region !== undefined || r.timeBin !== undefined) {
      fail(`region "${rname}": "region" and "timeBin" apply only to NetCDF (.nc) data.`);
    }
    return region;
  });
  const m = isRecord(raw.metric) ? raw.metric : {};
  const method = m.method ?? (regions.every((r) => r.kind === 'responses') ? 'pls' : 'rsa');
  if (method !== 'ridge' && method !== 'pls' && method !== 'rsa') fail(`"metric.method" must be "ridge", "pls" or "rsa".`);
  const metric: MetricDefaults = { ...(m as Partial<MetricDefaults>), method };
  if (metric.folds !== undefined && !(Number.isInteger(metric.folds) && metric.folds >= 2)) fail('"metric.folds" must be an integer ≥ 2.');
  const manifest: BenchmarkManifest = { format: BUNDLE_FORMAT, id, name, citation, modality, synthetic: raw.synthetic, stimuli, regions, metric };
  if (typeof raw.description === 'string') manifest.description = raw.description;
  return manifest;
}

/** An array as read from a file; a CSV header row names the columns. */
interface LabeledArray extends NpyArray {
  columnIds?: string[];
}

function requireFile(files: Map<string, Uint8Array>, path: string): Uint8Array {
  const bytes = files.get(path);
  if (!bytes) throw new UserFacingError(`${path} is listed in benchmark.json but is not in the bundle.`);
  return bytes;
}

/** Read a .npy, .json (nested lists, null = NaN) or .csv (numeric matrix, optional header) array from the bundle. */
function readArray(files: Map<string, Uint8Array>, path: string): LabeledArray {
  const bytes = requireFile(files, path);
  if (/\.npy$/i.test(path)) return readNpy(bytes, path);
  if (/\.json$/i.test(path)) {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      throw new UserFacingError(`${path} is not valid JSON (${(e as Error).message}).`);
    }
    return nestedToArray(value, path);
  }
  if (/\.csv$/i.test(path)) return readCsvMatrix(bytes, path);
  throw new UserFacingError(`${path}: arrays must be .npy, .json or .csv files (or a NetCDF .nc assembly for responses).`);
}

/** Cells read as NaN. */
const MISSING_CELL = /^(|na|nan|n\/a)$/i;
/** A decimal number (no hex, no "Infinity": those are typos in a data table, not values). */
const NUMBER_CELL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const CSV_HINT =
  'A CSV array is a numeric matrix, one row per stimulus; a first row of names is read as neuroid ids. Empty and NA cells are missing values. Write it without an index column (pandas: to_csv(index=False)).';

/**
 * A numeric CSV matrix. The first row is a header (column ids) when none of its cells is a number or
 * a missing value. Rows and columns in messages count from 1 as a spreadsheet shows them (blank lines
 * are skipped but counted).
 */
function readCsvMatrix(bytes: Uint8Array, path: string): LabeledArray {
  const text = new TextDecoder().decode(bytes).replace(/^\uFEFF/, '');
  const parsed = Papa.parse<string[]>(text, { skipEmptyLines: false });
  // A one-column file has no delimiter to detect; that is not an error.
  const error = parsed.errors.find((e) => e.code !== 'UndetectableDelimiter');
  if (error) throw new UserFacingError(`${path}: ${error.message}${error.row !== undefined ? ` (row ${error.row + 1})` : ''}.`, CSV_HINT);
  let rows = parsed.data.map((cells, i) => ({ line: i + 1, cells: cells.map((c) => c.trim()) })).filter((r) => r.cells.some((c) => c !== ''));
  if (!rows.length) throw new UserFacingError(`${path} is empty.`);
  const isValue = (c: string) => MISSING_CELL.test(c) || NUMBER_CELL.test(c);
  let columnIds: string[] | undefined;
  if (!rows[0].cells.some(isValue)) {
    columnIds = rows[0].cells;
    rows = rows.slice(1);
    if (!rows.length) throw new UserFacingError(`${path} has a header row but no numbers.`, CSV_HINT);
  }
  const cols = columnIds?.length ?? rows[0].cells.length;
  const data = new Float64Array(rows.length * cols);
  rows.forEach(({ line, cells }, i) => {
    if (cells.length !== cols) throw new UserFacingError(`${path}, row ${line}: ${cells.length} cells, but ${columnIds ? 'the header has' : 'the first row has'} ${cols}.`, CSV_HINT);
    cells.forEach((cell, j) => {
      if (MISSING_CELL.test(cell)) data[i * cols + j] = NaN;
      else if (NUMBER_CELL.test(cell)) data[i * cols + j] = Number(cell);
      else throw new UserFacingError(`${path}, row ${line}, column ${j + 1}: "${cell}" is not a number.`, CSV_HINT);
    });
  });
  return { shape: [rows.length, cols], data, dtype: 'f8', columnIds };
}

function nestedToArray(value: unknown, path: string): NpyArray {
  const shape: number[] = [];
  let probe = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat = (Array.isArray(value) ? value.flat(Infinity) : [value]) as unknown[];
  const expected = shape.reduce((a, b) => a * b, 1);
  if (flat.length !== expected) throw new UserFacingError(`${path} is a ragged list; every row must have the same length.`);
  const data = Float64Array.from(flat, (v) => {
    if (v === null) return NaN;
    if (typeof v !== 'number') throw new UserFacingError(`${path} contains a non-number (${JSON.stringify(v)}).`);
    return v;
  });
  return { shape, data, dtype: 'f8' };
}

function readRegion(r: RegionManifest, nStimuli: number, files: Map<string, Uint8Array>): RegionData {
  if (r.kind === 'responses') {
    const values = readArray(files, r.data);
    return responsesRegion(r, nStimuli, values, r.repeats ? readRepeats(files, r.repeats, nStimuli) : undefined);
  }
  const arr = readArray(files, r.data);
  const d = arr.shape;
  const square = d.length === 2 ? d : d.length === 3 ? d.slice(1) : null;
  if (!square || square[0] !== square[1]) throw new UserFacingError(`${r.data} must be [stimuli, stimuli] or [subjects, stimuli, stimuli], got shape [${d}].`);
  if (square[0] !== nStimuli) throw new UserFacingError(`${r.data} has ${square[0]} stimuli but benchmark.json lists ${nStimuli}.`);
  const subjects = d.length === 3 ? d[0] : 1;
  if (r.subjects && r.subjects.length !== subjects) throw new UserFacingError(`${r.data} has ${subjects} subjects but region "${r.name}" lists ${r.subjects.length} subject ids.`);
  const size = nStimuli * nStimuli;
  return {
    name: r.name,
    kind: r.kind,
    matrices: Array.from({ length: subjects }, (_, k) => matrix(nStimuli, nStimuli, arr.data.subarray(k * size, (k + 1) * size))),
    subjects: r.subjects ?? Array.from({ length: subjects }, (_, i) => `subject ${i + 1}`),
  };
}

/** A responses region from its [stimuli, neuroids] values (whatever file they came from), validated. */
function responsesRegion(r: RegionManifest, nStimuli: number, values: LabeledArray, repeats: (RepeatedResponses & { columnIds?: string[] }) | undefined): RegionData {
  if (values.shape.length !== 2) throw new UserFacingError(`${r.data} must be 2-D [stimuli, neuroids], got shape [${values.shape}].`);
  const [s, n] = values.shape;
  if (s !== nStimuli) throw new UserFacingError(`${r.data} has ${s} stimuli but benchmark.json lists ${nStimuli}.`);
  const nan = values.data.reduce((c, v) => c + (Number.isNaN(v) ? 1 : 0), 0);
  const inf = values.data.reduce((c, v) => c + (v === Infinity || v === -Infinity ? 1 : 0), 0);
  if (inf) throw new UserFacingError(`${r.data} has ${inf} infinite (Inf) value${inf === 1 ? '' : 's'}${nan ? ` and ${nan} missing (NaN)` : ''}; responses must be finite numbers.`);
  if (nan) throw new UserFacingError(`${r.data} has ${nan} missing (NaN) values; responses must be complete (put ragged repeats in the "repeats" file).`);
  if (r.neuroids && r.neuroids.length !== n) throw new UserFacingError(`${r.data} has ${n} neuroids but region "${r.name}" lists ${r.neuroids.length} neuroid ids.`);
  const fileIds = values.columnIds;
  if (r.neuroids && fileIds) {
    const j = r.neuroids.findIndex((id, i) => id !== fileIds[i]);
    if (j >= 0) throw new UserFacingError(`${r.data} names neuroid ${j + 1} "${fileIds[j]}", but region "${r.name}" in benchmark.json lists "${r.neuroids[j]}".`, 'List the same ids in the same order, or leave "neuroids" out of benchmark.json.');
  }
  const neuroids = r.neuroids ?? fileIds ?? Array.from({ length: n }, (_, i) => String(i));
  if (new Set(neuroids).size !== n) throw new UserFacingError(`Region "${r.name}" has duplicate neuroid ids.`);
  const region: RegionData = { name: r.name, kind: r.kind, responses: matrix(s, n, values.data), neuroids };
  if (repeats) {
    const file = r.repeats ?? r.data;
    if (repeats.neuroids !== n) throw new UserFacingError(`${file} has ${repeats.neuroids} neuroids but ${r.data} has ${n}.`);
    if (repeats.stimuli !== nStimuli) throw new UserFacingError(`${file} has ${repeats.stimuli} stimuli but benchmark.json lists ${nStimuli}.`);
    const repeatIds = repeats.columnIds;
    if (repeatIds && repeatIds.some((id, i) => id !== neuroids[i])) throw new UserFacingError(`The header of ${file} names different neuroids than region "${r.name}" has (${neuroids.slice(0, 3).join(', ')}, …).`);
    region.repeats = { neuroids: repeats.neuroids, stimuli: repeats.stimuli, repeats: repeats.repeats, data: repeats.data };
  }
  return region;
}

/**
 * A repeats file as [neuroids, stimuli, repeats]. .npy/.json hold that 3-D array; a .csv holds the repeats'
 * [stimuli, neuroids] matrices stacked (rows r·stimuli … (r+1)·stimuli − 1 are repeat r).
 */
function readRepeats(files: Map<string, Uint8Array>, path: string, nStimuli: number): RepeatedResponses & { columnIds?: string[] } {
  const arr = readArray(files, path);
  if (/\.csv$/i.test(path)) {
    const [rows, n] = arr.shape;
    if (rows % nStimuli) throw new UserFacingError(`${path} has ${rows} rows, which is not a whole number of repeats of the ${nStimuli} stimuli.`, 'A CSV repeats file stacks one [stimuli, neuroids] block per repeat; pad missing presentations with empty cells.');
    const reps = rows / nStimuli;
    const data = new Float64Array(n * nStimuli * reps);
    for (let r = 0; r < reps; r++) for (let s = 0; s < nStimuli; s++) for (let j = 0; j < n; j++) data[(j * nStimuli + s) * reps + r] = arr.data[(r * nStimuli + s) * n + j];
    return { neuroids: n, stimuli: nStimuli, repeats: reps, data, columnIds: arr.columnIds };
  }
  if (arr.shape.length !== 3) throw new UserFacingError(`${path} must be 3-D [neuroids, stimuli, repeats], got shape [${arr.shape}].`);
  const [rn, rs, rr] = arr.shape;
  return { neuroids: rn, stimuli: rs, repeats: rr, data: arr.data };
}
