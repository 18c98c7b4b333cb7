/**
 * Benchmark bundles: a folder or zip with `benchmark.json` plus arrays (.npy or .json) and stimuli.
 * The format is specified in docs/bundle-format.md; this module reads and validates it.
 */
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { UserFacingError } from '../types';
import type { RepeatedResponses } from '../metrics/ceiling';
import { type Matrix, matrix } from '../metrics/linalg';
import { readNpy, type NpyArray } from './npy';

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

/** Read and validate a bundle given as path → bytes (paths relative to the folder holding benchmark.json). */
export function readBundle(input: Map<string, Uint8Array>): Benchmark {
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
  const regions = manifest.regions.map((r) => readRegion(r, manifest.stimuli.length, files));
  return { manifest, regions, files };
}

export function readBundleZip(bytes: Uint8Array): Benchmark {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (e) {
    throw new UserFacingError(`The bundle is not a readable zip file (${(e as Error).message}).`);
  }
  return readBundle(new Map(Object.entries(entries).filter(([path]) => !path.endsWith('/'))));
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

/** Read a .npy or .json (nested lists, null = NaN) array from the bundle. */
export function readArray(files: Map<string, Uint8Array>, path: string): NpyArray {
  const bytes = files.get(path);
  if (!bytes) throw new UserFacingError(`${path} is listed in benchmark.json but is not in the bundle.`);
  if (path.endsWith('.npy')) return readNpy(bytes, path);
  if (path.endsWith('.json')) {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      throw new UserFacingError(`${path} is not valid JSON (${(e as Error).message}).`);
    }
    return nestedToArray(value, path);
  }
  throw new UserFacingError(`${path}: arrays must be .npy or .json files.`);
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
  const arr = readArray(files, r.data);
  const region: RegionData = { name: r.name, kind: r.kind };
  if (r.kind === 'responses') {
    if (arr.shape.length !== 2) throw new UserFacingError(`${r.data} must be 2-D [stimuli, neuroids], got shape [${arr.shape}].`);
    const [s, n] = arr.shape;
    if (s !== nStimuli) throw new UserFacingError(`${r.data} has ${s} stimuli but benchmark.json lists ${nStimuli}.`);
    const bad = arr.data.reduce((c, v) => c + (Number.isFinite(v) ? 0 : 1), 0);
    if (bad) throw new UserFacingError(`${r.data} has ${bad} missing (NaN) values; responses must be complete (put ragged repeats in the "repeats" file).`);
    if (r.neuroids && r.neuroids.length !== n) throw new UserFacingError(`${r.data} has ${n} neuroids but region "${r.name}" lists ${r.neuroids.length} neuroid ids.`);
    if (r.neuroids && new Set(r.neuroids).size !== n) throw new UserFacingError(`Region "${r.name}" has duplicate neuroid ids.`);
    region.responses = matrix(s, n, arr.data);
    region.neuroids = r.neuroids ?? Array.from({ length: n }, (_, i) => String(i));
    if (r.repeats) {
      const rep = readArray(files, r.repeats);
      if (rep.shape.length !== 3) throw new UserFacingError(`${r.repeats} must be 3-D [neuroids, stimuli, repeats], got shape [${rep.shape}].`);
      const [rn, rs, rr] = rep.shape;
      if (rn !== n) throw new UserFacingError(`${r.repeats} has ${rn} neuroids but ${r.data} has ${n}.`);
      if (rs !== nStimuli) throw new UserFacingError(`${r.repeats} has ${rs} stimuli but benchmark.json lists ${nStimuli}.`);
      region.repeats = { neuroids: rn, stimuli: rs, repeats: rr, data: rep.data };
    }
  } else {
    const d = arr.shape;
    const square = d.length === 2 ? d : d.length === 3 ? d.slice(1) : null;
    if (!square || square[0] !== square[1]) throw new UserFacingError(`${r.data} must be [stimuli, stimuli] or [subjects, stimuli, stimuli], got shape [${d}].`);
    if (square[0] !== nStimuli) throw new UserFacingError(`${r.data} has ${square[0]} stimuli but benchmark.json lists ${nStimuli}.`);
    const subjects = d.length === 3 ? d[0] : 1;
    if (r.subjects && r.subjects.length !== subjects) throw new UserFacingError(`${r.data} has ${subjects} subjects but region "${r.name}" lists ${r.subjects.length} subject ids.`);
    const size = nStimuli * nStimuli;
    region.matrices = Array.from({ length: subjects }, (_, k) => matrix(nStimuli, nStimuli, arr.data.subarray(k * size, (k + 1) * size)));
    region.subjects = r.subjects ?? Array.from({ length: subjects }, (_, i) => `subject ${i + 1}`);
  }
  return region;
}
