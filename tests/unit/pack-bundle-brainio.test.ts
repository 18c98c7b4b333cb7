/**
 * tools/pack-bundle.ts --kind brainio: a BrainIO assembly written by xarray (MultiIndexes reset as BrainIO's
 * write_netcdf does) plus its images become a bundle whose regions read back as xarray's per-region
 * groupby(stimulus_id).mean(), with the images and the .nc carried unchanged.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { zipSync } from 'fflate';
import { PNG } from 'pngjs';
import { afterAll, expect, it } from 'vitest';
import { readBundleZipAsync } from '../../src/core/data/bundle';
import { UserFacingError } from '../../src/core/types';
import { packBundle } from '../../tools/pack-bundle';
import { describeIf } from '../support/ci';
import { hasPythonModules, runPython } from '../support/python';

const NC_MODULES = ['numpy', 'pandas', 'netCDF4', 'xarray'];
const hasNetcdfWriters = hasPythonModules(...NC_MODULES);

const WRITE = `
import netCDF4, pandas as pd, xarray as xr
rng = np.random.default_rng(21)
stim = ['img%02d' % i for i in range(8)]
objects = dict(zip(stim, ['face', 'car'] * 4))
order = [(s, r) for r in range(2) for s in stim]
order = [order[i] for i in rng.permutation(len(order))]
pres = pd.MultiIndex.from_arrays([[s for s, _ in order], [r for _, r in order], [objects[s] for s, _ in order],
                                  ['photos/%s.png' % s for s, _ in order]], names=['stimulus_id', 'repetition', 'object_name', 'filename'])
neu = pd.MultiIndex.from_arrays([['n%d' % i for i in range(5)], ['IT', 'V4', 'IT', 'V4', 'IT']], names=['neuroid_id', 'region'])
tb = pd.MultiIndex.from_arrays([[70, 170], [170, 270]], names=['time_bin_start', 'time_bin_end'])
v = rng.normal(size=(16, 5, 2))
a = xr.DataArray(v, coords={'presentation': pres, 'neuroid': neu, 'time_bin': tb}, dims=['presentation', 'neuroid', 'time_bin'])
a = a.reset_index(list(a.indexes))
ds = a.to_dataset(name='data')
ds.to_netcdf(inp['path'], engine='netcdf4', encoding={k: dict(zlib=True, complevel=1) for k in ds.variables if ds[k].dtype != object})
one = a.isel(time_bin=1)
first = list(pd.unique(one.stimulus_id.values))
regions = {}
for region in ['IT', 'V4']:
    r = one.isel(neuroid=np.flatnonzero(one.region.values == region))
    r = r.assign_coords(stimulus_id=('presentation', r.stimulus_id.values.astype(str)))
    regions[region] = r.groupby('stimulus_id').mean('presentation').sel(stimulus_id=first).transpose('stimulus_id', 'neuroid').values
out = {'stimuli': first, 'regions': regions, 'objects': objects}
`;

function png(seed: number): Uint8Array {
  const image = new PNG({ width: 4, height: 4 });
  image.data.fill(seed * 20);
  return new Uint8Array(PNG.sync.write(image));
}

describeIf(hasNetcdfWriters, 'pack-bundle --kind brainio', () => {
  const dir = mkdtempSync(join(tmpdir(), 'silico-pack-brainio-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const nc = join(dir, 'dicarlo.test2025.nc');
  const ref = runPython<{ stimuli: string[]; regions: Record<string, number[][]>; objects: Record<string, string> }>(WRITE, { path: nc }, NC_MODULES);
  const images = new Map(ref.stimuli.map((id, i) => [id, png(i)]));
  // A folder of <stimulus_id>.png (plus an unrelated file), and a zip laid out as the filename coordinate says.
  mkdirSync(join(dir, 'flat'));
  for (const [id, bytes] of images) writeFileSync(join(dir, 'flat', `${id}.png`), bytes);
  writeFileSync(join(dir, 'flat', 'extra.png'), png(99));
  writeFileSync(join(dir, 'images.zip'), zipSync(Object.fromEntries([...images].map(([id, bytes]) => [`photos/${id}.png`, bytes]))));

  it('the CLI packs assembly + image folder; the bundle reads back as xarray computes it', async () => {
    const out = join(dir, 'flat.zip');
    const root = resolve(import.meta.dirname, '../..');
    const args = ['--kind', 'brainio', '--in', nc, '--stimuli', join(dir, 'flat'), '--time-bin', '1', '--name', 'Test assembly', '--out', out];
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'tools/pack-bundle.ts', ...args], { cwd: root, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('"Test assembly", 8 stimuli, regions: IT (responses, 3 neuroids); V4 (responses, 2 neuroids)');
    const b = await readBundleZipAsync(new Uint8Array(readFileSync(out)));
    expect(b.manifest.id).toBe('dicarlo.test2025');
    expect(b.manifest.stimuli.map((s) => s.id)).toEqual(ref.stimuli);
    expect(b.manifest.stimuli.map((s) => s.labels)).toEqual(ref.stimuli.map((id) => ({ object_name: ref.objects[id], filename: `photos/${id}.png` })));
    expect(b.manifest.regions).toEqual([
      { name: 'IT', kind: 'responses', data: 'dicarlo.test2025.nc', region: 'IT', timeBin: 1 },
      { name: 'V4', kind: 'responses', data: 'dicarlo.test2025.nc', region: 'V4', timeBin: 1 },
    ]);
    expect(b.manifest.metric).toEqual({ method: 'pls', folds: 10, ceiling: 'split-half' });
    for (const region of b.regions) {
      expect(Array.from(region.responses!.data)).toEqual(ref.regions[region.name].flat().map((v) => expect.closeTo(v, 12)));
      expect(region.repeats).toMatchObject({ stimuli: 8, repeats: 2 });
    }
    // Images and the assembly are carried byte for byte; the unrelated image is left out.
    for (const s of b.manifest.stimuli) expect(b.files.get(s.file!)).toEqual(images.get(s.id));
    expect(b.files.get('dicarlo.test2025.nc')).toEqual(new Uint8Array(readFileSync(nc)));
    expect([...b.files.keys()].some((p) => p.includes('extra'))).toBe(false);
  });

  it('file names from --stimulus-file-column, images from a zip', async () => {
    const b = await packBundle({ kind: 'brainio', input: nc, out: join(dir, 'zip.zip'), brainio: { stimuli: join(dir, 'images.zip'), stimulusFileColumn: 'filename', timeBin: 0, method: 'ridge' } });
    expect(b.manifest.stimuli[0]).toEqual({ id: ref.stimuli[0], file: `stimuli/photos/${ref.stimuli[0]}.png`, labels: { object_name: ref.objects[ref.stimuli[0]] } });
    expect(b.manifest.metric.method).toBe('ridge');
    const z = await readBundleZipAsync(new Uint8Array(readFileSync(join(dir, 'zip.zip'))));
    expect(z.regions.map((r) => r.responses!.cols)).toEqual([3, 2]);
  });

  it.each([
    [{ stimuli: 'flat' }, /dicarlo\.test2025\.nc: This assembly has 2 time bins; choose one \(0: 70–170 ms, 1: 170–270 ms\)/],
    [{ stimuli: 'flat', timeBin: 1, stimulusFileColumn: 'path' }, /has no presentation coordinate "path"; it has stimulus_id, repetition, object_name, filename/],
    [{ stimuli: 'images.zip', timeBin: 1, stimulusFileColumn: 'object_name' }, /^8 of 8 stimuli have no image: img0\d \((face|car)\), .* and 3 more\.$/],
  ])('explains what it cannot pack (%#)', async (options, message) => {
    const error = await packBundle({ kind: 'brainio', input: nc, out: join(dir, 'bad.zip'), brainio: { ...options, stimuli: join(dir, options.stimuli) } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserFacingError);
    expect((error as Error).message).toMatch(message);
  });

  it('a missing image is named', async () => {
    rmSync(join(dir, 'flat', `${ref.stimuli[3]}.png`));
    const error = await packBundle({ kind: 'brainio', input: nc, out: join(dir, 'bad.zip'), brainio: { stimuli: join(dir, 'flat'), timeBin: 1 } }).catch((e: unknown) => e);
    expect((error as UserFacingError).message).toBe(`1 of 8 stimuli have no image: ${ref.stimuli[3]} (${ref.stimuli[3]}.<ext>).`);
    expect((error as UserFacingError).hint).toMatch(/--stimulus-file-column/);
  });
});
