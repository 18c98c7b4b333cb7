import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT, readBundle, readBundleAsync, readBundleZipAsync, zipBundle } from '../../src/core/data/bundle';
import { splitHalfReliability } from '../../src/core/metrics/ceiling';
import { assemblyResponses, readNetcdfAssembly } from '../../src/core/data/netcdf';
import { writeNpy } from '../../src/core/data/npy';
import { UserFacingError } from '../../src/core/types';
import { hasPythonModules, nanArray, runPython } from '../support/python';
import { describeIf } from '../support/ci';

/** Write a small BrainIO-like NetCDF4 (HDF5 with dimension scales, as xarray/netCDF4 write it) with h5wasm. */
async function brainioLikeFile(): Promise<Uint8Array> {
  const { FS } = await h5wasm.ready;
  const path = '/test-assembly.nc';
  const f = new h5wasm.File(path, 'w');
  f.create_dataset({ name: 'presentation', data: new Float64Array([0, 1, 2]) });
  f.create_dataset({ name: 'neuroid', data: new Float64Array([0, 1]) });
  f.get('presentation');
  (f.get('presentation') as InstanceType<typeof h5wasm.Dataset>).make_scale('presentation');
  (f.get('neuroid') as InstanceType<typeof h5wasm.Dataset>).make_scale('neuroid');
  f.create_dataset({ name: 'stimulus_id', data: ['im_a', 'im_b', 'im_c'] });
  f.create_dataset({ name: 'neuroid_id', data: ['n1', 'n2'] });
  f.create_dataset({ name: 'repetition', data: new Int32Array([0, 0, 1]) });
  const values = new Float64Array([1.5, 2, NaN, 4, 5, 6.25]);
  f.create_dataset({ name: '__xarray_dataarray_variable__', data: values, shape: [3, 2] });
  const data = f.get('__xarray_dataarray_variable__') as InstanceType<typeof h5wasm.Dataset>;
  data.attach_scale(0, 'presentation');
  data.attach_scale(1, 'neuroid');
  (f.get('stimulus_id') as InstanceType<typeof h5wasm.Dataset>).attach_scale(0, 'presentation');
  (f.get('neuroid_id') as InstanceType<typeof h5wasm.Dataset>).attach_scale(0, 'neuroid');
  f.close();
  const bytes = FS.readFile(path) as Uint8Array;
  FS.unlink(path);
  return bytes;
}

describe('readNetcdfAssembly', () => {
  it('reads data, dimension names and coordinates of a NetCDF4/HDF5 assembly', async () => {
    const a = await readNetcdfAssembly(await brainioLikeFile());
    expect(a.variable).toBe('__xarray_dataarray_variable__');
    expect(a.dims).toEqual(['presentation', 'neuroid']);
    expect(a.shape).toEqual([3, 2]);
    expect(Array.from(a.data)).toEqual([1.5, 2, NaN, 4, 5, 6.25]);
    expect(a.coords.stimulus_id).toEqual({ dim: 'presentation', values: ['im_a', 'im_b', 'im_c'] });
    expect(a.coords.neuroid_id).toEqual({ dim: 'neuroid', values: ['n1', 'n2'] });
    // No scale attached: placed by its unique length match.
    expect(a.coords.repetition).toEqual({ dim: 'presentation', values: [0, 0, 1] });
  });

  it('as bundle region data: one presentation per stimulus gives no repeats; a stimulus with no valid response is named', async () => {
    const nc = await brainioLikeFile();
    const files = (ids: string[]) =>
      new Map<string, Uint8Array>([
        ['a.nc', nc],
        ['benchmark.json', new TextEncoder().encode(JSON.stringify({ id: 'x', name: 'x', modality: 'language', synthetic: true, stimuli: ids.map((id) => ({ id, sentence: id })), regions: [{ name: 'R', kind: 'responses', data: 'a.nc' }] }))],
      ]);
    const b = await readBundleAsync(files(['im_c', 'im_a']));
    expect(b.regions[0].neuroids).toEqual(['n1', 'n2']);
    expect(Array.from(b.regions[0].responses!.data)).toEqual([5, 6.25, 1.5, 2]);
    expect(b.regions[0].repeats).toBeUndefined();
    await expect(readBundleAsync(files(['im_a', 'im_b']))).rejects.toThrow(/^a\.nc: region "R" has neuroids with no valid presentation of 1 stimuli \(e\.g\. "im_b"\)/);
  });

  it('explains NetCDF3 and non-HDF5 input', async () => {
    await expect(readNetcdfAssembly(new TextEncoder().encode('CDF\x01rest'))).rejects.toThrow(/NetCDF3/);
    await expect(readNetcdfAssembly(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(/not a NetCDF4/);
  });
});

/*
 * Files written by the real writers. How BrainIO writes an assembly (brain-score/brainio,
 * brainio/packaging.py `write_netcdf`): `assembly.reset_index(list(assembly.indexes))` turns the
 * MultiIndexes on `presentation` (stimulus_id, repetition, …), `neuroid` (neuroid_id, region, …) and
 * `time_bin` (time_bin_start, time_bin_end) into plain 1-D coordinates, leaving the dimensions without
 * coordinate variables; then, by default (compress=True), `assembly.to_dataset(name="data")` and
 * `to_netcdf(encoding={every variable: zlib=True, complevel=1})` with xarray's default netcdf4 engine;
 * extra arrays go into groups (mode="a", group=k). Brain-Score loads with `xr.open_dataarray` and
 * re-gathers coordinates per dimension into MultiIndexes (assemblies.py `gather_indexes`).
 * Deviation here: netcdf-c ≥ 4.9 refuses zlib on variable-length strings, so strings are left uncompressed.
 */
const NC_MODULES = ['numpy', 'pandas', 'netCDF4', 'xarray'];
const hasNetcdfWriters = hasPythonModules(...NC_MODULES);
// The second writer engine: .ci/run installs it (so under CI it must be there); elsewhere it is optional.
const hasH5netcdf = hasNetcdfWriters && hasPythonModules('h5netcdf');

interface Described {
  dims: string[];
  shape: number[];
  data: (number | null)[];
  coords: Record<string, { dim: string; values: (string | number)[] }>;
}
interface RegionReference {
  name: string;
  neuroids: string[];
  stimuli: string[];
  responses: (number | null)[][];
}
interface Written {
  files: Record<string, Described & { original?: (number | null)[] }>;
  regions: RegionReference[];
}

const WRITE_ASSEMBLIES = `
import netCDF4, pandas as pd, xarray as xr
d = inp['dir']

def brainio_reset(da):
    return da.reset_index(list(da.indexes))

def describe(da, **extra):
    return {'dims': list(da.dims), 'shape': list(da.shape), 'data': da.values.astype(float).ravel(),
            'coords': {k: {'dim': v.dims[0], 'values': v.values.tolist()} for k, v in da.coords.items()}, **extra}

files = {}
rng = np.random.default_rng(3)
# NeuronRecordingAssembly: 3 stimuli x 2 repetitions, 5 neuroids in V4 and IT, 2 time bins, float32, one NaN.
stim = ['im_a', 'im_b', 'im_c']
pres = pd.MultiIndex.from_arrays([[s for r in range(2) for s in stim], [r for r in range(2) for _ in stim],
                                  [o for _ in range(2) for o in ['car', 'face', 'dog']]], names=['stimulus_id', 'repetition', 'object_name'])
neu = pd.MultiIndex.from_arrays([['m1_e1', 'm1_e2', 'm1_e3', 'm1_e4', 'm1_e5'], ['V4', 'V4', 'IT', 'V4', 'IT'], ['m1'] * 5,
                                 [0, 0, 1, 1, 2], [0.5, 1.25, -2.0, 3.0, 4.5]], names=['neuroid_id', 'region', 'animal', 'row', 'x'])
tb = pd.MultiIndex.from_arrays([[70, 170], [170, 270]], names=['time_bin_start', 'time_bin_end'])
v3 = rng.normal(size=(6, 5, 2)).astype(np.float32)
v3[4, 2, 1] = np.nan
a3 = brainio_reset(xr.DataArray(v3, coords={'presentation': pres, 'neuroid': neu, 'time_bin': tb}, dims=['presentation', 'neuroid', 'time_bin']))
ds = a3.to_dataset(name='data')
ds.to_netcdf(f'{d}/brainio.nc', engine='netcdf4', encoding={v: dict(zlib=True, complevel=1) for v in ds.variables if ds[v].dtype != object})
xr.DataArray(np.arange(3.0), dims=['presentation']).to_netcdf(f'{d}/brainio.nc', mode='a', group='extra', engine='netcdf4')
files['brainio.nc'] = describe(a3)

# (presentation, neuroid) float64 with a NaN, saved as a plain DataArray (variable __xarray_dataarray_variable__).
pres2 = pd.MultiIndex.from_arrays([['s1', 's2', 's3', 's4'], [0, 0, 0, 0]], names=['stimulus_id', 'repetition'])
neu2 = pd.MultiIndex.from_arrays([['n1', 'n2', 'n3'], ['IT', 'IT', 'IT']], names=['neuroid_id', 'region'])
v2 = rng.normal(size=(4, 3))
v2[1, 2] = np.nan
a2 = brainio_reset(xr.DataArray(v2, coords={'presentation': pres2, 'neuroid': neu2}, dims=['presentation', 'neuroid']))
var = '__xarray_dataarray_variable__'
engines = ['netcdf4'] + (['h5netcdf'] if inp['h5netcdf'] else [])
for engine in engines:
    a2.to_netcdf(f'{d}/plain-{engine}.nc', engine=engine)
    files[f'plain-{engine}.nc'] = describe(a2)
    a2.to_netcdf(f'{d}/chunked-{engine}.nc', engine=engine, encoding={var: dict(chunksizes=(2, 2), zlib=True, complevel=4, shuffle=True)})
    files[f'chunked-{engine}.nc'] = describe(a2)
a2.to_netcdf(f'{d}/classic.nc', engine='netcdf4', format='NETCDF4_CLASSIC')
files['classic.nc'] = describe(a2)
a2.to_netcdf(f'{d}/packed.nc', engine='netcdf4', encoding={var: dict(dtype='int16', scale_factor=0.001, add_offset=1.0, _FillValue=-32768)})
files['packed.nc'] = describe(xr.open_dataarray(f'{d}/packed.nc').load(), original=v2.ravel())
a2.to_netcdf(f'{d}/netcdf3.nc', engine='scipy')
# A named 1-D BehavioralAssembly whose integer coordinate sorts before it: only the coordinates attribute tells them apart.
behavioral = xr.DataArray(np.array([1, 0, 1], dtype=np.int32), dims=['presentation'], name='response',
                          coords={'stimulus_id': ('presentation', ['a', 'b', 'c']), 'correct': ('presentation', np.array([1, 1, 0], dtype=np.int32))})
behavioral.to_netcdf(f'{d}/behavioral.nc', engine='netcdf4')
files['behavioral.nc'] = describe(behavioral)

# Brain-Score's processing for a benchmark: one time bin, average repetitions per stimulus, split by region.
one_bin = a3.isel(time_bin=1)
regions = []
for region in pd.unique(one_bin.region.values):
    r = one_bin.isel(neuroid=np.flatnonzero(one_bin.region.values == region))
    # groupby on the object-dtype coordinate trips an xarray 2023.01 MultiIndex bug; a str-dtype copy does not.
    r = r.assign_coords(stimulus_id=('presentation', r.stimulus_id.values.astype(str)))
    mean = r.groupby('stimulus_id').mean('presentation').sel(stimulus_id=stim).transpose('stimulus_id', 'neuroid')
    regions.append({'name': region, 'neuroids': r.neuroid_id.values.tolist(), 'stimuli': stim, 'responses': mean.values})
out = {'files': files, 'regions': regions}
`;

describeIf(hasNetcdfWriters, 'readNetcdfAssembly on files written by xarray/netCDF4', () => {
  const dir = mkdtempSync(join(tmpdir(), 'silico-netcdf-'));
  const written = runPython<Written>(WRITE_ASSEMBLIES, { dir, h5netcdf: hasH5netcdf }, [...NC_MODULES, ...(hasH5netcdf ? ['h5netcdf'] : [])]);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const read = (name: string) => readNetcdfAssembly(new Uint8Array(readFileSync(join(dir, name))));

  const exact = Object.keys(written.files).filter((name) => name !== 'packed.nc');
  it.each(exact)('%s: every value, dimension and coordinate matches what xarray wrote', async (name) => {
    const ref = written.files[name];
    const a = await read(name);
    expect(a.dims).toEqual(ref.dims);
    expect(a.shape).toEqual(ref.shape);
    expect(Array.from(a.data)).toEqual(Array.from(nanArray(ref.data)));
    expect(a.coords).toEqual(ref.coords);
  });

  it('BrainIO layout: data variable "data", float32 values, NaN, extras group ignored', async () => {
    const a = await read('brainio.nc');
    expect(a.variable).toBe('data');
    expect(a.data.filter(Number.isNaN)).toHaveLength(1);
    expect(a.coords.region.values).toEqual(['V4', 'V4', 'IT', 'V4', 'IT']);
    expect(a.coords.time_bin_start).toEqual({ dim: 'time_bin', values: [70, 170] });
  });

  it('packed int16 (scale_factor, add_offset, _FillValue) is decoded as xarray decodes it', async () => {
    const ref = written.files['packed.nc'];
    const a = await read('packed.nc');
    const decoded = nanArray(ref.data);
    const original = nanArray(ref.original!);
    expect(Number.isNaN(a.data[5])).toBe(true);
    a.data.forEach((v, i) => {
      if (Number.isNaN(decoded[i])) return expect(v).toBeNaN();
      expect(v).toBeCloseTo(decoded[i], 6); // xarray decodes to float32
      expect(Math.abs(v - original[i])).toBeLessThanOrEqual(0.0005 + 1e-9); // quantisation step 0.001
    });
  });

  it('explains a real NetCDF3 file (scipy writer) and how to convert it', async () => {
    const bytes = new Uint8Array(readFileSync(join(dir, 'netcdf3.nc')));
    expect(new TextDecoder().decode(bytes.subarray(0, 3))).toBe('CDF');
    const error = await read('netcdf3.nc').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserFacingError);
    expect((error as UserFacingError).message).toMatch(/NetCDF3/);
    expect((error as UserFacingError).hint).toMatch(/format="NETCDF4"/);
  });

  it('becomes a bundle: per-region stimulus × neuroid means equal xarray groupby(stimulus_id).mean()', async () => {
    const a = await read('brainio.nc');
    expect(() => assemblyResponses(a)).toThrow(/2 time bins.*70–170 ms/);
    const r = assemblyResponses(a, { timeBin: 1 });
    expect(r.stimulusIds).toEqual(['im_a', 'im_b', 'im_c']);
    const files = new Map<string, Uint8Array>();
    r.stimulusIds.forEach((id) => files.set(`stimuli/${id}.png`, new Uint8Array([1])));
    const regions = r.regions.map((region) => {
      files.set(`responses_${region.name}.npy`, writeNpy(region.responses, [r.stimulusIds.length, region.neuroids.length]));
      files.set(`repeats_${region.name}.npy`, writeNpy(region.repeats, [region.neuroids.length, r.stimulusIds.length, region.repeatCount]));
      return { name: region.name, kind: 'responses', data: `responses_${region.name}.npy`, repeats: `repeats_${region.name}.npy`, neuroids: region.neuroids };
    });
    const manifest = {
      format: BUNDLE_FORMAT,
      id: 'netcdf-test',
      name: 'NetCDF test',
      citation: '',
      modality: 'vision',
      synthetic: true,
      stimuli: r.stimulusIds.map((id) => ({ id, file: `stimuli/${id}.png` })),
      regions,
      metric: { method: 'pls', ceiling: 'split-half' },
    };
    files.set('benchmark.json', new TextEncoder().encode(JSON.stringify(manifest)));
    const bundle = readBundle(files);
    expect(bundle.regions.map((x) => x.name)).toEqual(written.regions.map((x) => x.name));
    expect(bundle.regions.map((x) => x.name)).toEqual(['V4', 'IT']);
    for (const ref of written.regions) {
      const region = bundle.regions.find((x) => x.name === ref.name)!;
      expect(region.neuroids).toEqual(ref.neuroids);
      expect(region.responses!.rows).toBe(3);
      const expected = ref.responses.flat();
      expect(region.responses!.data).toHaveLength(expected.length);
      region.responses!.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6)); // xarray means float32 in float32
      expect(region.repeats).toMatchObject({ neuroids: ref.neuroids.length, stimuli: 3, repeats: 2 });
    }
    // The NaN (presentation 4 = im_b repetition 1, neuroid m1_e3 in IT, bin 1) is kept in the repeats and skipped in the mean.
    const it = bundle.regions.find((x) => x.name === 'IT')!;
    expect(it.repeats!.data[(0 * 3 + 1) * 2 + 1]).toBeNaN();
    expect(it.responses!.data[1 * 2 + 0]).toBe(a.data[(1 * 5 + 2) * 2 + 1]);
  });

  it('rejects what is not a neural assembly or a time bin that does not exist', async () => {
    const a = await read('brainio.nc');
    expect(() => assemblyResponses(a, { timeBin: 2 })).toThrow(UserFacingError);
    const behavioral = await read('behavioral.nc');
    expect(behavioral.variable).toBe('response');
    expect(() => assemblyResponses(behavioral)).toThrow(/\(presentation\); neural responses need/);
  });
});

/*
 * A bundle whose region data is the .nc file itself: stimuli matched by stimulus_id (benchmark.json lists a
 * subset of the assembly's stimuli, in another order), repetition-averaged responses and the kept repeats
 * checked against xarray/numpy computed on the same file.
 */
const WRITE_BUNDLE_ASSEMBLY = `
import netCDF4, pandas as pd, xarray as xr
rng = np.random.default_rng(11)
stim = ['st_%d' % i for i in range(6)]
# 3 repetitions, presentations shuffled; one presentation of st_4 left out (ragged repeats), one NaN.
pres = [(s, r) for r in range(3) for s in stim if not (s == 'st_4' and r == 1)]
pres = [pres[i] for i in rng.permutation(len(pres))]
neuroid_ids = ['e%d' % i for i in range(7)]
regions = ['IT', 'V4', 'IT', 'IT', 'V4', 'IT', 'V4']
truth = rng.normal(size=(6, 7))
v = np.stack([truth[stim.index(s)] + 0.4 * rng.normal(size=7) for s, _ in pres])[:, :, None].repeat(2, axis=2)
v[:, :, 0] = rng.normal(size=v.shape[:2])  # time bin 0 is noise; the benchmark uses bin 1
v[3, 1, 1] = np.nan
coords = {'stimulus_id': ('presentation', [s for s, _ in pres]), 'repetition': ('presentation', [r for _, r in pres]),
          'neuroid_id': ('neuroid', neuroid_ids), 'region': ('neuroid', regions),
          'time_bin_start': ('time_bin', [0, 70]), 'time_bin_end': ('time_bin', [70, 170])}
a = xr.DataArray(v.astype(np.float32), coords=coords, dims=['presentation', 'neuroid', 'time_bin'])
a.to_dataset(name='data').to_netcdf(inp['path'], engine='netcdf4')

order = inp['order']
one = a.isel(time_bin=1)
out = {'regions': {}}
for region in ['IT', 'V4']:
    r = one.isel(neuroid=np.flatnonzero(one.region.values == region))
    r = r.assign_coords(stimulus_id=('presentation', r.stimulus_id.values.astype(str)))
    mean = r.groupby('stimulus_id').mean('presentation').sel(stimulus_id=order).transpose('stimulus_id', 'neuroid')
    # Split-half ceiling by hand on given repeat orders: presentations of a stimulus in file order, NaN-padded to 3.
    vals = r.values.astype(float)
    sid = r.stimulus_id.values
    per_split = []
    for orders in inp['splits']:
        rel = []
        for n in range(vals.shape[1]):
            ha, hb = [], []
            for s, o in zip(order, orders):
                x = np.full(3, np.nan)
                got = vals[sid == s, n]
                x[:len(got)] = got
                valid = [x[k] for k in o if not np.isnan(x[k])]
                h = len(valid) // 2
                ha.append(np.mean(valid[:h]) if len(valid) >= 2 else np.nan)
                hb.append(np.mean(valid[h:]) if len(valid) >= 2 else np.nan)
            ha, hb = np.array(ha), np.array(hb)
            ok = ~np.isnan(ha) & ~np.isnan(hb)
            c = np.corrcoef(ha[ok], hb[ok])[0, 1]
            rel.append(2 * c / (1 + c))
        per_split.append(rel)
    out['regions'][region] = {'neuroids': r.neuroid_id.values.tolist(), 'responses': mean.values,
                              'ceiling': float(np.median(np.mean(per_split, axis=0)))}
`;

describeIf(hasNetcdfWriters, 'bundles whose region data is a BrainIO NetCDF assembly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'silico-nc-bundle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const order = ['st_5', 'st_0', 'st_4', 'st_2', 'st_1']; // st_3 is in the assembly only
  const splits = [order.map(() => [0, 1, 2]), order.map(() => [2, 0, 1])];
  const path = join(dir, 'assembly.nc');
  const ref = runPython<{ regions: Record<string, { neuroids: string[]; responses: number[][]; ceiling: number }> }>(WRITE_BUNDLE_ASSEMBLY, { path, order, splits }, NC_MODULES);
  const nc = new Uint8Array(readFileSync(path));

  const bundleFiles = (regions: Record<string, unknown>[], stimuli = order) => {
    const files = new Map<string, Uint8Array>([['data/assembly.nc', nc]]);
    stimuli.forEach((id) => files.set(`stimuli/${id}.png`, new Uint8Array([1])));
    const manifest = {
      id: 'nc-bundle',
      name: 'NetCDF bundle',
      citation: '',
      modality: 'vision',
      synthetic: true,
      stimuli: stimuli.map((id) => ({ id, file: `stimuli/${id}.png` })),
      regions,
      metric: { method: 'ridge', ceiling: 'split-half' },
    };
    files.set('benchmark.json', new TextEncoder().encode(JSON.stringify(manifest)));
    return files;
  };
  const both = [
    { name: 'IT', kind: 'responses', data: 'data/assembly.nc', region: 'IT', timeBin: 1 },
    { name: 'V4 cortex', kind: 'responses', data: 'data/assembly.nc', region: 'V4', timeBin: 1 },
  ];

  it('responses equal xarray groupby(stimulus_id).mean() in benchmark.json order; repeats give numpy\'s split-half ceiling', async () => {
    const b = await readBundleAsync(bundleFiles(both));
    expect(b.regions.map((r) => r.name)).toEqual(['IT', 'V4 cortex']);
    for (const [region, expected] of [[b.regions[0], ref.regions.IT], [b.regions[1], ref.regions.V4]] as const) {
      expect(region.neuroids).toEqual(expected.neuroids);
      expect(region.responses).toMatchObject({ rows: 5, cols: expected.neuroids.length });
      const flat = expected.responses.flat();
      region.responses!.data.forEach((v, i) => expect(v).toBeCloseTo(flat[i], 6)); // xarray averages float32 in float32
      expect(region.repeats).toMatchObject({ neuroids: expected.neuroids.length, stimuli: 5, repeats: 3 });
      const ceiling = splitHalfReliability(region.repeats!, { orders: splits }).ceiling;
      expect(ceiling).toBeCloseTo(expected.ceiling, 5);
      console.log(`${region.name}: split-half ceiling ${ceiling.toFixed(6)} (numpy ${expected.ceiling.toFixed(6)})`);
    }
    // st_4 (row 2) was presented twice: its third repeat is padding.
    const it = b.regions[0].repeats!;
    expect(Number.isNaN(it.data[(0 * 5 + 2) * 3 + 2])).toBe(true);
    expect(Number.isNaN(it.data[(0 * 5 + 1) * 3 + 2])).toBe(false);
    // The same zipped, and the sync reader explains that .nc needs the async one.
    const zipped = await readBundleZipAsync(zipBundle(bundleFiles(both)));
    expect(Array.from(zipped.regions[1].responses!.data)).toEqual(Array.from(b.regions[1].responses!.data));
    expect(() => readBundle(bundleFiles(both))).toThrow(/assembly\.nc is a NetCDF assembly.*readBundleAsync/);
  });

  it.each([
    [[{ name: 'IT', kind: 'responses', data: 'data/assembly.nc', timeBin: 1 }], undefined, /data\/assembly\.nc: The assembly holds 2 regions \(IT, V4\); say which one with "region"/],
    [[{ name: 'IT', kind: 'responses', data: 'data/assembly.nc', region: 'IT' }], undefined, /data\/assembly\.nc: This assembly has 2 time bins; choose one \(0: 0–70 ms, 1: 70–170 ms\)/],
    [[{ name: 'IT', kind: 'responses', data: 'data/assembly.nc', region: 'V1', timeBin: 1 }], undefined, /no neuroids in region "V1"; its regions are IT, V4/],
    [[{ ...both[0] }], [...order, 'st_9', 'st_10'], /data\/assembly\.nc: 2 of 7 stimuli are never presented in the assembly \("st_9", "st_10"\)/],
    [[{ ...both[0], neuroids: ['e0', 'e2', 'e3', 'ex'] }], undefined, /assembly\.nc names neuroid 4 "e5", but region "IT" in benchmark.json lists "ex"/],
    [[{ ...both[0], timeBin: 2 }], undefined, /Time bin 2 does not exist; this assembly has 2/],
    [[{ ...both[0], repeats: 'rep.npy' }], undefined, /leave out "repeats"; the repeats come from the assembly/],
    [[{ ...both[0], kind: 'rdm' }], undefined, /"kind" must be "responses"/],
    [[{ name: 'IT', kind: 'responses', data: 'x.npy', region: 'IT' }], undefined, /"region" and "timeBin" apply only to NetCDF/],
    [[{ ...both[0], data: 'missing.nc' }], undefined, /missing\.nc is listed in benchmark.json but is not in the bundle/],
  ])('explains a region the assembly cannot fill (%#)', async (regions, stimuli, message) => {
    const error = await readBundleAsync(bundleFiles(regions, stimuli)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserFacingError);
    expect((error as Error).message).toMatch(message);
  });

  it('a NetCDF3 file in a bundle is named in the error, with how to convert it', async () => {
    const files = bundleFiles(both);
    files.set('data/assembly.nc', new TextEncoder().encode('CDF\x01rest'));
    const error = (await readBundleAsync(files).catch((e: unknown) => e)) as UserFacingError;
    expect(error.message).toMatch(/^data\/assembly\.nc: This is a NetCDF3/);
    expect(error.hint).toMatch(/nccopy/);
  });
});
