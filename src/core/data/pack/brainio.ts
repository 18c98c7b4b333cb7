/**
 * Packers for Brain-Score / BrainIO assemblies: a NetCDF assembly (kept as is in the bundle) and its
 * stimulus images. Plain TS (no fs): the CLI and the browser give the same path → bytes maps.
 */
import Papa from 'papaparse';
import { unzipSync } from 'fflate';
import { BUNDLE_FORMAT, type BenchmarkManifest, type RegionManifest, type StimulusEntry } from '../bundle';
import { UserFacingError } from '../../types';

export interface BrainioOptions {
  /** A presentation coordinate holding each stimulus's image file name; default: the file named `<stimulus_id>.<ext>`. */
  stimulusFileColumn?: string;
  /** Time bin index, required when the assembly has several. */
  timeBin?: number;
  id?: string;
  name?: string;
  citation?: string;
  description?: string;
  /** Default mapping method (default PLS, as Brain-Score's neural benchmarks). */
  method?: 'ridge' | 'pls';
}

type Files = Map<string, Uint8Array>;

/** Coordinates that identify a presentation rather than describe its stimulus: not copied into labels. */
const PRESENTATION_ONLY = new Set(['stimulus_id', 'image_id', 'repetition', 'repetition_id', 'presentation']);

const baseName = (p: string) => p.replace(/\\/g, '/').split('/').pop()!;

/**
 * A bundle from a BrainIO assembly and its stimulus images (path → bytes). The .nc file is kept as is:
 * one bundle region per value of the assembly's `region` coordinate, each pointing at the file with
 * "region" (and "timeBin"). Stimuli are the assembly's stimulus_ids in order of first presentation; a
 * presentation coordinate that is constant over a stimulus's presentations becomes a label.
 */
export async function brainioBundle(assemblyName: string, assemblyBytes: Uint8Array, images: Files, options: BrainioOptions = {}): Promise<Files> {
  const name = baseName(assemblyName);
  const named = (e: unknown): never => {
    if (e instanceof UserFacingError) throw new UserFacingError(`${name}: ${e.message}`, e.hint);
    throw e;
  };
  // The NetCDF reader (h5wasm) is large: loaded on first use.
  const { assemblyResponses, readNetcdfAssembly } = await import('../netcdf');
  const assembly = await readNetcdfAssembly(assemblyBytes).catch(named);
  const responses = await Promise.resolve()
    .then(() => assemblyResponses(assembly, { timeBin: options.timeBin }))
    .catch(named);
  const { stimulusIds } = responses;
  const presentationCoords = Object.entries(assembly.coords).filter(([, c]) => c.dim === 'presentation');
  const stimulusCoord = presentationCoords.find(([k]) => k === 'stimulus_id') ?? presentationCoords.find(([k]) => k === 'image_id');
  const firstPresentation = new Map<string, number>();
  const presentationsOf = new Map<string, number[]>();
  stimulusCoord![1].values.forEach((v, p) => {
    const id = String(v);
    if (!firstPresentation.has(id)) firstPresentation.set(id, p);
    presentationsOf.set(id, [...(presentationsOf.get(id) ?? []), p]);
  });

  // Which image file belongs to each stimulus.
  const byBase = new Map<string, string[]>();
  for (const path of images.keys()) {
    const base = baseName(path);
    for (const key of [base, base.replace(/\.[^.]+$/, '')]) byBase.set(key, [...(byBase.get(key) ?? []), path]);
  }
  let fileColumn: (string | number)[] | undefined;
  if (options.stimulusFileColumn) {
    fileColumn = assembly.coords[options.stimulusFileColumn]?.dim === 'presentation' ? assembly.coords[options.stimulusFileColumn].values : undefined;
    if (!fileColumn) {
      throw new UserFacingError(`${name} has no presentation coordinate "${options.stimulusFileColumn}"; it has ${presentationCoords.map(([k]) => k).join(', ')}.`);
    }
  }
  const missing: string[] = [];
  const fileOf = new Map<string, string>();
  for (const id of stimulusIds) {
    const wanted = fileColumn ? String(fileColumn[firstPresentation.get(id)!]).replace(/\\/g, '/') : id;
    const candidates = images.has(wanted) ? [wanted] : (byBase.get(baseName(wanted)) ?? []);
    if (candidates.length > 1) throw new UserFacingError(`Stimulus "${id}": several images match "${wanted}" (${candidates.slice(0, 3).join(', ')}).`);
    if (!candidates.length) missing.push(`${id} (${fileColumn ? wanted : `${id}.<ext>`})`);
    else fileOf.set(id, candidates[0]);
  }
  if (missing.length) {
    throw new UserFacingError(
      `${missing.length} of ${stimulusIds.length} stimuli have no image: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}.`,
      fileColumn ? `Image paths come from the "${options.stimulusFileColumn}" coordinate.` : 'Images are matched by file name <stimulus_id>.<ext>; or name the coordinate holding file names with --stimulus-file-column.',
    );
  }

  const files: Files = new Map([[name, assemblyBytes]]);
  const stimuli = stimulusIds.map((id): StimulusEntry => {
    const file = `stimuli/${fileOf.get(id)!}`;
    files.set(file, images.get(fileOf.get(id)!)!);
    const labels: Record<string, string | number> = {};
    for (const [key, coord] of presentationCoords) {
      if (PRESENTATION_ONLY.has(key) || key === options.stimulusFileColumn) continue;
      const values = presentationsOf.get(id)!.map((p) => coord.values[p]);
      if (values.every((v) => v === values[0])) labels[key] = values[0];
    }
    return Object.keys(labels).length ? { id, file, labels } : { id, file };
  });
  const hasRegions = assembly.coords.region?.dim === 'neuroid';
  const regions = responses.regions.map((r): RegionManifest => ({
    name: r.name,
    kind: 'responses',
    data: name,
    ...(hasRegions ? { region: r.name } : {}),
    ...(options.timeBin !== undefined ? { timeBin: options.timeBin } : {}),
  }));
  const repeats = responses.regions[0]?.repeatCount ?? 1;
  const manifest: BenchmarkManifest = {
    format: BUNDLE_FORMAT,
    id: options.id ?? name.replace(/\.nc$/i, ''),
    name: options.name ?? `BrainIO assembly ${name}`,
    citation: options.citation ?? '',
    description: options.description ?? `Packed from the BrainIO assembly ${name}: ${stimulusIds.length} stimuli, up to ${repeats} presentations each.`,
    modality: 'vision',
    synthetic: false,
    stimuli,
    regions,
    metric: { method: options.method ?? 'pls', folds: 10, ceiling: repeats >= 2 ? 'split-half' : 'none' },
  };
  files.set('benchmark.json', new TextEncoder().encode(JSON.stringify(manifest, null, 1)));
  return files;
}

/**
 * Brain-Score's own download layout: `assy_*.nc` + `stimulus_*.csv` (one row per stimulus: stimulus_id
 * and its file name) + `stimulus_*.zip` (the images). The CSV names each stimulus's image; the images
 * are handed to brainioBundle under `<stimulus_id>.<ext>`.
 */
export async function brainscoreAssemblyBundle(
  files: Files,
  names: { assembly: string; stimulusCsv: string; stimulusZip: string },
  options: BrainioOptions = {},
): Promise<Files> {
  const need = (n: string) => {
    const b = files.get(n);
    if (!b) throw new UserFacingError(`${n} is missing: the Brain-Score download needs the assembly, the stimulus CSV and the stimulus zip.`);
    return b;
  };
  const parsed = Papa.parse<Record<string, string>>(new TextDecoder().decode(need(names.stimulusCsv)).replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: true });
  const fields = parsed.meta.fields ?? [];
  const idCol = ['stimulus_id', 'image_id'].find((c) => fields.includes(c));
  const fileCol = ['filename', 'image_file_name', 'stimulus_path_within_store', 'file_name'].find((c) => fields.includes(c));
  if (!idCol || !fileCol) {
    throw new UserFacingError(`${names.stimulusCsv} needs a stimulus_id column and a filename column; it has ${fields.join(', ')}.`);
  }
  let zipped: Record<string, Uint8Array>;
  try {
    zipped = unzipSync(need(names.stimulusZip));
  } catch (e) {
    throw new UserFacingError(`${names.stimulusZip} is not a readable zip file (${(e as Error).message}); it may be truncated.`, 'Download it again.');
  }
  const byBase = new Map(Object.entries(zipped).filter(([p]) => !p.endsWith('/')).map(([p, b]) => [baseName(p), b]));
  const images: Files = new Map();
  for (const row of parsed.data) {
    const file = baseName(row[fileCol] ?? '');
    const bytes = byBase.get(file);
    if (!bytes) continue; // brainioBundle names any stimulus of the assembly that is left without an image
    images.set(`${row[idCol]}${/\.[^.]+$/.exec(file)?.[0] ?? ''}`, bytes);
  }
  return brainioBundle(names.assembly, need(names.assembly), images, options);
}
