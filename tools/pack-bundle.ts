/**
 * Pack a dataset into a benchmark bundle zip (docs/bundle-format.md).
 *
 *   npx tsx tools/pack-bundle.ts --kind cowley --session 210325 --out /tmp/cowley.zip
 *   npx tsx tools/pack-bundle.ts --kind coggan --out /tmp/coggan.zip
 *   npx tsx tools/pack-bundle.ts --kind kriegeskorte --out /tmp/k92.zip
 *   npx tsx tools/pack-bundle.ts --kind synthetic --out /tmp/synthetic.zip
 *   npx tsx tools/pack-bundle.ts --kind folder --in my-bundle/ --out /tmp/mine.zip
 *
 * --in defaults to the dataset's folder under the shared data ($SILICO_SHARED, default ../shared).
 * The bundle is read back and validated before it is written.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readBundle, zipBundle, type Benchmark } from '../src/core/data/bundle';
import { cogganBundle, cowleyBundle, kriegeskorteBundle } from '../src/core/data/loaders';
import { syntheticBundle } from '../src/core/data/synthetic';

export type PackKind = 'cowley' | 'coggan' | 'kriegeskorte' | 'synthetic' | 'folder';

export interface PackOptions {
  kind: PackKind;
  /** Dataset folder (default: its place in the shared data). */
  input?: string;
  /** Cowley session, e.g. "210325". */
  session?: string;
  /** Where to write the zip. */
  out: string;
}

const SHARED = resolve(process.env.SILICO_SHARED ?? resolve(import.meta.dirname, '../../shared'));
const DEFAULT_INPUT: Record<PackKind, string | undefined> = {
  cowley: join(SHARED, 'data/vision/cowley2023-v4'),
  coggan: join(SHARED, 'data/vision/coggan2024-fmri'),
  kriegeskorte: join(SHARED, 'data/vision/kriegeskorte2008-92'),
  synthetic: undefined,
  folder: undefined,
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

/** Build, validate and write the bundle; returns the validated benchmark. */
export function packBundle(options: PackOptions): Benchmark {
  const input = options.input ?? DEFAULT_INPUT[options.kind];
  if (options.kind !== 'synthetic' && (!input || !existsSync(input))) throw new Error(`Input folder not found: ${input ?? '(none given; use --in)'}`);
  let files: Map<string, Uint8Array>;
  switch (options.kind) {
    case 'cowley': {
      const s = options.session;
      if (!s) throw new Error('--session is required for --kind cowley (e.g. 210325)');
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
  }
  const benchmark = readBundle(files);
  mkdirSync(dirname(resolve(options.out)), { recursive: true });
  writeFileSync(options.out, zipBundle(files));
  return benchmark;
}

function parseArgs(argv: string[]): PackOptions {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`Bad argument near "${argv[i]}"`);
    args.set(argv[i].slice(2), argv[i + 1]);
  }
  const kind = args.get('kind') as PackKind | undefined;
  if (!kind || !(kind in DEFAULT_INPUT)) throw new Error(`--kind must be one of ${Object.keys(DEFAULT_INPUT).join(', ')}`);
  const out = args.get('out');
  if (!out) throw new Error('--out is required');
  return { kind, out, input: args.get('in'), session: args.get('session') };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const options = parseArgs(process.argv.slice(2));
    const b = packBundle(options);
    const regions = b.regions.map((r) => `${r.name} (${r.kind}${r.responses ? `, ${r.responses.cols} neuroids` : `, ${r.matrices!.length} subject(s)`})`);
    console.log(`Wrote ${options.out}: "${b.manifest.name}", ${b.manifest.stimuli.length} stimuli, regions: ${regions.join('; ')}`);
  } catch (e) {
    console.error(`pack-bundle: ${(e as Error).message}`);
    process.exit(1);
  }
}
