/**
 * Adapters from the native layouts of the shared vision datasets to benchmark bundles
 * (docs/bundle-format.md). Input and output are path → bytes maps, so they run in workers and Node.
 */
import { unzipSync } from 'fflate';
import { UserFacingError } from '../types';
import { BUNDLE_FORMAT, type BenchmarkManifest } from './bundle';
import { readNpy, writeNpy } from './npy';

type Files = Map<string, Uint8Array>;

function need(files: Files, path: string): Uint8Array {
  const b = files.get(path);
  if (!b) throw new UserFacingError(`${path} is missing from the dataset folder.`);
  return b;
}

function withManifest(files: Files, manifest: BenchmarkManifest): Files {
  files.set('benchmark.json', new TextEncoder().encode(JSON.stringify(manifest, null, 1)));
  return files;
}

function readJson<T>(files: Files, path: string): T {
  try {
    return JSON.parse(new TextDecoder().decode(need(files, path))) as T;
  } catch (e) {
    if (e instanceof UserFacingError) throw e;
    throw new UserFacingError(`${path} is not valid JSON.`);
  }
}

/**
 * Cowley et al. 2023 V4 session S: `images_S.zip` (JPEGs in response order), `responses_avg_S.npy`
 * [neurons, images], optional `responses_raw_S.npy` [neurons, images, repeats] (NaN-padded).
 */
export function cowleyBundle(native: Files, session: string): Files {
  const avg = readNpy(need(native, `responses_avg_${session}.npy`), `responses_avg_${session}.npy`);
  if (avg.shape.length !== 2) throw new UserFacingError(`responses_avg_${session}.npy must be [neurons, images].`);
  const [neurons, images] = avg.shape;
  const zipped = unzipSync(need(native, `images_${session}.zip`));
  const names = Object.keys(zipped).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort();
  if (names.length !== images) throw new UserFacingError(`images_${session}.zip has ${names.length} images but the responses cover ${images}.`);
  const files: Files = new Map();
  const stimuli = names.map((n) => {
    const base = n.split('/').pop()!;
    const file = `stimuli/${base}`;
    files.set(file, zipped[n]);
    return { id: base.replace(/\.[^.]+$/, ''), file };
  });
  const responses = new Float64Array(images * neurons);
  for (let n = 0; n < neurons; n++) for (let i = 0; i < images; i++) responses[i * neurons + n] = avg.data[n * images + i];
  files.set('responses_V4.npy', writeNpy(responses, [images, neurons]));
  const rawName = `responses_raw_${session}.npy`;
  const hasRaw = native.has(rawName);
  if (hasRaw) files.set('repeats_V4.npy', need(native, rawName)); // already [neuroids, stimuli, repeats]
  return withManifest(files, {
    format: BUNDLE_FORMAT,
    id: `cowley2023-v4-${session}`,
    name: `Cowley 2023 · V4 session ${session}`,
    citation: 'Cowley, B. R., et al. (2023). Compact deep neural network models of visual cortex. bioRxiv. Data: cowleygroup/V4_compact_models (GPL-3.0).',
    description: `Macaque V4 Utah-array responses (spike counts / 100 ms) to ${images} natural images, ${neurons} neurons.`,
    modality: 'vision',
    synthetic: false,
    stimuli,
    regions: [
      {
        name: 'V4',
        kind: 'responses',
        data: 'responses_V4.npy',
        neuroids: Array.from({ length: neurons }, (_, i) => `${session}-n${i}`),
        ...(hasRaw ? { repeats: 'repeats_V4.npy' } : {}),
      },
    ],
    metric: { method: 'pls', folds: 10, ceiling: hasRaw ? 'split-half' : 'none' },
  });
}

/** Coggan & Tong 2024 fMRI: `rsm.json` (stimulus_ids, regions.{V1,V2,V4,IT} = subjects × 24 × 24 similarity) + stimuli/. */
export function cogganBundle(native: Files): Files {
  const json = readJson<{ stimulus_ids: string[]; regions: Record<string, number[][][]> }>(native, 'rsm.json');
  const files: Files = new Map();
  const stimuli = json.stimulus_ids.map((id) => {
    const file = [...native.keys()].find((p) => p.startsWith('stimuli/') && p.slice(8).replace(/\.[^.]+$/, '') === id);
    if (!file) throw new UserFacingError(`rsm.json lists stimulus ${id} but stimuli/ has no image for it.`);
    files.set(file, native.get(file)!);
    return { id, file };
  });
  const n = stimuli.length;
  const regions = Object.entries(json.regions).map(([name, subjects]) => {
    const data = `rsm_${name}.npy`;
    files.set(data, writeNpy(subjects.flat(2), [subjects.length, n, n]));
    return { name, kind: 'rsm' as const, data, subjects: subjects.map((_, i) => `subject ${i + 1}`) };
  });
  return withManifest(files, {
    format: BUNDLE_FORMAT,
    id: 'coggan2024-fmri',
    name: 'Coggan & Tong 2024 · fMRI occlusion RSMs',
    citation: 'Coggan, D. D., & Tong, F. (2024). Evidence of strong amodal completion in both early and high-level visual cortices. Brain-Score benchmark Coggan2024_fMRI (brain-score/vision, MIT).',
    description: '24 stimuli (8 objects × complete/upper/lower occlusion); per-subject cross-run similarity matrices for V1, V2, V4 and IT.',
    modality: 'vision',
    synthetic: false,
    stimuli,
    regions,
    metric: { method: 'rsa', comparison: 'pearson', rdmMetric: 'correlation', ceiling: 'leave-one-subject-out', ceilingTransform: 'squared-ratio' },
  });
}

/** Kriegeskorte et al. 2008, 92 images: `data.json` (monkey and human IT RDMs, category labels) + stimuli/. */
export function kriegeskorteBundle(native: Files): Files {
  const json = readJson<{
    stimulus_ids: string[];
    category: string[];
    face: number[];
    human: number[];
    animal: number[];
    rdm_monkey_it_674neurons: number[][];
    rdm_human_it_316voxels: number[][];
  }>(native, 'data.json');
  const files: Files = new Map();
  const stimuli = json.stimulus_ids.map((id, i) => {
    const file = [...native.keys()].find((p) => p.startsWith('stimuli/') && p.slice(8).replace(/\.[^.]+$/, '') === id);
    if (!file) throw new UserFacingError(`data.json lists stimulus ${id} but stimuli/ has no image for it.`);
    files.set(file, native.get(file)!);
    return { id, file, labels: { category: json.category[i], face: json.face[i], human: json.human[i], animal: json.animal[i] } };
  });
  const n = stimuli.length;
  files.set('rdm_IT_monkey.npy', writeNpy(json.rdm_monkey_it_674neurons.flat(), [n, n]));
  files.set('rdm_IT_human.npy', writeNpy(json.rdm_human_it_316voxels.flat(), [n, n]));
  return withManifest(files, {
    format: BUNDLE_FORMAT,
    id: 'kriegeskorte2008-92',
    name: 'Kriegeskorte 2008 · 92 images, IT RDMs',
    citation: 'Kriegeskorte, N., et al. (2008). Matching categorical object representations in inferior temporal cortex of man and monkey. Neuron 60(6). Images from Kiani et al. 2007; data via rsagroup/rsatoolbox (MIT).',
    description: '92 object images; IT dissimilarity (1 − r) from 674 monkey neurons and 316 human fMRI voxels.',
    modality: 'vision',
    synthetic: false,
    stimuli,
    regions: [
      { name: 'IT (monkey)', kind: 'rdm', data: 'rdm_IT_monkey.npy' },
      { name: 'IT (human)', kind: 'rdm', data: 'rdm_IT_human.npy' },
    ],
    metric: { method: 'rsa', comparison: 'kendall', rdmMetric: 'correlation', ceiling: 'none' },
  });
}
