/**
 * .npy reading and writing (NumPy format 1.0–3.0) via npyjs, which parses an ArrayBuffer in Node and
 * browsers alike. Numbers come back as Float64Array (NaN preserved) with the C-order shape.
 */
import { dump, parse } from 'npyjs';
import { UserFacingError } from '../types';

export interface NpyArray {
  shape: number[];
  /** C-order values as float64 (int and bool arrays are converted). */
  data: Float64Array;
  /** NumPy dtype code without byte order, e.g. 'f8', 'f4', 'i8'. */
  dtype: string;
}

export function readNpy(bytes: Uint8Array, name = 'array.npy'): NpyArray {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(buffer);
  } catch (e) {
    throw new UserFacingError(`${name} is not a readable .npy file (${(e as Error).message}).`);
  }
  if (parsed.fortranOrder) throw new UserFacingError(`${name} is stored in Fortran order; save it with np.ascontiguousarray first.`);
  const src = parsed.data as unknown as ArrayLike<number | bigint>;
  if (typeof parsed.dtype === 'string' && (parsed.dtype.startsWith('U') || parsed.dtype.startsWith('c'))) {
    throw new UserFacingError(`${name} has dtype ${parsed.dtype}; only real numbers are supported.`);
  }
  const data = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) data[i] = Number(src[i]);
  const expected = parsed.shape.reduce((a, b) => a * b, 1);
  if (expected !== data.length) throw new UserFacingError(`${name} has ${data.length} values but shape [${parsed.shape}] needs ${expected}.`);
  return { shape: [...parsed.shape], data, dtype: String(parsed.dtype) };
}

/** Write a float64 (default) or float32 C-order .npy. */
export function writeNpy(data: ArrayLike<number>, shape: number[], dtype: 'f8' | 'f4' = 'f8'): Uint8Array {
  const typed = dtype === 'f8' ? Float64Array.from(data) : Float32Array.from(data);
  return new Uint8Array(dump(typed, shape));
}
