import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { ModelCache, localModelId } from '../../src/core/store/cache';

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

describe('ModelCache (IndexedDB)', () => {
  test('put / get / list / total / delete / clear round-trip the exact bytes', async () => {
    const cache = new ModelCache('test-cache-roundtrip');
    expect(await cache.list()).toEqual([]);
    await cache.put({ id: 'a', name: 'Model A', source: 'test' }, [{ path: 'model.onnx', data: bytes(100, 1) }]);
    await cache.put({ id: 'b', name: 'Model B', source: 'test' }, [
      { path: 'model.onnx', data: bytes(10, 2) },
      { path: 'model.onnx.data', data: bytes(1000, 3) },
    ]);
    const list = await cache.list();
    expect(list.map((m) => [m.id, m.size, m.files.length])).toEqual([['a', 100, 1], ['b', 1010, 2]]);
    expect(await cache.totalBytes()).toBe(1110);
    const b = await cache.get('b');
    expect(b?.files.map((f) => [f.path, f.data.byteLength, f.data[0]])).toEqual([['model.onnx', 10, 2], ['model.onnx.data', 1000, 3]]);
    await cache.delete('a');
    expect(await cache.has('a')).toBe(false);
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.totalBytes()).toBe(1010);
    // Replacing an entry drops its old files.
    await cache.put({ id: 'b', name: 'Model B v2', source: 'test' }, [{ path: 'model.onnx', data: bytes(5, 9) }]);
    const b2 = await cache.get('b');
    expect(b2?.model.name).toBe('Model B v2');
    expect(b2?.files.map((f) => [f.path, f.data.byteLength])).toEqual([['model.onnx', 5]]);
    await cache.clear();
    expect(await cache.list()).toEqual([]);
    expect(await cache.totalBytes()).toBe(0);
    cache.close();
  });

  test('an entry with no files is refused with a readable error', async () => {
    const cache = new ModelCache('test-cache-empty');
    await expect(cache.put({ id: 'x', name: 'X', source: 't' }, [])).rejects.toThrow(/no files/);
    expect(await cache.list()).toEqual([]);
    cache.close();
  });

  test('two different files both called model.onnx get two ids and both stay cached; the same file keeps its id', async () => {
    const cache = new ModelCache('test-cache-local-ids');
    const one = bytes(64, 1);
    const two = bytes(64, 2);
    const id1 = await localModelId('model.onnx', one);
    const id2 = await localModelId('model.onnx', two);
    expect(id1).toMatch(/^local-model-[0-9a-f]{12}$/);
    expect(id2).not.toBe(id1);
    expect(await localModelId('model.onnx', one.slice())).toBe(id1);
    await cache.put({ id: id1, name: 'model.onnx', source: 'local import' }, [{ path: 'model.onnx', data: one }]);
    await cache.put({ id: id2, name: 'model.onnx', source: 'local import' }, [{ path: 'model.onnx', data: two }]);
    expect((await cache.list()).map((m) => m.id)).toEqual([id1, id2]);
    expect((await cache.get(id1))!.files[0].data[0]).toBe(1);
    expect((await cache.get(id2))!.files[0].data[0]).toBe(2);
  });
});
