/**
 * Memory-bounded recording: how a batch is split into inference runs, and where each run's outputs land.
 * A two-output model built in code runs on onnxruntime-node; expected values are closed-form.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { Recorder, copyAsFloat32, itemsPerRun, releaseArray, type OrtModule, type OrtTensor } from '../../src/core/engine';
import { GraphBuilder } from '../../src/core/onnx';
import { UserFacingError } from '../../src/core/types';

const MiB = 2 ** 20;

describe('itemsPerRun', () => {
  test('as many items as fit the budget, at least one, at most the batch', () => {
    expect(itemsPerRun(32, 26 * MiB, 64 * MiB)).toBe(2);
    expect(itemsPerRun(32, 16 * MiB, 64 * MiB)).toBe(4);
    expect(itemsPerRun(32, 1024, 64 * MiB)).toBe(32);
    expect(itemsPerRun(32, 100 * MiB, 64 * MiB)).toBe(1);
    expect(itemsPerRun(5, 0, 64 * MiB)).toBe(5);
  });
});

describe('copyAsFloat32', () => {
  const tensor = (type: string, data: unknown): OrtTensor => ({ type, dims: [2], data });

  test('writes float32, float16 bits and integers at the offset, leaving the rest alone', () => {
    const target = new Float32Array(6).fill(9);
    copyAsFloat32(tensor('float32', Float32Array.of(1.5, -2)), target, 1);
    expect([...target]).toEqual([9, 1.5, -2, 9, 9, 9]);
    // float16: 0x3c00 = 1, 0xc000 = -2, 0x3555 ≈ 1/3 (0.333251953125), 0x7c00 = +Infinity.
    copyAsFloat32(tensor('float16', Uint16Array.of(0x3c00, 0xc000)), target, 0);
    copyAsFloat32(tensor('float16', Uint16Array.of(0x3555, 0x7c00)), target, 2);
    copyAsFloat32(tensor('int64', BigInt64Array.of(7n, -3n)), target, 4);
    expect([...target]).toEqual([1, -2, 0.333251953125, Infinity, 7, -3]);
  });

  test('a non-numeric layer is a UserFacingError', () => {
    expect(() => copyAsFloat32(tensor('string', ['a', 'b']), new Float32Array(2), 0)).toThrow(UserFacingError);
  });
});

/** Records the lengths each call of `buffer.transfer` asks for (Node 20 has no ArrayBuffer.prototype.transfer). */
function watchTransfer(buffer: ArrayBufferLike, calls: number[]): void {
  Object.defineProperty(buffer, 'transfer', {
    configurable: true,
    value: (length: number) => {
      calls.push(length);
      return new ArrayBuffer(length);
    },
  });
}

describe('releaseArray', () => {
  test('detaches a buffer the array alone spans, and nothing else', () => {
    const calls: number[] = [];
    const whole = new Float32Array(8);
    watchTransfer(whole.buffer, calls);
    releaseArray(whole);
    expect(calls).toEqual([0]);

    const shared = new Float32Array(8);
    const sharedCalls: number[] = [];
    watchTransfer(shared.buffer, sharedCalls);
    releaseArray(shared.subarray(2)); // a view into a larger buffer: others may still use the rest
    releaseArray(shared.subarray(0, 4));
    expect(sharedCalls).toEqual([]);

    const failing = new Uint8Array(4);
    Object.defineProperty(failing.buffer, 'transfer', { value: () => { throw new TypeError('not detachable'); } });
    expect(() => releaseArray(failing)).not.toThrow();
    expect(() => releaseArray([1, 2, 3])).not.toThrow();
    expect(() => releaseArray(new Float32Array(new SharedArrayBuffer(16)))).not.toThrow();
  });

  test.runIf(typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function')('with the runtime\'s own transfer, the buffer is detached', () => {
    const a = new Float32Array(1024);
    releaseArray(a);
    expect(a.buffer.byteLength).toBe(0);
    expect(a.length).toBe(0);
  });
});

/** y = x + 1 ([n, 3]) and s = row sums of x ([n, 1]): 16 bytes of outputs per item. */
function twoOutputModel(batchDim: number | string): Uint8Array {
  const g = new GraphBuilder('two-outputs');
  g.input('x', [batchDim, 3]);
  g.node('Add', ['x', g.floats('one', [], [1])], 'y');
  g.node('MatMul', ['x', g.floats('ones', [3, 1], [1, 1, 1])], 's');
  g.output('y', [batchDim, 3]);
  g.output('s', [batchDim, 1]);
  return g.toBytes();
}

/** onnxruntime-node with every run's batch size and every output tensor's disposal counted. */
function countingOrt(): { ort: OrtModule; stats: { runSizes: number[]; outputs: number; disposed: number; released: number[] } } {
  const stats = { runSizes: [] as number[], outputs: 0, disposed: 0, released: [] as number[] };
  const counting: OrtModule = {
    Tensor: ort.Tensor as unknown as OrtModule['Tensor'],
    InferenceSession: {
      async create(buffer, options) {
        const session = await ort.InferenceSession.create(buffer, options as ort.InferenceSession.SessionOptions);
        return {
          inputNames: session.inputNames,
          outputNames: session.outputNames,
          release: () => session.release(),
          async run(feeds, fetches) {
            stats.runSizes.push(feeds.x.dims[0]);
            const out = await session.run(feeds as unknown as ort.InferenceSession.FeedsType, fetches as string[]);
            const wrapped: Record<string, ort.Tensor> = {};
            for (const [name, t] of Object.entries(out)) {
              stats.outputs++;
              // onnxruntime-web hands out every output in a fresh array of its own: make node's look the same.
              const own = new Float32Array(t.data as Float32Array);
              watchTransfer(own.buffer, stats.released);
              t.dispose();
              const copy = new ort.Tensor('float32', own, t.dims);
              let counted = false;
              copy.dispose = () => {
                if (!counted) stats.disposed++;
                counted = true;
              };
              wrapped[name] = copy;
            }
            return wrapped as unknown as Record<string, OrtTensor>;
          },
        };
      },
    },
  };
  return { ort: counting, stats };
}

/** Item i is the row [i, 2i, -i]. */
const rowsOf = (batch: number[]) => ({ x: { data: Float32Array.from(batch.flatMap((i) => [i, 2 * i, -i])), dims: [batch.length, 3] } });

describe('recordBatches in memory-bounded runs', () => {
  test('a batch over the budget runs as smaller runs; outputs land at each item\'s offset', async () => {
    const counting = countingOrt();
    const rec = await Recorder.create(counting.ort, twoOutputModel('n'), { layers: ['y', 's'] });
    const items = [0, 1, 2, 3, 4, 5, 6];
    const progress: number[] = [];
    // 16 bytes per item, 32 bytes per run: 2 items per run once the first, one-item run has measured them.
    const [y, s] = await rec.recordBatches(items, rowsOf, { batchSize: 4, maxRunBytes: 32, onProgress: (p) => progress.push(p.done) });
    await rec.dispose();
    expect(counting.stats.runSizes).toEqual([1, 2, 1, 2, 1]);
    expect(progress).toEqual([0, 4, 7]);
    expect(y.dims).toEqual([7, 3]);
    expect(s.dims).toEqual([7, 1]);
    expect([...y.data]).toEqual(items.flatMap((i) => [i + 1, 2 * i + 1, 1 - i]));
    expect([...s.data]).toEqual(items.map((i) => 2 * i));
    expect(counting.stats.disposed).toBe(counting.stats.outputs);
    // Each run's outputs are freed as soon as they are copied, not left to the garbage collector.
    expect(counting.stats.released).toEqual(new Array(counting.stats.outputs).fill(0));
  });

  test('the whole batch in one run when it fits the budget (after the one-item run)', async () => {
    const counting = countingOrt();
    const rec = await Recorder.create(counting.ort, twoOutputModel('n'), { layers: ['s'] });
    const [s] = await rec.recordBatches([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], rowsOf, { batchSize: 8 });
    await rec.dispose();
    expect(counting.stats.runSizes).toEqual([1, 7, 2]);
    expect([...s.data]).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });

  test('a fixed batch dimension is never split', async () => {
    const counting = countingOrt();
    const rec = await Recorder.create(counting.ort, twoOutputModel(4), { layers: ['y'] });
    const [y] = await rec.recordBatches([0, 1, 2, 3, 4, 5, 6, 7], rowsOf, { batchSize: 4, maxRunBytes: 16 });
    await rec.dispose();
    expect(counting.stats.runSizes).toEqual([4, 4]);
    expect([...y.data.subarray(21)]).toEqual([8, 15, -6]);
  });
});
