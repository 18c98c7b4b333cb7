/**
 * Catalog of public neural datasets the app can fetch at run time, beside the model catalog
 * (src/core/catalog/models.ts). Every file is listed at its real home with the pin its source uses
 * (a commit for GitHub, a versionId and SHA-1 for Brain-Score's S3 bucket). Sources and pins:
 * shared/reference/dataset-sources.md, confirmed where possible against the repositories' file lists.
 *
 * URL layouts (a mirror serves the same paths under one base, see `datasetFileUrl`):
 * - `s3`:         https://brainscore-storage.s3.amazonaws.com/<bucket-folder>/<file>[?versionId=…]
 * - `github-raw`: https://raw.githubusercontent.com/<owner>/<repo>/<commit>/<path>
 * - `hub`:        https://huggingface.co/<repo>/resolve/main/<file>
 * - `evlab`:      https://evlabwebapps.mit.edu/public_data/<path>
 *
 * Plain data: no DOM, no fetch. Downloading is src/core/catalog/fetch-dataset.ts; packing into the
 * bundle format is src/core/data/pack.
 */

export type DatasetHost = 's3' | 'github-raw' | 'hub' | 'evlab';

/** The real hosts. A mirror (tests, an offline classroom server) replaces the origin and keeps the path. */
export const DATASET_HOSTS: Record<DatasetHost, string> = {
  s3: 'https://brainscore-storage.s3.amazonaws.com',
  'github-raw': 'https://raw.githubusercontent.com',
  hub: 'https://huggingface.co',
  evlab: 'https://evlabwebapps.mit.edu',
};

/** How a file can be read in the browser. */
export type FileFormat = 'zip' | 'npy' | 'nc' | 'csv' | 'jpg' | 'json' | 'mat' | 'tar';

/** Formats this app reads in the browser (.nc through h5wasm). .mat and .tar are import-only. */
export const BROWSER_READABLE: ReadonlySet<FileFormat> = new Set(['zip', 'npy', 'nc', 'csv', 'jpg', 'json']);

export interface DatasetFile {
  /** Local name: the key under which fetchDataset returns the bytes and the packer looks them up. */
  name: string;
  host: DatasetHost;
  /** Path under the host (no leading slash), exactly as the real host lays it out. */
  path: string;
  /** S3 object version, where the source pins one. */
  versionId?: string;
  /** Bytes. Exact unless approxSize; undefined when not known before the download. */
  size?: number;
  approxSize?: boolean;
  /** Lower-case hex checksums, where the source publishes one. Verified before anything is cached. */
  sha1?: string;
  sha256?: string;
  format: FileFormat;
}

export type DatasetModality = 'vision' | 'language';

/** Which packer (src/core/data/pack) turns the downloaded files into a benchmark bundle. */
export type PackerId = 'cowley' | 'brainscore-assembly' | 'language-table' | 'fedorenko-localizer' | 'floc';

export interface DatasetEntry {
  id: string;
  name: string;
  modality: DatasetModality;
  /** Recorded regions (vision) or the target measure (language). */
  regions: string[];
  /** Number of stimuli (images or sentences); null when not known before download. */
  stimuli: number | null;
  /** Neuroids (neurons, sites, voxels, fROIs); null when not known; 0 for stimulus-only sets. */
  neuroids: number | null;
  /** One line for students. */
  description: string;
  license: string;
  /** Shown before downloading. */
  citation: string;
  /** Where the files come from, in words (repository, bucket). */
  home: string;
  files: DatasetFile[];
  /** How the files become a bundle in the browser; null when only import works (see importOnly). */
  packer: PackerId | null;
  /** Set when the real files cannot be read in the browser: what to do instead. */
  importOnly?: string;
  /** False when an exact URL (or its pin) could not be checked when this catalog was written. */
  verified: boolean;
  /** What exactly is unverified, or other caveats. */
  note?: string;
  /** The lab this dataset is for. */
  lab: 'predictivity' | 'microstim' | 'language';
  /** Packer options (e.g. the time bin of an assembly, the condition to keep). */
  packOptions?: Record<string, string | number>;
}

// ---------------------------------------------------------------------------------------------
// Cowley et al. 2023, V4 (GitHub cowleygroup/V4_compact_models, GPL-3.0)

export const COWLEY_REPO = 'cowleygroup/V4_compact_models';
export const COWLEY_COMMIT = 'f4552ad9d34a466ebc66658f72a08a8e5038f1cf';
const COWLEY_DIR = `${COWLEY_REPO}/${COWLEY_COMMIT}/data_V4_responses`;
const COWLEY_CITATION =
  'Cowley, B. R., Stan, P. L., Pillow, J. W., & Smith, M. A. (2023). Compact deep neural network models of visual cortex. bioRxiv. Data: github.com/cowleygroup/V4_compact_models (GPL-3.0).';

/** Sessions with an image zip: [session, neurons, images, images zip bytes, averaged responses bytes]. */
const COWLEY_SESSIONS: [string, number, number, number, number][] = [
  ['190923', 33, 1200, 4_024_034, 316_928],
  ['190925', 36, 1200, 3_967_665, 345_728],
  ['190927', 31, 1200, 4_080_631, 297_728],
  ['190928', 24, 1200, 4_186_920, 230_528],
  ['190929', 33, 1200, 3_987_552, 316_928],
  ['210224', 67, 800, 2_782_116, 428_928],
  ['210305', 70, 400, 1_492_118, 224_128],
  ['210322', 59, 1200, 3_785_781, 566_528],
  ['210325', 50, 640, 1_841_475, 256_128],
  ['210621', 51, 1200, 4_109_414, 489_728],
];
/** Sessions whose repeat-by-repeat responses are published (split-half noise ceiling). */
const COWLEY_RAW: Record<string, number> = { '210325': 2_560_128 };

/** The default Predictivity dataset: the session with repeats (a noise ceiling) and a quick size. */
export const DEFAULT_COWLEY_SESSION = '210325';

export function cowleyDatasetId(session: string): string {
  return `cowley2023-v4-${session}`;
}

function cowleyEntry([session, neurons, images, zipBytes, avgBytes]: (typeof COWLEY_SESSIONS)[number]): DatasetEntry {
  const raw = COWLEY_RAW[session];
  const files: DatasetFile[] = [
    { name: `images_${session}.zip`, host: 'github-raw', path: `${COWLEY_DIR}/images/images_${session}.zip`, size: zipBytes, approxSize: true, format: 'zip' },
    { name: `responses_avg_${session}.npy`, host: 'github-raw', path: `${COWLEY_DIR}/responses_repeat_averaged/responses_${session}.npy`, size: avgBytes, approxSize: true, format: 'npy' },
  ];
  if (raw) files.push({ name: `responses_raw_${session}.npy`, host: 'github-raw', path: `${COWLEY_DIR}/responses_raw/responses_${session}.npy`, size: raw, approxSize: true, format: 'npy' });
  return {
    id: cowleyDatasetId(session),
    name: `Cowley 2023 · V4 session ${session}`,
    modality: 'vision',
    regions: ['V4'],
    stimuli: images,
    neuroids: neurons,
    description: `Macaque V4 (Utah array): ${neurons} neurons' repeat-averaged responses to ${images} natural images${raw ? ', with single repeats for a noise ceiling' : ''}.`,
    license: 'GPL-3.0',
    citation: COWLEY_CITATION,
    home: `GitHub ${COWLEY_REPO} @ ${COWLEY_COMMIT.slice(0, 7)}`,
    files,
    packer: 'cowley',
    verified: true,
    note: 'Pinned by commit; sizes are those of the copies used in testing (the repository does not publish checksums).',
    lab: 'predictivity',
    packOptions: { session },
  };
}

export const COWLEY_DATASETS: DatasetEntry[] = COWLEY_SESSIONS.map(cowleyEntry);

// ---------------------------------------------------------------------------------------------
// Brain-Score vision: public assemblies and their stimulus sets (S3, SHA-1 pinned)

const BS = 'brainio-brainscore';
const BRAINSCORE_HOME = 'Brain-Score S3 bucket brainscore-storage/brainio-brainscore';
const S3_NOTE = 'The bucket sends no CORS headers in its code: if your browser is refused, download the three files yourself and import them.';

export const BRAINSCORE_VISION_DATASETS: DatasetEntry[] = [
  {
    id: 'majajhong2015-public',
    name: 'MajajHong2015 public · V4 and IT',
    modality: 'vision',
    regions: ['V4', 'IT'],
    stimuli: null,
    neuroids: 256,
    description: 'Macaque V4 (88 sites) and IT (168 sites) multi-unit responses to the public half of the HvM object images (Brain-Score).',
    license: 'Data licence not stated (Brain-Score code MIT)',
    citation:
      'Majaj, N. J., Hong, H., Solomon, E. A., & DiCarlo, J. J. (2015). Simple learned weighted sums of inferior temporal neuronal firing rates accurately predict human core object recognition performance. J. Neurosci. 35(39).',
    home: BRAINSCORE_HOME,
    files: [
      { name: 'assy_dicarlo_MajajHong2015_public.nc', host: 's3', path: `${BS}/assy_dicarlo_MajajHong2015_public.nc`, sha1: '13d28ca0ce88ee550b54db3004374ae19096e9b9', format: 'nc' },
      { name: 'stimulus_hvm-public.csv', host: 's3', path: `${BS}/stimulus_hvm-public.csv`, sha1: '5ca7a3da00d8e9c694a9cd725df5ba0ad6d735af', format: 'csv' },
      { name: 'stimulus_hvm-public.zip', host: 's3', path: `${BS}/stimulus_hvm-public.zip`, sha1: '8aa44e038d7b551efa8077467622f9d48d72e473', format: 'zip' },
    ],
    packer: 'brainscore-assembly',
    verified: false,
    note: `Sizes and the number of public images are not published in the code (the public half of the HvM set; 88 V4 + 168 IT sites per Brain-Score's tests). ${S3_NOTE}`,
    lab: 'predictivity',
    packOptions: { assembly: 'assy_dicarlo_MajajHong2015_public.nc', stimulusCsv: 'stimulus_hvm-public.csv', stimulusZip: 'stimulus_hvm-public.zip', timeBin: 0 },
  },
  {
    id: 'freemanziemba2013-public',
    name: 'FreemanZiemba2013 public · V1 and V2',
    modality: 'vision',
    regions: ['V1', 'V2'],
    stimuli: 315,
    neuroids: 205,
    description: 'Macaque V1 (102) and V2 (103) single units responding to naturalistic textures and spectrally matched noise (Brain-Score public half).',
    license: 'Data licence not stated (Brain-Score code MIT)',
    citation:
      'Freeman, J., Ziemba, C. M., Heeger, D. J., Simoncelli, E. P., & Movshon, J. A. (2013). A functional and perceptual signature of the second visual area in primates. Nat. Neurosci. 16(7).',
    home: BRAINSCORE_HOME,
    files: [
      {
        name: 'assy_movshon_FreemanZiemba2013_public.nc',
        host: 's3',
        path: `${BS}/assy_movshon_FreemanZiemba2013_public.nc`,
        versionId: 'W2vx7jdh9utZdVumHHarXa4L1zOrA8Fd',
        sha1: '761c08f796db4e342555cdb60eef23a4f19ead43',
        format: 'nc',
      },
      { name: 'stimulus_FreemanZiemba2013_aperture-public.csv', host: 's3', path: `${BS}/stimulus_FreemanZiemba2013_aperture-public.csv`, sha1: '194c9b301a4e3e9cff02481d4c19b39331d52660', format: 'csv' },
      { name: 'stimulus_FreemanZiemba2013_aperture-public.zip', host: 's3', path: `${BS}/stimulus_FreemanZiemba2013_aperture-public.zip`, sha1: '3a6fec1fc28c212882d6833e267ea8654d289611', format: 'zip' },
    ],
    packer: 'brainscore-assembly',
    verified: false,
    note: `The assembly has 10 ms time bins; Brain-Score averages 50–200 ms, this packer takes the time bin in packOptions. Sizes not published. ${S3_NOTE}`,
    lab: 'predictivity',
    packOptions: { assembly: 'assy_movshon_FreemanZiemba2013_public.nc', stimulusCsv: 'stimulus_FreemanZiemba2013_aperture-public.csv', stimulusZip: 'stimulus_FreemanZiemba2013_aperture-public.zip' },
  },
  {
    id: 'coggan2024-fmri',
    name: 'Coggan & Tong 2024 · fMRI occlusion RSMs',
    modality: 'vision',
    regions: ['V1', 'V2', 'V4', 'IT'],
    stimuli: 24,
    neuroids: null,
    description: '24 images (8 objects × complete / upper / lower occlusion); human fMRI similarity matrices for V1, V2, V4 and IT (RSA benchmark).',
    license: 'Data licence not stated (Brain-Score code MIT)',
    citation:
      'Coggan, D. D., & Tong, F. (2024). Evidence of strong amodal completion in both early and high-level visual cortices. Brain-Score benchmark Coggan2024_fMRI.',
    home: BRAINSCORE_HOME,
    files: [
      { name: 'assy_tong_Coggan2024_fMRI.nc', host: 's3', path: `${BS}/assy_tong_Coggan2024_fMRI.nc`, versionId: 'LRYpTHYG7IoNCexbzZdQM4_LjML_M3CS', sha1: 'da3adbca5247d0491d366f94e8431fb3e4e58db2', format: 'nc' },
      { name: 'stimulus_tong_Coggan2024_fMRI.csv', host: 's3', path: `${BS}/stimulus_tong_Coggan2024_fMRI.csv`, versionId: 'kAS9zqRPf7zmLCN73I2VB5gBvhrZoU0p', sha1: '0089f5f8fd3f2de14de12ed736a0f88575f8e1ee', format: 'csv' },
      { name: 'stimulus_tong_Coggan2024_fMRI.zip', host: 's3', path: `${BS}/stimulus_tong_Coggan2024_fMRI.zip`, versionId: 'jmiuKdlsh6.1suR_5FvLFDyg.PCzEZTn', sha1: 'e26fdea4d866799526dea183f5bfb9792718822a', format: 'zip' },
    ],
    packer: null,
    importOnly:
      'The files download and verify in the browser, but the assembly is a (region × subject) similarity-matrix array this version cannot pack in the browser yet: pack it with `silico pack --kind coggan` and import the bundle.',
    verified: true,
    note: S3_NOTE,
    lab: 'predictivity',
  },
];

// ---------------------------------------------------------------------------------------------
// Kriegeskorte et al. 2008, 92 images (rsatoolbox demo data, MATLAB files)

const RSATOOLBOX = 'rsagroup/rsatoolbox/f1f83cadb7243492a1aae7460466e0f0140b20ac/demos/92imageData';

export const KRIEGESKORTE_DATASET: DatasetEntry = {
  id: 'kriegeskorte2008-92',
  name: 'Kriegeskorte 2008 · 92 images, IT RDMs',
  modality: 'vision',
  regions: ['IT (monkey)', 'IT (human)'],
  stimuli: 92,
  neuroids: null,
  description: 'The classic 92 object images with dissimilarity matrices from 674 monkey IT neurons and 316 human IT voxels (RSA).',
  license: 'MIT (rsatoolbox demo data); images from Kiani et al. 2007 — cite the paper',
  citation:
    'Kriegeskorte, N., Mur, M., Ruff, D. A., Kiani, R., Bodurka, J., Esteky, H., Tanaka, K., & Bandettini, P. A. (2008). Matching categorical object representations in inferior temporal cortex of man and monkey. Neuron 60(6).',
  home: 'GitHub rsagroup/rsatoolbox demos/92imageData @ f1f83ca',
  files: [
    { name: 'Kriegeskorte_Neuron2008_supplementalData.mat', host: 'github-raw', path: `${RSATOOLBOX}/Kriegeskorte_Neuron2008_supplementalData.mat`, format: 'mat' },
    { name: '92_brainRDMs.mat', host: 'github-raw', path: `${RSATOOLBOX}/92_brainRDMs.mat`, format: 'mat' },
  ],
  packer: null,
  importOnly:
    'The real home holds MATLAB .mat files, which this app cannot read in the browser. Convert them once (`silico pack --kind kriegeskorte --in <folder with data.json and stimuli/>`) and import the bundle.',
  verified: true,
  note: 'File names confirmed in the repository listing; sizes not recorded.',
  lab: 'predictivity',
};

// ---------------------------------------------------------------------------------------------
// fLoc (Stigliani et al. 2015), GitHub VPNL/fLoc

export const FLOC_COMMIT = 'de6a26cc269a2c7075461a4c839bfd628f225c95';
export const FLOC_FACE_CATEGORIES = ['adult', 'child'] as const;
export const FLOC_NONFACE_CATEGORIES = ['body', 'limb', 'car', 'instrument', 'house', 'corridor', 'word', 'number', 'scrambled'] as const;
export const FLOC_CATEGORIES = [...FLOC_FACE_CATEGORIES, ...FLOC_NONFACE_CATEGORIES] as const;
export const FLOC_PER_CATEGORY = 144;

/** File name (local key) of fLoc image i (1-based) of a category: "<category>/<category>-<i>.jpg". */
export function flocFileName(category: string, i: number): string {
  return `${category}/${category}-${i}.jpg`;
}

export const FLOC_DATASET: DatasetEntry = {
  id: 'floc',
  name: 'fLoc category localizer images',
  modality: 'vision',
  regions: [],
  stimuli: FLOC_CATEGORIES.length * FLOC_PER_CATEGORY,
  neuroids: 0,
  description: '11 categories × 144 grayscale images: faces (adult, child) and non-faces (bodies, limbs, cars, instruments, houses, corridors, words, numbers, scrambled). Stimuli only.',
  license: 'No licence file in the repository — cite the paper',
  citation:
    'Stigliani, A., Weiner, K. S., & Grill-Spector, K. (2015). Temporal processing capacity in high-level visual cortex is domain specific. J. Neurosci. 35(36). Stimuli: github.com/VPNL/fLoc.',
  home: `GitHub VPNL/fLoc @ ${FLOC_COMMIT.slice(0, 7)}`,
  files: FLOC_CATEGORIES.flatMap((c) =>
    Array.from({ length: FLOC_PER_CATEGORY }, (_, k): DatasetFile => ({
      name: flocFileName(c, k + 1),
      host: 'github-raw',
      path: `VPNL/fLoc/${FLOC_COMMIT}/stimuli/${c}/${c}-${k + 1}.jpg`,
      size: 195_000_000 / (FLOC_CATEGORIES.length * FLOC_PER_CATEGORY),
      approxSize: true,
      format: 'jpg',
    })),
  ),
  packer: 'floc',
  verified: true,
  note: 'About 195 MB in all; fetch a subset with the `files` option (e.g. flocSubset(24)). No checksums published; pinned by commit.',
  lab: 'microstim',
};

/** File names of the first n images of each category (for a quick face / non-face set). */
export function flocSubset(perCategory: number, categories: readonly string[] = FLOC_CATEGORIES): string[] {
  const n = Math.max(1, Math.min(FLOC_PER_CATEGORY, Math.floor(perCategory)));
  return categories.flatMap((c) => Array.from({ length: n }, (_, k) => flocFileName(c, k + 1)));
}

// ---------------------------------------------------------------------------------------------
// Language

const MMB = 'Andrea-de-Varda/multilingual-models-brain/6bc237d9477155387c8f1ddf28cefd5ad812996a/additional_analyses';
const BRAINSCORE_LANGUAGE = 'brain-score/language';

export const LANGUAGE_DATASETS: DatasetEntry[] = [
  {
    id: 'tuckute2024-baseline',
    name: 'Tuckute 2024 · 1,000 baseline sentences',
    modality: 'language',
    regions: ['LH language network'],
    stimuli: 1000,
    neuroids: 1,
    description: "The 1,000 baseline sentences with the left-hemisphere language network's fMRI response (z-scored, averaged over fROIs and participants).",
    license: 'MIT (gretatuckute/drive_suppress_brains; table via Andrea-de-Varda/multilingual-models-brain) — cite the paper',
    citation:
      'Tuckute, G., Sathe, A., Srikant, S., Taliaferro, M., Wang, M., Schrimpf, M., Kay, K., & Fedorenko, E. (2024). Driving and suppressing the human language network using large language models. Nat. Hum. Behav. 8.',
    home: 'GitHub Andrea-de-Varda/multilingual-models-brain @ 6bc237d',
    files: [{ name: 'tuckute_averaged.csv', host: 'github-raw', path: `${MMB}/control/tuckute_averaged.csv`, size: 114_405, approxSize: true, format: 'csv' }],
    packer: 'language-table',
    verified: true,
    note: 'The table also holds the drive (D) and suppress (S) sentences; the packer keeps cond = B. Alternative home: Brain-Score language assy_Tuckute2024_language.nc (sha1 5c8fc7f3…).',
    lab: 'language',
    packOptions: { table: 'tuckute_averaged.csv', sentence: 'Sentence', response: 'EffectSize', filterColumn: 'cond', filterValue: 'B', region: 'LH language network' },
  },
  {
    id: 'pereira2018',
    name: 'Pereira 2018 · 627 sentences',
    modality: 'language',
    regions: ['language network'],
    stimuli: 627,
    neuroids: 1,
    description: 'Sentences of Pereira et al. 2018 (experiments 2 and 3) with the language-network response averaged over voxels and participants.',
    license: 'Not stated (via Andrea-de-Varda/multilingual-models-brain) — cite the paper',
    citation:
      'Pereira, F., Lou, B., Pritchett, B., Ritter, S., Gershman, S. J., Kanwisher, N., Botvinick, M., & Fedorenko, E. (2018). Toward a universal decoder of linguistic meaning from brain activation. Nat. Commun. 9.',
    home: 'GitHub Andrea-de-Varda/multilingual-models-brain @ 6bc237d',
    files: [{ name: 'pereira_averaged.csv', host: 'github-raw', path: `${MMB}/pereira/pereira_averaged.csv`, size: 53_692, format: 'csv' }],
    packer: 'language-table',
    verified: true,
    note: 'Alternative home (voxel-level, 13,553 voxels): Brain-Score language assy_Pereira2018_language.nc (sha1 f8434b40…).',
    lab: 'language',
    packOptions: { table: 'pereira_averaged.csv', sentence: 'Sentence', response: 'EffectSize', region: 'language network' },
  },
  {
    id: 'fedorenko2010-localizer',
    name: 'Fedorenko 2010 · language localizer',
    modality: 'language',
    regions: ['sentences > nonwords'],
    stimuli: 480,
    neuroids: 0,
    description: 'The standard reading localizer: 240 sentences and 240 nonword strings of 12 words, used to find language-selective units.',
    license: 'MIT (brain-score/language)',
    citation:
      'Fedorenko, E., Hsieh, P.-J., Nieto-Castañón, A., Whitfield-Gabrieli, S., & Kanwisher, N. (2010). New method for fMRI investigations of language: defining ROIs functionally in individual subjects. J. Neurophysiol. 104(2).',
    home: 'GitHub brain-score/language brainscore_language/data/fedorenko2010_localization',
    files: (
      [
        ['run1_stim_set1', '2685bb8a0865eb926e080875088555887f936b84', 3416],
        ['run1_stim_set2', 'ea5a6d82a3eda2c34148c3044bd9dd2bd82bdf7a', 3469],
        ['run1_stim_set3', 'ea5a6d82a3eda2c34148c3044bd9dd2bd82bdf7a', 3520],
        ['run1_stim_set4', 'c505c70f75348db759b9c342ddda1277b4299a49', 3492],
        ['run1_stim_set5', '2685bb8a0865eb926e080875088555887f936b84', 3454],
        ['run2_stim_set1', 'ea5a6d82a3eda2c34148c3044bd9dd2bd82bdf7a', 3512],
        ['run2_stim_set2', '2685bb8a0865eb926e080875088555887f936b84', 3553],
        ['run2_stim_set3', 'ea5a6d82a3eda2c34148c3044bd9dd2bd82bdf7a', 3569],
        ['run2_stim_set4', 'ea5a6d82a3eda2c34148c3044bd9dd2bd82bdf7a', 3470],
        ['run2_stim_set5', 'ea5a6d82a3eda2c34148c3044bd9dd2bd82bdf7a', 3494],
      ] as const
    ).map(([set, commit, size]): DatasetFile => ({
      name: `langloc_fmri_${set}.csv`,
      host: 'github-raw',
      path: `${BRAINSCORE_LANGUAGE}/${commit}/brainscore_language/data/fedorenko2010_localization/langloc_fmri_${set}.csv`,
      size,
      approxSize: true,
      format: 'csv',
    })),
    packer: 'fedorenko-localizer',
    verified: true,
    note: 'Each file is pinned to a commit at which it is stored; sizes are those of the copies used in testing.',
    lab: 'language',
  },
];

export const DATASETS: DatasetEntry[] = [...COWLEY_DATASETS, ...BRAINSCORE_VISION_DATASETS, KRIEGESKORTE_DATASET, FLOC_DATASET, ...LANGUAGE_DATASETS];

export function findDataset(id: string): DatasetEntry | undefined {
  return DATASETS.find((d) => d.id === id);
}

/** Download size in bytes over the given files (all by default); `known` false when a size is missing. */
export function datasetDownloadBytes(entry: DatasetEntry, fileNames?: readonly string[]): { bytes: number; approx: boolean; known: boolean } {
  const files = fileNames ? entry.files.filter((f) => fileNames.includes(f.name)) : entry.files;
  let bytes = 0;
  let approx = false;
  let known = true;
  for (const f of files) {
    if (f.size === undefined) known = false;
    else bytes += f.size;
    if (f.approxSize) approx = true;
  }
  return { bytes: Math.round(bytes), approx, known };
}

/** Whether the browser can read every file of the entry (else it offers import). */
export function browserReadable(entry: DatasetEntry): boolean {
  return entry.files.every((f) => BROWSER_READABLE.has(f.format));
}

export interface DatasetUrlOptions {
  /**
   * One base URL serving every host's path layout (like transformers.js `env.remoteHost`): tests'
   * local mirror, a classroom server. Replaces the host's origin; the path (and versionId) stay.
   */
  mirror?: string | null;
  /** Per-host base overrides (take precedence over mirror). */
  hosts?: Partial<Record<DatasetHost, string>>;
}

/** The URL a file is fetched from. */
export function datasetFileUrl(file: DatasetFile, options: DatasetUrlOptions = {}): string {
  const base = (options.hosts?.[file.host] ?? options.mirror ?? DATASET_HOSTS[file.host]).replace(/\/+$/, '');
  const query = file.versionId ? `?versionId=${encodeURIComponent(file.versionId)}` : '';
  return `${base}/${file.path}${query}`;
}

/** The file's URL at its real home (what the catalog shows). */
export function datasetFileHomeUrl(file: DatasetFile): string {
  return datasetFileUrl(file);
}
