/**
 * One packer for the app and the CLI: turns a dataset's downloaded (or local) files into a benchmark
 * bundle (docs/bundle-format.md). Input and output are path → bytes maps, no fs, no DOM: the browser
 * (catalog downloads), `silico pack` and tools/pack-bundle.ts all call these.
 */
import type { DatasetEntry } from '../../catalog/datasets';
import { UserFacingError } from '../../types';
import { cogganBundle, cowleyBundle, kriegeskorteBundle } from '../loaders';
import { syntheticBundle } from '../synthetic';
import { brainioBundle, brainscoreAssemblyBundle, type BrainioOptions } from './brainio';
import { languageTableBundle } from './language';

export { brainioBundle, brainscoreAssemblyBundle, type BrainioOptions } from './brainio';
export { languageTableBundle, languageTableRows, fedorenkoLocalizer, type LanguageTableOptions, type LocalizerItem } from './language';
export { flocImages, type FlocImage } from './floc';

type Files = Map<string, Uint8Array>;

/** What `silico pack --kind` accepts. */
export type PackKind = 'cowley' | 'coggan' | 'kriegeskorte' | 'synthetic' | 'folder' | 'brainio' | 'catalog';
export const PACK_KINDS: readonly PackKind[] = ['cowley', 'coggan', 'kriegeskorte', 'synthetic', 'folder', 'brainio', 'catalog'];

export interface PackInput {
  kind: PackKind;
  /** The dataset's files (cowley, coggan, kriegeskorte, folder, catalog) by path. */
  files?: Files;
  /** cowley: the session, e.g. "210325". */
  session?: string;
  /** brainio: the assembly's file name and bytes, and the images by path. */
  assembly?: { name: string; bytes: Uint8Array };
  images?: Files;
  brainio?: BrainioOptions;
  /** catalog: the dataset entry whose files are given. */
  entry?: DatasetEntry;
}

/** The bundle's files for one pack request (not yet validated: read it back with readBundleAsync). */
export async function packFiles(input: PackInput): Promise<Files> {
  const files = () => {
    if (!input.files) throw new UserFacingError(`--kind ${input.kind} needs the dataset's files (--in).`);
    return input.files;
  };
  switch (input.kind) {
    case 'cowley':
      if (!input.session) throw new UserFacingError('--session is required for --kind cowley (e.g. 210325)');
      return cowleyBundle(files(), input.session);
    case 'coggan':
      return cogganBundle(files());
    case 'kriegeskorte':
      return kriegeskorteBundle(files());
    case 'synthetic':
      return syntheticBundle();
    case 'folder':
      return files();
    case 'brainio':
      if (!input.assembly) throw new UserFacingError('--kind brainio needs the assembly (--in x.nc).');
      if (!input.images) throw new UserFacingError('--stimuli (a folder or .zip of the stimulus images) is required for --kind brainio.');
      return brainioBundle(input.assembly.name, input.assembly.bytes, input.images, input.brainio);
    case 'catalog':
      if (!input.entry) throw new UserFacingError('--kind catalog needs --dataset ID.');
      return packDataset(input.entry, files());
  }
}

/** Whether an entry's packer makes a benchmark bundle (fLoc and the localizer are stimulus sets). */
export function makesBundle(entry: DatasetEntry): boolean {
  return entry.packer === 'cowley' || entry.packer === 'brainscore-assembly' || entry.packer === 'language-table';
}

/** A catalog dataset's downloaded files (by DatasetFile.name) → bundle files. */
export async function packDataset(entry: DatasetEntry, files: Files): Promise<Files> {
  const o = entry.packOptions ?? {};
  const str = (k: string) => (o[k] === undefined ? undefined : String(o[k]));
  switch (entry.packer) {
    case 'cowley':
      return cowleyBundle(files, str('session')!);
    case 'brainscore-assembly':
      return brainscoreAssemblyBundle(
        files,
        { assembly: str('assembly')!, stimulusCsv: str('stimulusCsv')!, stimulusZip: str('stimulusZip')! },
        { id: entry.id, name: entry.name, citation: entry.citation, description: entry.description, timeBin: o.timeBin === undefined ? undefined : Number(o.timeBin) },
      );
    case 'language-table':
      return languageTableBundle(files, {
        table: str('table')!,
        sentence: str('sentence'),
        response: str('response'),
        filterColumn: str('filterColumn'),
        filterValue: str('filterValue'),
        region: str('region'),
        id: entry.id,
        name: entry.name,
        citation: entry.citation,
        description: entry.description,
      });
    case 'floc':
    case 'fedorenko-localizer':
      throw new UserFacingError(`${entry.name} is a stimulus set, not a benchmark with responses.`, 'Use its files directly (fetchDatasetFiles; flocImages / fedorenkoLocalizer read them).');
    case null:
    case undefined:
      throw new UserFacingError(`${entry.name} cannot be packed in the browser. ${entry.importOnly ?? ''}`.trim());
  }
}
