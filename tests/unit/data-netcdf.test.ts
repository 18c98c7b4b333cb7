import h5wasm from 'h5wasm';
import { describe, expect, it } from 'vitest';
import { readNetcdfAssembly } from '../../src/core/data/netcdf';

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
