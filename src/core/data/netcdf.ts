/**
 * Brain-Score / BrainIO assemblies saved as NetCDF4 (which is HDF5), read with h5wasm. Best effort:
 *
 * - Supported: NetCDF4/HDF5 files as written by xarray `to_netcdf` (BrainIO's format): one numeric data
 *   variable (`__xarray_dataarray_variable__` or the variable with most dimensions), dimensions as HDF5
 *   dimension scales, 1-D coordinates (numbers or strings) attached to them.
 * - A coordinate's dimension comes from its attached dimension scale; when a file lacks those, from a
 *   unique length match against the data's dimensions (else the coordinate is skipped).
 * - Not supported: NetCDF3 classic files (scipy's writer), groups, compound/enum types, MultiIndex
 *   stacked in one variable, packed data (scale_factor/add_offset are not applied).
 */
import h5wasm from 'h5wasm';
import { UserFacingError } from '../types';

export interface NetcdfAssembly {
  /** Dimension names of the data, e.g. ['presentation', 'neuroid', 'time_bin']. */
  dims: string[];
  shape: number[];
  /** C-order float64 values. */
  data: Float64Array;
  /** Coordinates by name: the dimension they index and their values. */
  coords: Record<string, { dim: string; values: (string | number)[] }>;
  /** Name of the data variable in the file. */
  variable: string;
}

let counter = 0;

export async function readNetcdfAssembly(bytes: Uint8Array): Promise<NetcdfAssembly> {
  const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46];
  if (HDF5_MAGIC.some((b, i) => bytes[i] !== b)) {
    const classic = bytes[0] === 0x43 && bytes[1] === 0x44 && bytes[2] === 0x46;
    throw new UserFacingError(
      classic ? 'This is a NetCDF3 (classic) file; only NetCDF4/HDF5 assemblies are supported.' : 'This is not a NetCDF4/HDF5 file.',
      'Re-save the assembly with xarray: assembly.to_netcdf(path, engine="h5netcdf") or format="NETCDF4".',
    );
  }
  const { FS } = await h5wasm.ready;
  const path = `/silico-assembly-${++counter}.nc`;
  FS.writeFile(path, bytes);
  const file = new h5wasm.File(path, 'r');
  try {
    const datasets = new Map<string, InstanceType<typeof h5wasm.Dataset>>();
    for (const key of file.keys()) {
      const item = file.get(key);
      if (item instanceof h5wasm.Dataset) datasets.set(key, item);
    }
    const isScale = (d: InstanceType<typeof h5wasm.Dataset>) => d.attrs.CLASS?.value === 'DIMENSION_SCALE';
    // HDF5 type classes 0 (integer) and 1 (float) are numeric.
    const candidates = [...datasets].filter(([, d]) => !isScale(d) && (d.metadata.type === 0 || d.metadata.type === 1));
    if (!candidates.length) throw new UserFacingError('No numeric data variable found in the NetCDF file.');
    const [variable, dataset] =
      candidates.find(([name]) => name === '__xarray_dataarray_variable__') ??
      candidates.reduce((best, c) => ((c[1].shape?.length ?? 0) > (best[1].shape?.length ?? 0) ? c : best));
    const shape = dataset.shape ?? [];
    const dims = shape.map((len, i) => scaleName(dataset, i) ?? uniqueScaleOfLength(datasets, isScale, len) ?? `dim_${i}`);
    const raw = dataset.value as ArrayLike<number | bigint>;
    const data = Float64Array.from({ length: raw.length }, (_, i) => Number(raw[i]));
    const coords: NetcdfAssembly['coords'] = {};
    for (const [name, d] of datasets) {
      if (name === variable || (d.shape?.length ?? 0) !== 1) continue;
      let dim = isScale(d) ? name : scaleName(d, 0);
      if (!dim) {
        const matches = dims.filter((_, i) => shape[i] === d.shape![0]);
        if (matches.length !== 1) continue;
        dim = matches[0];
      }
      if (!dims.includes(dim)) continue;
      // Pure dimensions without coordinate values hold fill values; skip them.
      if (isScale(d) && String(d.attrs.NAME?.value ?? '').startsWith('This is a netCDF dimension but not a netCDF variable')) continue;
      const values = d.value as ArrayLike<unknown>;
      coords[name] = { dim, values: Array.from(values as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : (v as string | number))) };
    }
    return { dims, shape, data, coords, variable };
  } finally {
    file.close();
    FS.unlink(path);
  }
}

function scaleName(d: InstanceType<typeof h5wasm.Dataset>, index: number): string | undefined {
  try {
    const attached = d.get_attached_scales(index);
    if (attached.length) return attached[0].replace(/^\//, '');
  } catch {
    // no dimension scales attached
  }
  return undefined;
}

function uniqueScaleOfLength(
  datasets: Map<string, InstanceType<typeof h5wasm.Dataset>>,
  isScale: (d: InstanceType<typeof h5wasm.Dataset>) => boolean,
  len: number,
): string | undefined {
  const matches = [...datasets].filter(([, d]) => isScale(d) && d.shape?.[0] === len);
  return matches.length === 1 ? matches[0][0] : undefined;
}
