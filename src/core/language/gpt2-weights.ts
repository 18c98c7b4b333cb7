/**
 * The built-in untrained GPT-2 (core/onnx/gpt2.ts) as a small graph whose weights are ONNX external data that is
 * never held whole: `read(offset, length)` draws the bytes of any range on demand, the same bytes as
 * buildGpt2Model writes. A runtime that copies each weight from the external data into its own memory (the
 * Language lab's onnxruntime-web, workers/language.worker.ts) then needs at most one tensor's bytes in JS at a
 * time instead of the whole 475 MB model next to its own copy.
 *
 * Every 'normal' initializer takes the next values of Rng(seed), 2 uniforms per pair of values (Rng.fillNormal),
 * so one pass that only steps the generator records its state at the start of each tensor: any tensor can then
 * be drawn alone, in any order.
 */
import { gpt2ModelParts, type Gpt2Config, type Initializer } from '../onnx/gpt2';
import { encodeModel, onnx, type TensorProto } from '../onnx/proto';
import { Rng, type RngState } from './random';

/** Name the graph gives its external data (any name: the data are handed over in memory). */
export const GPT2_WEIGHTS_PATH = 'gpt2-weights.bin';

export interface LazyGpt2 {
  /** The ONNX model: graph plus initializers that reference GPT2_WEIGHTS_PATH (small ones stay embedded). */
  model: Uint8Array;
  /** Length of the external data in bytes. */
  byteLength: number;
  /** Draws the external data's bytes [offset, offset + out.length) into `out` and returns it. */
  read(offset: number, out: Uint8Array): Uint8Array;
}

/** Advances an xoshiro128** state by `n` outputs (Rng.nextUint32's state update, without computing outputs). */
function skip(state: RngState, n: number): RngState {
  let [a, b, c, d] = state;
  for (let i = 0; i < n; i++) {
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
  }
  return [a >>> 0, b >>> 0, c >>> 0, d >>> 0];
}

function byteLengthOf(t: Initializer): number {
  return t.fill.kind === 'values' ? t.fill.bytes.length : t.dims.reduce((a, b) => a * b, 1) * 4;
}

/** Writes initializer `t`'s bytes into `out` (its full length); `state` is the generator's state at its start. */
function draw(t: Initializer, state: RngState | undefined, out: Uint8Array): void {
  const fill = t.fill;
  if (fill.kind === 'values') out.set(fill.bytes);
  else if (fill.kind === 'zeros') out.fill(0);
  else {
    const floats = new Float32Array(out.buffer, out.byteOffset, out.byteLength / 4);
    if (fill.kind === 'ones') floats.fill(1);
    else new Rng(state!).fillNormal(floats, fill.sd);
  }
}

/** The model of buildGpt2Model(config) with every initializer of at least `minBytes` as lazily drawn external data. */
export function buildGpt2Lazy(config: Gpt2Config, minBytes = 1024): LazyGpt2 {
  const { model, graph, inits, seed } = gpt2ModelParts(config);
  let state = new Rng(seed).state();
  const entries: { t: Initializer; state?: RngState; offset: number; length: number }[] = [];
  const initializer: TensorProto[] = [];
  let offset = 0;
  for (const t of inits) {
    const length = byteLengthOf(t);
    let at: RngState | undefined;
    if (t.fill.kind === 'normal') {
      at = state;
      state = skip(state, 2 * Math.ceil(length / 8));
    }
    if (t.fill.kind === 'values' || length < minBytes) {
      const raw = new Uint8Array(length);
      draw(t, at, raw);
      initializer.push({ name: t.name, dims: t.dims, dataType: t.dataType, rawData: raw });
      continue;
    }
    entries.push({ t, state: at, offset, length });
    initializer.push({
      name: t.name, dims: t.dims, dataType: t.dataType, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: GPT2_WEIGHTS_PATH },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ],
    });
    offset += length;
  }
  const byteLength = offset;
  return {
    model: encodeModel({ ...model, graph: { ...graph, initializer } }),
    byteLength,
    read(from: number, out: Uint8Array): Uint8Array {
      const length = out.length;
      if (!(from >= 0 && from + length <= byteLength)) throw new RangeError(`GPT-2 weights: range ${from}+${length} outside 0..${byteLength}`);
      for (const e of entries) {
        const lo = Math.max(from, e.offset);
        const hi = Math.min(from + length, e.offset + e.length);
        if (lo >= hi) continue;
        if (lo === e.offset && hi === e.offset + e.length && (out.byteOffset + lo - from) % 4 === 0) draw(e.t, e.state, out.subarray(lo - from, hi - from));
        else {
          // Part of a tensor, or unaligned: draw it whole aside (the runtime asks for whole tensors, one at a time).
          const whole = new Uint8Array(e.length);
          draw(e.t, e.state, whole);
          out.set(whole.subarray(lo - e.offset, hi - e.offset), lo - from);
        }
      }
      return out;
    },
  };
}

/**
 * The external data as a Uint8Array that holds nothing until read: onnxruntime-web (WASM) keeps an in-memory
 * external data file as given when it is a Uint8Array and copies each initializer out of it at once with
 * `byteLength` and `subarray(begin, end)`. Each weight is drawn when the runtime copies it, into a scratch buffer
 * that is reused while it fits and otherwise released on the spot (ArrayBuffer.transfer), so JS holds about one
 * tensor at a time and the embedding's 150 MB only while it is copied: what `subarray` returns is valid until the
 * next call.
 */
export function drawnOnRead(lazy: Pick<LazyGpt2, 'byteLength' | 'read'>): Uint8Array {
  const size = lazy.byteLength;
  const at = (i: number | undefined, fallback: number) => (i === undefined ? fallback : i < 0 ? Math.max(size + i, 0) : Math.min(i, size));
  let scratch = new ArrayBuffer(0);
  const view = new Uint8Array(0);
  Object.defineProperties(view, {
    byteLength: { get: () => size },
    subarray: {
      value: (begin?: number, end?: number) => {
        const b = at(begin, 0);
        const length = Math.max(at(end, size) - b, 0);
        if (length > scratch.byteLength || length * 4 < scratch.byteLength) {
          // Frees the old bytes now rather than at the next garbage collection (none may come while the runtime,
          // in one synchronous call, reads the rest).
          (scratch as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer }).transfer?.(0);
          scratch = new ArrayBuffer(length);
        }
        return lazy.read(b, new Uint8Array(scratch, 0, length));
      },
    },
  });
  return view;
}
