/**
 * Lossless JSON encoding of experiment results. IndexedDB stores typed arrays and NaN natively, but a
 * file must be JSON: typed arrays become `{ $typed: dtype, shape, base64 }` (little-endian bytes) and
 * non-finite numbers become `{ $number: "NaN" | "Infinity" | "-Infinity" }`.
 */
import { UserFacingError } from '../types';

export const TYPED_ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  uint8clamped: Uint8ClampedArray,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
} as const;

export type DType = keyof typeof TYPED_ARRAYS;
export type AnyTypedArray = InstanceType<(typeof TYPED_ARRAYS)[DType]>;

/** Values an experiment may hold: JSON plus typed arrays and non-finite numbers. */
export type StorableValue =
  | null
  | boolean
  | number
  | string
  | AnyTypedArray
  | StorableValue[]
  | { [key: string]: StorableValue };

interface EncodedTyped {
  $typed: DType;
  shape: number[];
  base64: string;
}

function dtypeOf(a: ArrayBufferView): DType | null {
  for (const [name, ctor] of Object.entries(TYPED_ARRAYS)) if (a instanceof ctor) return name as DType;
  return null;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Check that a value can be stored and exported: throws a UserFacingError naming the offending path
 * (functions, Dates, Maps, class instances, DataViews, BigInts are refused, so nothing is lost silently).
 */
export function assertStorable(value: unknown, path = 'results'): void {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return;
  if (ArrayBuffer.isView(value)) {
    if (!dtypeOf(value)) throw new UserFacingError(`Cannot save ${path}: ${value.constructor.name} is not a supported array type.`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertStorable(v, `${path}[${i}]`));
    return;
  }
  if (typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue; // dropped by JSON, as expected of optional fields
      assertStorable(v, `${path}.${k}`);
    }
    return;
  }
  const what = typeof value === 'object' ? (value as object).constructor?.name ?? 'object' : typeof value;
  throw new UserFacingError(`Cannot save ${path}: a ${what} is not plain data (use numbers, strings, arrays, objects or typed arrays).`);
}

/** Encode for JSON. */
export function encodeValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $number: String(value) };
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value)) {
    const dtype = dtypeOf(value)!;
    const a = value as AnyTypedArray;
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    return { $typed: dtype, shape: [a.length], base64: bytesToBase64(bytes) } satisfies EncodedTyped;
  }
  if (Array.isArray(value)) return value.map(encodeValue);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeValue(v);
  return out;
}

/** Decode what encodeValue wrote; throws a UserFacingError (with the path) on malformed arrays. */
export function decodeValue(value: unknown, path = 'results'): StorableValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v, i) => decodeValue(v, `${path}[${i}]`));
  if (typeof value !== 'object') throw new UserFacingError(`Invalid value at ${path}.`);
  const o = value as Record<string, unknown>;
  if ('$number' in o && Object.keys(o).length === 1) {
    const n = Number(o.$number);
    if (!['NaN', 'Infinity', '-Infinity'].includes(String(o.$number))) throw new UserFacingError(`Invalid number at ${path}.`);
    return n;
  }
  if ('$typed' in o && 'base64' in o) {
    const dtype = o.$typed as DType;
    const ctor = TYPED_ARRAYS[dtype];
    if (!ctor || typeof o.base64 !== 'string') throw new UserFacingError(`Invalid array at ${path}: unknown type "${String(o.$typed)}".`);
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(o.base64);
    } catch {
      throw new UserFacingError(`Invalid array at ${path}: its data is not base64.`);
    }
    const shape = Array.isArray(o.shape) ? (o.shape as unknown[]) : [];
    const length = shape.reduce<number>((p, d) => p * (typeof d === 'number' ? d : NaN), 1);
    if (!Number.isInteger(length) || length * ctor.BYTES_PER_ELEMENT !== bytes.length) {
      throw new UserFacingError(`Invalid array at ${path}: ${bytes.length} bytes do not hold ${String(shape)} ${dtype} values.`);
    }
    // Copy into a fresh, aligned buffer.
    const buf = new ArrayBuffer(bytes.length);
    new Uint8Array(buf).set(bytes);
    return new ctor(buf);
  }
  const out: Record<string, StorableValue> = {};
  for (const [k, v] of Object.entries(o)) out[k] = decodeValue(v, `${path}.${k}`);
  return out;
}
