/**
 * `silico pack`: a neural dataset → a benchmark bundle zip (docs/bundle-format.md). The packing itself is
 * src/core/data/pack (the same code the browser runs on catalog downloads); this file reads the inputs
 * from disk, validates the bundle by reading it back, and writes the zip. tools/pack-bundle.ts is an alias.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Command } from '../command';
import { stringOption } from '../args';
import { readBundleAsync, zipBundle, type Benchmark } from '../../core/data/bundle';
import { PACK_KINDS, packFiles, type BrainioOptions, type PackKind } from '../../core/data/pack';
import { findDataset, DATASETS } from '../../core/catalog/datasets';
import { fetchDataset } from '../../core/catalog/fetch-dataset';
import { listZipImages } from '../../core/image';
import { UserFacingError } from '../../core/types';

export type { PackKind } from '../../core/data/pack';
export type { BrainioOptions } from '../../core/data/pack';

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
  /** catalog: the dataset id; its files come from --in (a folder with them) or are downloaded (--mirror). */
  dataset?: string;
  mirror?: string;
}

const SHARED = resolve(process.env.SILICO_SHARED ?? resolve(import.meta.dirname, '../../../../shared'));
const DEFAULT_INPUT: Partial<Record<PackKind, string>> = {
  cowley: join(SHARED, 'data/vision/cowley2023-v4'),
  coggan: join(SHARED, 'data/vision/coggan2024-fmri'),
  kriegeskorte: join(SHARED, 'data/vision/kriegeskorte2008-92'),
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

/** Images of a folder (recursively) or a .zip, by path inside it. */
function readImages(path: string): Map<string, Uint8Array> {
  if (!existsSync(path)) throw new UserFacingError(`Stimuli not found: ${path}`);
  if (statSync(path).isDirectory()) return readFolder(path, (p) => IMAGE_FILE.test(p));
  return new Map(listZipImages(new Uint8Array(readFileSync(path))).map((e) => [e.name, e.bytes]));
}

/** Build, validate and write the bundle; returns the validated benchmark. */
export async function packBundle(options: PackOptions, signal?: AbortSignal): Promise<Benchmark> {
  const input = options.input ?? DEFAULT_INPUT[options.kind];
  const needsInput = options.kind !== 'synthetic' && options.kind !== 'catalog';
  if (needsInput && (!input || !existsSync(input))) throw new UserFacingError(`Input not found: ${input ?? '(none given; use --in)'}`);
  let files: Map<string, Uint8Array>;
  switch (options.kind) {
    case 'cowley': {
      const s = options.session;
      if (!s) throw new UserFacingError('--session is required for --kind cowley (e.g. 210325)');
      files = await packFiles({ kind: 'cowley', session: s, files: readFolder(input!, (p) => [`images_${s}.zip`, `responses_avg_${s}.npy`, `responses_raw_${s}.npy`].includes(p)) });
      break;
    }
    case 'brainio': {
      const { stimuli, ...brainio } = options.brainio ?? {};
      if (!stimuli) throw new UserFacingError('--stimuli (a folder or .zip of the stimulus images) is required for --kind brainio.');
      files = await packFiles({ kind: 'brainio', assembly: { name: basename(input!), bytes: new Uint8Array(readFileSync(input!)) }, images: readImages(stimuli), brainio });
      break;
    }
    case 'catalog': {
      const entry = options.dataset ? findDataset(options.dataset) : undefined;
      if (!entry) throw new UserFacingError(`--dataset must be a catalog id: ${DATASETS.map((d) => d.id).join(', ')}.`);
      // Files from a folder holding them under their catalog names, else downloaded (verified) from the real host or --mirror.
      const native = options.input ? readFolder(options.input) : (await fetchDataset(entry, { cache: null, mirror: options.mirror, signal })).files;
      files = await packFiles({ kind: 'catalog', entry, files: native });
      break;
    }
    case 'synthetic':
      files = await packFiles({ kind: 'synthetic' });
      break;
    default:
      files = await packFiles({ kind: options.kind, files: readFolder(input!) });
  }
  const benchmark = await readBundleAsync(files);
  mkdirSync(dirname(resolve(options.out)), { recursive: true });
  writeFileSync(options.out, zipBundle(files));
  return benchmark;
}

export function describeBenchmark(b: Benchmark): string {
  const regions = b.regions.map((r) => `${r.name} (${r.kind}${r.responses ? `, ${r.responses.cols} neuroids` : `, ${r.matrices!.length} subject(s)`})`);
  return `"${b.manifest.name}", ${b.manifest.stimuli.length} stimuli, regions: ${regions.join('; ')}`;
}

function optionsFrom(o: Record<string, string | boolean | undefined>): PackOptions {
  const kind = stringOption(o, 'kind') as PackKind | undefined;
  if (!kind || !PACK_KINDS.includes(kind)) throw new UserFacingError(`--kind must be one of ${PACK_KINDS.join(', ')}`);
  const out = stringOption(o, 'out');
  if (!out) throw new UserFacingError('--out is required');
  const timeBin = stringOption(o, 'time-bin');
  if (timeBin !== undefined && !/^\d+$/.test(timeBin)) throw new UserFacingError(`--time-bin must be a time bin index (0, 1, …), got "${timeBin}".`);
  const method = stringOption(o, 'method');
  if (method !== undefined && method !== 'ridge' && method !== 'pls') throw new UserFacingError(`--method must be ridge or pls, got "${method}".`);
  return {
    kind,
    out,
    input: stringOption(o, 'in'),
    session: stringOption(o, 'session'),
    dataset: stringOption(o, 'dataset'),
    mirror: stringOption(o, 'mirror'),
    brainio: {
      stimuli: stringOption(o, 'stimuli'),
      stimulusFileColumn: stringOption(o, 'stimulus-file-column'),
      timeBin: timeBin === undefined ? undefined : Number(timeBin),
      id: stringOption(o, 'id'),
      name: stringOption(o, 'name'),
      citation: stringOption(o, 'citation'),
      method,
    },
  };
}

export const pack: Command = {
  spec: {
    name: 'pack',
    summary: 'Pack a neural dataset into a benchmark bundle zip (docs/bundle-format.md); the same packers the browser uses.',
    usage: 'silico pack --kind KIND [options] --out bundle.zip',
    options: {
      kind: {
        type: 'string',
        short: 'k',
        value: 'KIND',
        help:
          'cowley (Cowley 2023 V4, --session), coggan (Coggan 2024 fMRI RSMs), kriegeskorte (92-image RDMs), synthetic (the demo, not brain data), folder (a bundle folder, validated and zipped), brainio (a BrainIO .nc + --stimuli), catalog (a catalog dataset, --dataset).',
        required: true,
      },
      in: { type: 'string', short: 'i', value: 'PATH', help: 'Dataset folder, bundle folder, or (brainio) the assembly .nc; cowley/coggan/kriegeskorte default to the shared data ($SILICO_SHARED).' },
      out: { type: 'string', short: 'o', value: 'FILE', help: 'The bundle zip to write.', required: true },
      session: { type: 'string', value: 'S', help: 'cowley: recording session, e.g. 210325.' },
      dataset: { type: 'string', value: 'ID', help: 'catalog: the dataset id (files from --in, else downloaded and verified).' },
      mirror: { type: 'string', value: 'URL', help: 'catalog: download from this mirror instead of the real hosts.' },
      stimuli: { type: 'string', value: 'PATH', help: 'brainio: folder or .zip of the stimulus images.' },
      'stimulus-file-column': { type: 'string', value: 'NAME', help: 'brainio: presentation coordinate with each stimulus\'s image path (default: the image named <stimulus_id>.<ext>).' },
      'time-bin': { type: 'string', value: 'N', help: 'brainio: time bin index, when the assembly has several.' },
      id: { type: 'string', value: 'ID', help: 'brainio: bundle id (default: the file name).' },
      name: { type: 'string', value: 'TEXT', help: 'brainio: bundle name.' },
      citation: { type: 'string', value: 'TEXT', help: 'brainio: citation.' },
      method: { type: 'string', value: 'NAME', help: 'brainio: default mapping, ridge or pls (default pls).' },
    },
    examples: [
      'silico pack --kind cowley --session 210325 --out /tmp/cowley.zip',
      'silico pack --kind brainio --in assembly.nc --stimuli images.zip --out /tmp/brainio.zip',
      'silico pack --kind catalog --dataset tuckute2024-baseline --out /tmp/tuckute.zip',
    ],
  },
  async run(options, _positionals, signal) {
    const o = optionsFrom(options);
    const b = await packBundle(o, signal);
    process.stdout.write(`Wrote ${o.out}: ${describeBenchmark(b)}\n`);
    return 0;
  },
};

/** Old flag names of tools/pack-bundle.ts are the same; exported for the alias. */
export const PACK_HELP_HINT = 'Run "silico pack --help" for the options.';
