import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT, readBundle } from '../../src/core/data/bundle';
import { assemblyResponses, readNetcdfAssembly } from '../../src/core/data/netcdf';
import { writeNpy } from '../../src/core/data/npy';
import { UserFacingError } from '../../src/core/types';
import { hasPython, nanArray, NO_PYTHON, PYTHON, runPython } from '../support/python';

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
function netcdfWritersProblem(): string | null {
  if (!hasPython) return NO_PYTHON;
  const r = spawnSync(PYTHON, ['-c', 'import netCDF4, xarray'], { encoding: 'utf8' });
  return r.status === 0 ? null : r.stderr.trim().split('\n').pop() ?? 'import failed';
}
const ncProblem = netcdfWritersProblem();
const hasH5netcdf = !ncProblem && spawnSync(PYTHON, ['-c', 'import h5netcdf'], { encoding: 'utf8' }).status === 0;

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
import pandas as pd, xarray as xr
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

describe.skipIf(ncProblem !== null)('readNetcdfAssembly on files written by xarray/netCDF4', () => {
  if (ncProblem !== null) {
    it.skip(`Python netCDF4/xarray unavailable (${ncProblem}); install python3-netcdf4 python3-xarray`, () => {});
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'silico-netcdf-'));
  const written = runPython<Written>(WRITE_ASSEMBLIES, { dir, h5netcdf: hasH5netcdf });
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
