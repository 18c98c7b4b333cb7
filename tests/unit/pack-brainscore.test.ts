/**
 * The browser path for Brain-Score's public assemblies: files served under the S3 layout
 * (brainio-brainscore/assy_*.nc?versionId=…, stimulus_*.csv / .zip), SHA-1 verified, packed in core by the
 * brainscore-assembly packer; the regions read back as xarray's per-region groupby(stimulus_id).mean().
 * Also the hub layout (<repo>/resolve/main/<file>) through the same mirror.
 */
import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DatasetEntry } from '../../src/core/catalog/datasets';
import { fetchDataset, fetchDatasetBundle } from '../../src/core/catalog/fetch-dataset';
import { readBundleAsync } from '../../src/core/data/bundle';
import { describeIf } from '../support/ci';
import { hasPythonModules, runPython } from '../support/python';
import { hasSharedFiles, sharedPath } from '../support/shared';
import { startServer, type TestServer } from '../support/server';

const NC_MODULES = ['numpy', 'pandas', 'netCDF4', 'xarray'];
const hasNetcdfWriters = hasPythonModules(...NC_MODULES);

const WRITE = `
import netCDF4, pandas as pd, xarray as xr
rng = np.random.default_rng(5)
stim = ['a%03d' % i for i in range(6)]
order = [(s, r) for r in range(3) for s in stim]
order = [order[i] for i in rng.permutation(len(order))]
pres = pd.MultiIndex.from_arrays([[s for s, _ in order], [r for _, r in order]], names=['stimulus_id', 'repetition'])
neu = pd.MultiIndex.from_arrays([['n%d' % i for i in range(4)], ['V4', 'IT', 'IT', 'V4']], names=['neuroid_id', 'region'])
tb = pd.MultiIndex.from_arrays([[70], [170]], names=['time_bin_start', 'time_bin_end'])
a = xr.DataArray(rng.normal(size=(18, 4, 1)), coords={'presentation': pres, 'neuroid': neu, 'time_bin': tb}, dims=['presentation', 'neuroid', 'time_bin'])
a = a.reset_index(list(a.indexes))
a.to_dataset(name='data').to_netcdf(inp['path'], engine='netcdf4')
one = a.isel(time_bin=0)
first = list(pd.unique(one.stimulus_id.values))
regions = {}
for region in ['IT', 'V4']:
    r = one.isel(neuroid=np.flatnonzero(one.region.values == region))
    r = r.assign_coords(stimulus_id=('presentation', r.stimulus_id.values.astype(str)))
    regions[region] = r.groupby('stimulus_id').mean('presentation').sel(stimulus_id=first).transpose('stimulus_id', 'neuroid').values
out = {'stimuli': first, 'regions': regions}
`;

const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

describeIf(hasNetcdfWriters, 'Brain-Score S3 layout → brainscore-assembly packer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'silico-pack-bs-'));
  const nc = join(dir, 'assy.nc');
  const ref = runPython<{ stimuli: string[]; regions: Record<string, number[][]> }>(WRITE, { path: nc }, NC_MODULES);
  const png = (v: number) => {
    const im = new PNG({ width: 2, height: 2 });
    im.data.fill(v);
    return new Uint8Array(PNG.sync.write(im));
  };
  // The stimulus CSV names each image; the zip holds them under those names (not the ids).
  const csv = new TextEncoder().encode(['stimulus_id,filename,object_name', ...ref.stimuli.map((id, i) => `${id},img_${i}.png,obj${i % 2}`)].join('\n'));
  const zip = zipSync(Object.fromEntries(ref.stimuli.map((_, i) => [`img_${i}.png`, png(i * 30)])));
  const assembly = new Uint8Array(readFileSync(nc));
  const entry: DatasetEntry = {
    id: 'test-brainscore', name: 'Test assembly', modality: 'vision', regions: ['IT', 'V4'], stimuli: 6, neuroids: 4, description: 'test',
    license: 'test', citation: 'test citation for a generated assembly', home: 'test', lab: 'predictivity', verified: true, packer: 'brainscore-assembly',
    files: [
      { name: 'assy_test.nc', host: 's3', path: 'brainio-brainscore/assy_test.nc', versionId: 'abc.DEF_1', sha1: sha1(assembly), format: 'nc' },
      { name: 'stimulus_test.csv', host: 's3', path: 'brainio-brainscore/stimulus_test.csv', sha1: sha1(csv), size: csv.byteLength, format: 'csv' },
      { name: 'stimulus_test.zip', host: 's3', path: 'brainio-brainscore/stimulus_test.zip', sha1: sha1(zip), format: 'zip' },
    ],
    packOptions: { assembly: 'assy_test.nc', stimulusCsv: 'stimulus_test.csv', stimulusZip: 'stimulus_test.zip' },
  };
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
    server.addMirrorFile('brainio-brainscore/assy_test.nc', assembly);
    server.addMirrorFile('brainio-brainscore/stimulus_test.csv', csv);
    server.addMirrorFile('brainio-brainscore/stimulus_test.zip', zip);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('downloads (S3 paths with versionId), verifies SHA-1, packs and reads back as xarray computes it', async () => {
    const { bundle } = await fetchDatasetBundle(entry, { mirror: server.mirror, cache: null, bundles: null });
    expect(server.mirrorRequests.slice(-3)).toEqual(['/brainio-brainscore/assy_test.nc', '/brainio-brainscore/stimulus_test.csv', '/brainio-brainscore/stimulus_test.zip']);
    const b = await readBundleAsync(bundle);
    expect(b.manifest.id).toBe('test-brainscore');
    expect(b.manifest.citation).toBe('test citation for a generated assembly');
    expect(b.manifest.stimuli.map((s) => s.id)).toEqual(ref.stimuli);
    // Each stimulus got the image the CSV names.
    ref.stimuli.forEach((id, i) => expect(b.files.get(b.manifest.stimuli[i].file!)).toEqual(png(i * 30)));
    for (const region of b.regions) {
      expect(Array.from(region.responses!.data)).toEqual(ref.regions[region.name].flat().map((v) => expect.closeTo(v, 12)));
      expect(region.repeats).toMatchObject({ stimuli: 6, repeats: 3 });
    }
  });

  it('a wrong SHA-1 on the assembly stops before packing', async () => {
    const bad: DatasetEntry = { ...entry, files: entry.files.map((f, i) => (i === 0 ? { ...f, sha1: sha1(csv) } : f)) };
    await expect(fetchDatasetBundle(bad, { mirror: server.mirror, cache: null, bundles: null })).rejects.toThrow(/assy_test\.nc is corrupted: its SHA-1 checksum does not match/);
  });

  it.skipIf(!hasSharedFiles('models/gpt2-tokenizer/tokenizer.json'))('hub layout through the same mirror', async () => {
    const tok: DatasetEntry = { ...entry, id: 'hub-test', packer: null, files: [{ name: 'tokenizer.json', host: 'hub', path: 'Xenova/gpt2/resolve/main/tokenizer.json', format: 'json' }] };
    const got = await fetchDataset(tok, { mirror: server.mirror, cache: null });
    expect(Buffer.from(got.files.get('tokenizer.json')!).equals(readFileSync(sharedPath('models/gpt2-tokenizer/tokenizer.json')))).toBe(true);
  });
});
