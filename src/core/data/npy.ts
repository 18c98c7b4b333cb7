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

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/**
 * The file's bytes as an ArrayBuffer whose data section starts at a multiple of 8 (npyjs views the data in
 * place, which typed arrays refuse at an odd offset). numpy pads headers to 64 bytes, but other writers and
 * older versions may not: such files are valid, so the header is re-padded with spaces (as the format allows).
 */
function alignedBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  if (bytes.length < 12 || MAGIC.some((b, i) => bytes[i] !== b)) return copy();
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  const headerLen = lenBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenBytes + headerLen;
  if (dataStart % 8 === 0 || dataStart > bytes.length || headerLen === 0) return copy();
  // Insert spaces before the header's terminating newline so the data starts at a multiple of 8.
  const pad = 8 - (dataStart % 8);
  if (lenBytes === 2 && headerLen + pad > 0xffff) return copy();
  const out = new Uint8Array(bytes.length + pad);
  out.set(bytes.subarray(0, dataStart - 1), 0);
  out.fill(0x20, dataStart - 1, dataStart - 1 + pad);
  out.set(bytes.subarray(dataStart - 1), dataStart - 1 + pad);
  const outView = new DataView(out.buffer);
  if (lenBytes === 2) outView.setUint16(8, headerLen + pad, true);
  else outView.setUint32(8, headerLen + pad, true);
  return out.buffer;
}

export function readNpy(bytes: Uint8Array, name = 'array.npy'): NpyArray {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(alignedBuffer(bytes));
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
