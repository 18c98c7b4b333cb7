/**
 * Brain-Score / BrainIO assemblies saved as NetCDF4 (which is HDF5), read with h5wasm.
 *
 * - Supported (tested against files written by xarray + netCDF4, see tests/unit/data-netcdf.test.ts):
 *   BrainIO `write_netcdf` output (MultiIndex reset to plain coordinates, data variable `data`, zlib),
 *   plain `DataArray.to_netcdf` (`__xarray_dataarray_variable__`), chunked/compressed variables,
 *   float32/float64/integer data, packed data (`scale_factor`/`add_offset`/`_FillValue` decoded as xarray
 *   does), numeric and string coordinates (variable-length, and NETCDF4_CLASSIC char arrays).
 * - The data variable is the numeric variable no other variable lists in its `coordinates` attribute
 *   (`data`/`__xarray_dataarray_variable__` preferred); a coordinate's dimension comes from its attached
 *   dimension scale, else from a unique length match.
 * - Not supported: NetCDF3 classic files (scipy's writer), reading from groups (BrainIO "extras"
 *   groups are ignored), compound/enum types, coordinates with more than one dimension.
 */
import h5wasm from 'h5wasm';
import { UserFacingError } from '../types';

export interface NetcdfAssembly {
  /** Dimension names of the data, e.g. ['presentation', 'neuroid', 'time_bin']. */
  dims: string[];
  shape: number[];
  /** C-order float64 values; fill values are NaN and packed values are unpacked. */
  data: Float64Array;
  /** Coordinates by name: the dimension they index and their values. */
  coords: Record<string, { dim: string; values: (string | number)[] }>;
  /** Name of the data variable in the file. */
  variable: string;
}

type Dataset = InstanceType<typeof h5wasm.Dataset>;

// HDF5 type classes as h5wasm reports them in `metadata.type`.
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
/** netCDF4 marks dimensions that have no coordinate variable with this NAME. */
const PURE_DIMENSION = 'This is a netCDF dimension but not a netCDF variable';

let counter = 0;

export async function readNetcdfAssembly(bytes: Uint8Array): Promise<NetcdfAssembly> {
  checkMagic(bytes);
  const { FS } = await h5wasm.ready;
  const path = `/silico-assembly-${++counter}.nc`;
  FS.writeFile(path, bytes);
  return withoutHdf5Diagnostics(() => readOpened(FS, path));
}

/** Everything h5wasm does with the file, synchronously (so that its stderr can be muted for exactly this span). */
function readOpened(FS: { unlink(path: string): void }, path: string): NetcdfAssembly {
  let file: InstanceType<typeof h5wasm.File>;
  try {
    file = new h5wasm.File(path, 'r');
  } catch (e) {
    FS.unlink(path);
    throw damaged(e);
  }
  try {
    const datasets = new Map<string, Dataset>();
    for (const key of file.keys()) {
      const item = file.get(key);
      if (item instanceof h5wasm.Dataset) datasets.set(key, item);
    }
    const [variable, dataset] = dataVariable(datasets);
    const shape = dataset.shape ?? [];
    const dims = shape.map((len, i) => scaleName(dataset, i) ?? uniqueScaleOfLength(datasets, len) ?? `dim_${i}`);
    const data = decodeNumbers(dataset);
    const coords: NetcdfAssembly['coords'] = {};
    for (const [name, d] of datasets) {
      if (name === variable) continue;
      if (isScale(d) && String(attr(d, 'NAME') ?? '').startsWith(PURE_DIMENSION)) continue;
      const values = coordinateValues(d);
      if (!values) continue;
      let dim = isScale(d) ? name : scaleName(d, 0);
      if (!dim) {
        const matches = dims.filter((_, i) => shape[i] === values.length);
        if (matches.length !== 1) continue;
        dim = matches[0];
      }
      if (dims.includes(dim)) coords[name] = { dim, values };
    }
    return { dims, shape, data, coords, variable };
  } catch (e) {
    throw damaged(e);
  } finally {
    try {
      file.close();
    } catch {
      // A damaged file may fail to close as well; the message above says what matters.
    }
    FS.unlink(path);
  }
}

/**
 * HDF5 prints its whole error stack ("HDF5-DIAG: Error detected…", a dozen lines of C file names) to stderr before
 * h5wasm throws; in a terminal that buries the one clear message the caller gives. h5wasm binds its error printer
 * at start-up, so the only switch is the stream itself: in Node, stderr is muted for the synchronous call. In a
 * browser worker the lines go to the console, which users do not see.
 */
function withoutHdf5Diagnostics<T>(open: () => T): T {
  const stderr = (globalThis as { process?: { stderr?: { write: (...args: unknown[]) => boolean } } }).process?.stderr;
  if (!stderr) return open();
  const write = stderr.write;
  stderr.write = () => true;
  try {
    return open();
  } finally {
    stderr.write = write;
  }
}

/** An HDF5 signature followed by bytes HDF5 cannot read: a clear message instead of the library's internals. */
function damaged(e: unknown): UserFacingError {
  if (e instanceof UserFacingError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return new UserFacingError(
    `This .nc file starts like NetCDF4/HDF5 but its contents cannot be read: it is damaged or truncated${detail ? ` (${detail.split('\n')[0].slice(0, 160)})` : ''}.`,
    'Download or export it again; a Brain-Score/BrainIO assembly is written by xarray with to_netcdf (NetCDF4 format).',
  );
}

function checkMagic(bytes: Uint8Array): void {
  const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46];
  if (!HDF5_MAGIC.some((b, i) => bytes[i] !== b)) return;
  const classic = bytes[0] === 0x43 && bytes[1] === 0x44 && bytes[2] === 0x46; // "CDF\x01" / "CDF\x02" / "CDF\x05"
  if (classic) {
    throw new UserFacingError(
      'This is a NetCDF3 (classic) file; only NetCDF4/HDF5 assemblies can be read.',
      'Convert it to NetCDF4, e.g. in Python: xarray.open_dataarray("in.nc").to_netcdf("out.nc", format="NETCDF4", engine="netcdf4"), or on the command line: nccopy -k nc4 in.nc out.nc.',
    );
  }
  throw new UserFacingError('This is not a NetCDF4/HDF5 file.', 'Brain-Score/BrainIO assemblies are .nc files written by xarray (NetCDF4 format).');
}

function isScale(d: Dataset): boolean {
  return attr(d, 'CLASS') === 'DIMENSION_SCALE';
}

function isNumeric(d: Dataset): boolean {
  return d.metadata.type === H5T_INTEGER || d.metadata.type === H5T_FLOAT;
}

/** An attribute's value; one-element arrays (how h5wasm returns numeric attributes) become a scalar. */
function attr(d: Dataset, name: string): unknown {
  const value = d.attrs[name]?.value as unknown;
  if (value !== null && typeof value === 'object' && 'length' in value && (value as ArrayLike<unknown>).length === 1) return (value as ArrayLike<unknown>)[0];
  return value;
}

function numberAttr(d: Dataset, name: string): number | undefined {
  const v = attr(d, name);
  return typeof v === 'number' || typeof v === 'bigint' ? Number(v) : undefined;
}

/** The data variable: what xarray's open_dataarray would return (the variable that is no one's coordinate). */
function dataVariable(datasets: Map<string, Dataset>): [string, Dataset] {
  const listedAsCoordinate = new Set<string>();
  for (const d of datasets.values()) {
    const c = attr(d, 'coordinates');
    if (typeof c === 'string') for (const name of c.split(/\s+/)) listedAsCoordinate.add(name);
  }
  const candidates = [...datasets].filter(([name, d]) => !isScale(d) && isNumeric(d) && !listedAsCoordinate.has(name));
  if (!candidates.length) throw new UserFacingError('No numeric data variable found in the NetCDF file.', 'A Brain-Score assembly holds one numeric DataArray written with xarray to_netcdf.');
  return (
    candidates.find(([name]) => name === 'data' || name === '__xarray_dataarray_variable__') ??
    candidates.reduce((best, c) => ((c[1].shape?.length ?? 0) > (best[1].shape?.length ?? 0) ? c : best))
  );
}

/** Values as float64, decoded as xarray's mask_and_scale does: fill/missing values → NaN, then × scale_factor + add_offset. */
function decodeNumbers(d: Dataset): Float64Array {
  const raw = d.value as ArrayLike<number | bigint>;
  const fill = numberAttr(d, '_FillValue');
  const missing = numberAttr(d, 'missing_value');
  const scale = numberAttr(d, 'scale_factor') ?? 1;
  const offset = numberAttr(d, 'add_offset') ?? 0;
  return Float64Array.from({ length: raw.length }, (_, i) => {
    const v = Number(raw[i]);
    if (v === fill || v === missing) return NaN;
    return v * scale + offset;
  });
}

/** A 1-D coordinate's values, or undefined when the variable is not one (multi-dimensional, compound, …). */
function coordinateValues(d: Dataset): (string | number)[] | undefined {
  const shape = d.shape ?? [];
  const type = d.metadata.type;
  if (shape.length === 1 && isNumeric(d)) return Array.from(decodeNumbers(d));
  if (shape.length === 1 && type === H5T_STRING) return Array.from(d.value as ArrayLike<unknown>, String);
  // NETCDF4_CLASSIC has no string type: xarray stores strings as [n, stringN] char arrays.
  if (shape.length === 2 && type === H5T_STRING && d.metadata.size === 1) {
    const chars = Array.from(d.value as ArrayLike<unknown>, String);
    return Array.from({ length: shape[0] }, (_, i) => chars.slice(i * shape[1], (i + 1) * shape[1]).join('').replace(/\0+$/, ''));
  }
  return undefined;
}

function scaleName(d: Dataset, index: number): string | undefined {
  try {
    const attached = d.get_attached_scales(index);
    if (attached.length) return attached[0].replace(/^\//, '');
  } catch {
    // no dimension scales attached
  }
  return undefined;
}

function uniqueScaleOfLength(datasets: Map<string, Dataset>, len: number): string | undefined {
  const matches = [...datasets].filter(([, d]) => isScale(d) && d.shape?.[0] === len);
  return matches.length === 1 ? matches[0][0] : undefined;
}

/** One region of a neural assembly, in the bundle's layout (docs/bundle-format.md). */
export interface AssemblyRegion {
  /** The `region` coordinate's value ('all' when the assembly has no `region` coordinate). */
  name: string;
  neuroids: string[];
  /** [stimuli, neuroids], C order: the mean over a stimulus's presentations, NaN-skipping (Brain-Score's average_repetition). */
  responses: Float64Array;
  /** [neuroids, stimuli, repeats], C order, NaN-padded: each presentation kept, for split-half ceilings. */
  repeats: Float64Array;
  repeatCount: number;
}

export interface AssemblyResponses {
  /** Unique `stimulus_id`s in order of first presentation. */
  stimulusIds: string[];
  regions: AssemblyRegion[];
}

/**
 * Turn a NeuroidAssembly (dims presentation × neuroid [× time_bin]) into per-region stimulus × neuroid
 * responses: presentations are grouped by `stimulus_id` (or legacy `image_id`), neuroids by `region`.
 * With several time bins, `timeBin` (an index) must say which one to use.
 */
export function assemblyResponses(assembly: NetcdfAssembly, options: { timeBin?: number } = {}): AssemblyResponses {
  const { dims, shape, coords, data } = assembly;
  const p = dims.indexOf('presentation');
  const n = dims.indexOf('neuroid');
  const t = dims.indexOf('time_bin');
  const extra = dims.filter((d) => !['presentation', 'neuroid', 'time_bin'].includes(d));
  if (p < 0 || n < 0 || extra.length) {
    throw new UserFacingError(
      `This assembly has dimensions (${dims.join(', ')}); neural responses need (presentation, neuroid) or (presentation, neuroid, time_bin).`,
      'Behavioral or metadata assemblies cannot be used as neural responses.',
    );
  }
  const bins = t < 0 ? 1 : shape[t];
  let bin = options.timeBin ?? 0;
  if (bins > 1 && options.timeBin === undefined) {
    const start = coords.time_bin_start?.values;
    const end = coords.time_bin_end?.values;
    const labels = Array.from({ length: bins }, (_, i) => (start && end ? `${i}: ${start[i]}–${end[i]} ms` : String(i)));
    throw new UserFacingError(`This assembly has ${bins} time bins; choose one (${labels.join(', ')}).`);
  }
  if (!Number.isInteger(bin) || bin < 0 || bin >= bins) throw new UserFacingError(`Time bin ${bin} does not exist; this assembly has ${bins}.`);
  const stimulusCoord = coordOn(assembly, ['stimulus_id', 'image_id'], 'presentation');
  if (!stimulusCoord) throw new UserFacingError('The assembly has no stimulus_id coordinate on its presentation dimension.', 'BrainIO assemblies identify each presentation by stimulus_id.');
  const presentationStimulus = stimulusCoord.map(String);
  const stimulusIds = [...new Set(presentationStimulus)];
  const stimulusIndex = new Map(stimulusIds.map((id, i) => [id, i]));
  const nNeuroids = shape[n];
  const neuroidIds = (coordOn(assembly, ['neuroid_id'], 'neuroid') ?? Array.from({ length: nNeuroids }, (_, i) => i)).map(String);
  const regionOf = (coordOn(assembly, ['region'], 'neuroid') ?? Array<string>(nNeuroids).fill('all')).map(String);
  // C-order strides of the data, to read value(presentation, neuroid, bin) whatever the dimension order.
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const value = (pi: number, ni: number) => data[pi * strides[p] + ni * strides[n] + (t < 0 ? 0 : bin * strides[t])];
  const presentationsOf = stimulusIds.map(() => [] as number[]);
  presentationStimulus.forEach((id, pi) => presentationsOf[stimulusIndex.get(id)!].push(pi));
  const repeatCount = Math.max(...presentationsOf.map((ps) => ps.length));
  const nStimuli = stimulusIds.length;
  return {
    stimulusIds,
    regions: [...new Set(regionOf)].map((name) => {
      const members = regionOf.flatMap((r, i) => (r === name ? [i] : []));
      const responses = new Float64Array(nStimuli * members.length);
      const repeats = new Float64Array(members.length * nStimuli * repeatCount).fill(NaN);
      members.forEach((ni, j) => {
        presentationsOf.forEach((ps, s) => {
          let sum = 0;
          let count = 0;
          ps.forEach((pi, r) => {
            const v = value(pi, ni);
            repeats[(j * nStimuli + s) * repeatCount + r] = v;
            if (!Number.isNaN(v)) {
              sum += v;
              count++;
            }
          });
          responses[s * members.length + j] = count ? sum / count : NaN;
        });
      });
      return { name, neuroids: members.map((i) => neuroidIds[i]), responses, repeats, repeatCount };
    }),
  };
}

function coordOn(assembly: NetcdfAssembly, names: string[], dim: string): (string | number)[] | undefined {
  const name = names.find((c) => assembly.coords[c]?.dim === dim);
  return name ? assembly.coords[name].values : undefined;
}

export interface AssemblySelection {
  /** The bundle's stimulus ids in row order; each must be presented in the assembly (others are left out). */
  stimulusIds: readonly string[];
  /** Value of the `region` coordinate; required when the assembly holds several regions. */
  region?: string;
  /** Time bin index; required when the assembly has several. */
  timeBin?: number;
}

/**
 * One region of a neural assembly with its stimuli in the caller's order, matched by `stimulus_id`:
 * what a bundle region whose data is a .nc file holds (docs/bundle-format.md).
 */
export function selectAssemblyRegion(assembly: NetcdfAssembly, selection: AssemblySelection): AssemblyRegion {
  const all = assemblyResponses(assembly, { timeBin: selection.timeBin });
  const names = all.regions.map((r) => r.name);
  let region: AssemblyRegion | undefined;
  if (selection.region !== undefined) {
    if (assembly.coords.region?.dim !== 'neuroid') {
      throw new UserFacingError(`The assembly has no region coordinate, so region "${selection.region}" cannot be picked from it.`, 'Leave out "region": all neuroids are used.');
    }
    region = all.regions.find((r) => r.name === selection.region);
    if (!region) throw new UserFacingError(`The assembly has no neuroids in region "${selection.region}"; its regions are ${names.join(', ')}.`);
  } else if (all.regions.length > 1) {
    throw new UserFacingError(`The assembly holds ${names.length} regions (${names.join(', ')}); say which one with "region".`);
  } else {
    region = all.regions[0];
  }
  const row = new Map(all.stimulusIds.map((id, i) => [id, i]));
  const missing = selection.stimulusIds.filter((id) => !row.has(id));
  if (missing.length) {
    const shown = missing.slice(0, 5).map((id) => `"${id}"`).join(', ');
    throw new UserFacingError(
      `${missing.length} of ${selection.stimulusIds.length} stimuli are never presented in the assembly (${shown}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}).`,
      `Stimulus ids in benchmark.json must equal the assembly's stimulus_id values (it has ${all.stimulusIds.length}, e.g. "${all.stimulusIds[0]}").`,
    );
  }
  const order = selection.stimulusIds.map((id) => row.get(id)!);
  const nNeuroids = region.neuroids.length;
  const nAll = all.stimulusIds.length;
  const nStimuli = order.length;
  const reps = region.repeatCount;
  const responses = new Float64Array(nStimuli * nNeuroids);
  const repeats = new Float64Array(nNeuroids * nStimuli * reps);
  order.forEach((from, s) => {
    responses.set(region.responses.subarray(from * nNeuroids, (from + 1) * nNeuroids), s * nNeuroids);
    for (let n = 0; n < nNeuroids; n++) {
      repeats.set(region.repeats.subarray((n * nAll + from) * reps, (n * nAll + from + 1) * reps), (n * nStimuli + s) * reps);
    }
  });
  return { name: region.name, neuroids: region.neuroids, responses, repeats, repeatCount: reps };
}
