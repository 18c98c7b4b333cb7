/** Benchmark bundles kept in IndexedDB (fake-indexeddb): round trip, replace, list, delete, and a refused write. */
import 'fake-indexeddb/auto';
import { describe, expect, test, vi } from 'vitest';
import { readBundleAsync } from '../../src/core/data/bundle';
import { syntheticBundle } from '../../src/core/data/synthetic';
import { BundleStore, type StoredBundleInfo } from '../../src/core/store/bundle-store';

const info = (id: string, name = id): Omit<StoredBundleInfo, 'size' | 'addedAt'> => ({
  id, name, modality: 'vision', synthetic: true, origin: 'import', source: 'test.zip', stimuli: 0, regions: [],
});

describe('BundleStore', () => {
  test('a stored bundle reads back byte for byte and as the same benchmark', async () => {
    const store = new BundleStore('test-bundle-store-1');
    const files = syntheticBundle();
    const stored = await store.put(info('synthetic-demo', 'Synthetic'), files);
    expect(stored.size).toBeGreaterThan(1000);
    const back = await store.get('synthetic-demo');
    expect([...back!.files.keys()].sort()).toEqual([...files.keys()].sort());
    for (const [k, v] of files) expect(Buffer.from(back!.files.get(k)!).equals(Buffer.from(v))).toBe(true);
    const a = await readBundleAsync(files);
    const b = await readBundleAsync(back!.files);
    expect(Array.from(b.regions[0].responses!.data)).toEqual(Array.from(a.regions[0].responses!.data));
    expect(await store.has('synthetic-demo')).toBe(true);
    expect((await store.list()).map((x) => x.id)).toEqual(['synthetic-demo']);
    // A new store object on the same database (a reload) sees it.
    expect((await new BundleStore('test-bundle-store-1').list()).map((x) => x.name)).toEqual(['Synthetic']);
    await store.delete('synthetic-demo');
    expect(await store.get('synthetic-demo')).toBeUndefined();
    expect(await store.totalBytes()).toBe(0);
  });

  test('quota exceeded: a clear message, and the previous version stays intact', async () => {
    const store = new BundleStore('test-bundle-store-2');
    const old = new Map([['benchmark.json', new TextEncoder().encode('{"old":true}')]]);
    await store.put(info('b1', 'Old'), old);
    const put = IDBObjectStore.prototype.put;
    const spy = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'zips') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    });
    try {
      await expect(store.put(info('b1', 'New'), new Map([['benchmark.json', new Uint8Array(10)]]))).rejects.toThrow(/Browser storage is full: the benchmark “New” could not be stored\. Nothing was changed/);
    } finally {
      spy.mockRestore();
    }
    const back = await store.get('b1');
    expect(back!.info.name).toBe('Old');
    expect(new TextDecoder().decode(back!.files.get('benchmark.json'))).toBe('{"old":true}');
  });
});
