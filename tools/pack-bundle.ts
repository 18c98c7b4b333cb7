/**
 * Pack a dataset into a benchmark bundle zip (docs/bundle-format.md). Run with --help for the options.
 *
 *   npx tsx tools/pack-bundle.ts --kind cowley --session 210325 --out /tmp/cowley.zip
 *   npx tsx tools/pack-bundle.ts --kind coggan --out /tmp/coggan.zip
 *   npx tsx tools/pack-bundle.ts --kind kriegeskorte --out /tmp/k92.zip
 *   npx tsx tools/pack-bundle.ts --kind synthetic --out /tmp/synthetic.zip
 *   npx tsx tools/pack-bundle.ts --kind folder --in my-bundle/ --out /tmp/mine.zip
 *   npx tsx tools/pack-bundle.ts --kind brainio --in assembly.nc --stimuli images.zip --out /tmp/brainio.zip
 *
 * --in defaults to the dataset's folder under the shared data ($SILICO_SHARED, default ../shared).
 * The bundle is read back and validated before it is written.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE_FORMAT, readBundleAsync, zipBundle, type Benchmark, type BenchmarkManifest, type RegionManifest, type StimulusEntry } from '../src/core/data/bundle';
import { cogganBundle, cowleyBundle, kriegeskorteBundle } from '../src/core/data/loaders';
import { assemblyResponses, readNetcdfAssembly } from '../src/core/data/netcdf';
import { syntheticBundle } from '../src/core/data/synthetic';
import { listZipImages } from '../src/core/image';
import { UserFacingError } from '../src/core/types';

export type PackKind = 'cowley' | 'coggan' | 'kriegeskorte' | 'synthetic' | 'folder' | 'brainio';

export interface PackOptions {
  kind: PackKind;
  /** Dataset folder (default: its place in the shared data); for brainio the assembly .nc file. */
  input?: string;
  /** Cowley session, e.g. "210325". */
  session?: string;
  /** Where to write the zip. */
  out: string;
  /** brainio: the stimulus images (a folder or a .zip) and how to read the assembly. */
  brainio?: { stimuli?: string } & BrainioOptions;
}

export interface BrainioOptions {
  /** A presentation coordinate holding each stimulus's image file name; default: the file named `<stimulus_id>.<ext>`. */
  stimulusFileColumn?: string;
  /** Time bin index, required when the assembly has several. */
  timeBin?: number;
  id?: string;
  name?: string;
  citation?: string;
  /** Default mapping method (default PLS, as Brain-Score's neural benchmarks). */
  method?: 'ridge' | 'pls';
}

const SHARED = resolve(process.env.SILICO_SHARED ?? resolve(import.meta.dirname, '../../shared'));
const DEFAULT_INPUT: Record<PackKind, string | undefined> = {
  cowley: join(SHARED, 'data/vision/cowley2023-v4'),
  coggan: join(SHARED, 'data/vision/coggan2024-fmri'),
  kriegeskorte: join(SHARED, 'data/vision/kriegeskorte2008-92'),
  synthetic: undefined,
  folder: undefined,
  brainio: undefined,
};

/** Every file under dir (relative '/'-separated paths), optionally only those passing keep. */
export function readFolder(dir: string, keep: (path: string) => boolean = () => true): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      if (name.startsWith('.')) continue;
      const full = join(d, name);
      const rel = relative(dir, full).split('\\').join('/');
      if (statSync(full).isDirectory()) walk(full);
      else if (keep(rel)) files.set(rel, new Uint8Array(readFileSync(full)));
    }
  };
  walk(dir);
  return files;
}

const IMAGE_FILE = /\.(png|jpe?g|gif|webp|bmp)$/i;

/** Coordinates that identify a presentation rather than describe its stimulus: not copied into labels. */
const PRESENTATION_ONLY = new Set(['stimulus_id', 'image_id', 'repetition', 'repetition_id', 'presentation']);

/**
 * A bundle from a BrainIO assembly and its stimulus images (path → bytes). The .nc file is kept as is:
 * one bundle region per value of the assembly's `region` coordinate, each pointing at the file with
 * "region" (and "timeBin"). Stimuli are the assembly's stimulus_ids in order of first presentation; a
 * presentation coordinate that is constant over a stimulus's presentations becomes a label.
 */
export async function brainioBundle(assemblyName: string, assemblyBytes: Uint8Array, images: Map<string, Uint8Array>, options: BrainioOptions = {}): Promise<Map<string, Uint8Array>> {
  const name = basename(assemblyName);
  const named = (e: unknown): never => {
    if (e instanceof UserFacingError) throw new UserFacingError(`${name}: ${e.message}`, e.hint);
    throw e;
  };
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
    const base = path.split('/').pop()!;
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
    const candidates = images.has(wanted) ? [wanted] : (byBase.get(wanted.split('/').pop()!) ?? []);
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

  const files = new Map<string, Uint8Array>([[name, assemblyBytes]]);
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
    description: `Packed from the BrainIO assembly ${name}: ${stimulusIds.length} stimuli, up to ${repeats} presentations each.`,
    modality: 'vision',
    synthetic: false,
    stimuli,
    regions,
    metric: { method: options.method ?? 'pls', folds: 10, ceiling: repeats >= 2 ? 'split-half' : 'none' },
  };
  files.set('benchmark.json', new TextEncoder().encode(JSON.stringify(manifest, null, 1)));
  return files;
}

/** Images of a folder (recursively) or a .zip, by path inside it. */
function readImages(path: string): Map<string, Uint8Array> {
  if (!existsSync(path)) throw new UserFacingError(`Stimuli not found: ${path}`);
  if (statSync(path).isDirectory()) return readFolder(path, (p) => IMAGE_FILE.test(p));
  return new Map(listZipImages(new Uint8Array(readFileSync(path))).map((e) => [e.name, e.bytes]));
}

/** Build, validate and write the bundle; returns the validated benchmark. */
export async function packBundle(options: PackOptions): Promise<Benchmark> {
  const input = options.input ?? DEFAULT_INPUT[options.kind];
  if (options.kind !== 'synthetic' && (!input || !existsSync(input))) throw new UserFacingError(`Input not found: ${input ?? '(none given; use --in)'}`);
  let files: Map<string, Uint8Array>;
  switch (options.kind) {
    case 'cowley': {
      const s = options.session;
      if (!s) throw new UserFacingError('--session is required for --kind cowley (e.g. 210325)');
      files = cowleyBundle(readFolder(input!, (p) => [`images_${s}.zip`, `responses_avg_${s}.npy`, `responses_raw_${s}.npy`].includes(p)), s);
      break;
    }
    case 'coggan':
      files = cogganBundle(readFolder(input!));
      break;
    case 'kriegeskorte':
      files = kriegeskorteBundle(readFolder(input!));
      break;
    case 'synthetic':
      files = syntheticBundle();
      break;
    case 'folder':
      files = readFolder(input!);
      break;
    case 'brainio': {
      const { stimuli, ...brainio } = options.brainio ?? {};
      if (!stimuli) throw new UserFacingError('--stimuli (a folder or .zip of the stimulus images) is required for --kind brainio.');
      files = await brainioBundle(input!, new Uint8Array(readFileSync(input!)), readImages(stimuli), brainio);
      break;
    }
  }
  const benchmark = await readBundleAsync(files);
  mkdirSync(dirname(resolve(options.out)), { recursive: true });
  writeFileSync(options.out, zipBundle(files));
  return benchmark;
}

export const HELP = `Pack a neural dataset into a benchmark bundle zip (docs/bundle-format.md).

usage: npx tsx tools/pack-bundle.ts --kind KIND [options] --out bundle.zip

kinds:
  cowley        Cowley 2023 V4 (--session S); --in defaults to the shared data
  coggan        Coggan 2024 fMRI RSMs
  kriegeskorte  Kriegeskorte 2008 92-image RDMs
  synthetic     the built-in synthetic demo benchmark (not brain data)
  folder        a bundle folder (benchmark.json + arrays + stimuli), validated and zipped
  brainio       a Brain-Score/BrainIO NetCDF assembly (--in x.nc) and its images (--stimuli);
                the .nc is kept in the bundle, one region per value of its region coordinate

options:
  --in PATH                     dataset folder, bundle folder, or (brainio) the assembly .nc
  --out FILE                    the bundle zip to write (required)
  --session S                   cowley: recording session, e.g. 210325
  --stimuli PATH                brainio: folder or .zip of the stimulus images
  --stimulus-file-column NAME   brainio: presentation coordinate with each stimulus's image path
                                (default: the image named <stimulus_id>.<ext>)
  --time-bin N                  brainio: time bin index, when the assembly has several
  --id ID, --name TEXT, --citation TEXT
                                brainio: bundle id (default: the file name), name and citation
  --method ridge|pls            brainio: default mapping (default pls)
  --help                        this text
`;

const FLAGS = ['kind', 'in', 'out', 'session', 'stimuli', 'stimulus-file-column', 'time-bin', 'id', 'name', 'citation', 'method'];

function parseArgs(argv: string[]): PackOptions {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].startsWith('--') ? argv[i].slice(2) : '';
    if (!FLAGS.includes(key)) throw new UserFacingError(`Unknown argument "${argv[i]}".`, 'Run with --help for the options.');
    if (argv[i + 1] === undefined) throw new UserFacingError(`${argv[i]} needs a value.`);
    args.set(key, argv[i + 1]);
  }
  const kind = args.get('kind') as PackKind | undefined;
  if (!kind || !(kind in DEFAULT_INPUT)) throw new UserFacingError(`--kind must be one of ${Object.keys(DEFAULT_INPUT).join(', ')}`);
  const out = args.get('out');
  if (!out) throw new UserFacingError('--out is required');
  const timeBin = args.get('time-bin');
  if (timeBin !== undefined && !/^\d+$/.test(timeBin)) throw new UserFacingError(`--time-bin must be a time bin index (0, 1, …), got "${timeBin}".`);
  const method = args.get('method');
  if (method !== undefined && method !== 'ridge' && method !== 'pls') throw new UserFacingError(`--method must be ridge or pls, got "${method}".`);
  return {
    kind,
    out,
    input: args.get('in'),
    session: args.get('session'),
    brainio: {
      stimuli: args.get('stimuli'),
      stimulusFileColumn: args.get('stimulus-file-column'),
      timeBin: timeBin === undefined ? undefined : Number(timeBin),
      id: args.get('id'),
      name: args.get('name'),
      citation: args.get('citation'),
      method,
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h') || !argv.length) {
    process.stdout.write(HELP);
    process.exit(argv.length ? 0 : 1);
  }
  try {
    const options = parseArgs(argv);
    const b = await packBundle(options);
    const regions = b.regions.map((r) => `${r.name} (${r.kind}${r.responses ? `, ${r.responses.cols} neuroids` : `, ${r.matrices!.length} subject(s)`})`);
    console.log(`Wrote ${options.out}: "${b.manifest.name}", ${b.manifest.stimuli.length} stimuli, regions: ${regions.join('; ')}`);
  } catch (e) {
    const hint = e instanceof UserFacingError && e.hint ? `\n${e.hint}` : '';
    console.error(`pack-bundle: ${(e as Error).message}${hint}`);
    process.exit(1);
  }
}
