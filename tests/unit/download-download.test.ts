import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { checkOnnxModelBytes, downloadBytes, downloadModel, sha256Hex, type DownloadProgress } from '../../src/core/download/download';
import { ModelCache } from '../../src/core/store/cache';
import type { HubModelEntry } from '../../src/core/catalog/models';
import { CancelledError, UserFacingError } from '../../src/core/types';
import { hasShared, sharedPath } from '../support/shared';
import { startServer, type TestServer } from '../support/server';
import { describeIf } from '../support/ci';

const MNIST = sharedPath('models/wonnx-opt-mnist.onnx');
const MOBILENET = sharedPath('models/mobilenetv2-12-fp32.onnx');

const entry = (id: string, repo: string, size: number, sha256?: string): HubModelEntry => ({
  kind: 'hub', id, name: id, modality: 'vision', description: '', repo, license: 'test', verified: true,
  files: [{ path: 'model.onnx', file: 'model.onnx', size, sha256 }],
});

test('sha256Hex matches node:crypto', async () => {
  const data = new TextEncoder().encode('silico');
  expect(await sha256Hex(data)).toBe(createHash('sha256').update(data).digest('hex'));
});

describeIf(hasShared, 'ONNX structure check', () => {
  test('accepts real models, rejects truncated, HTML and random bytes', () => {
    const real = new Uint8Array(readFileSync(MNIST));
    expect(() => checkOnnxModelBytes(real)).not.toThrow();
    expect(() => checkOnnxModelBytes(new Uint8Array(readFileSync(MOBILENET)))).not.toThrow();
    expect(() => checkOnnxModelBytes(real.subarray(0, Math.floor(real.length / 2)))).toThrow(/truncated/);
    expect(() => checkOnnxModelBytes(new TextEncoder().encode('<!doctype html><html>Not found</html>'))).toThrow(UserFacingError);
    expect(() => checkOnnxModelBytes(new Uint8Array(4096).fill(0x41))).toThrow(/not a valid ONNX model/);
  });
});

describeIf(hasShared, 'downloads from the local hub mimic', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  test('complete download: exact bytes, monotone progress ending at the total, cached once', async () => {
    const cache = new ModelCache('test-dl-ok');
    const expected = readFileSync(MOBILENET);
    const sha = createHash('sha256').update(expected).digest('hex');
    server.setThrottle(4_000_000);
    const events: DownloadProgress[] = [];
    const stored = await downloadModel(entry('mnv2', 'silico-test/mobilenetv2', expected.length, sha), {
      hubBase: server.hubBase, cache, onProgress: (p) => events.push(p),
    });
    server.setThrottle(0);
    expect(stored.size).toBe(expected.length);
    const got = await cache.get('mnv2');
    expect(Buffer.from(got!.files[0].data).equals(expected)).toBe(true);
    expect(events.length).toBeGreaterThan(3);
    for (let i = 1; i < events.length; i++) expect(events[i].loaded).toBeGreaterThanOrEqual(events[i - 1].loaded);
    expect(events.at(-1)!.loaded).toBe(expected.length);
    expect(events.at(-1)!.etaSeconds).toBe(0);
    expect(events.every((e) => e.total === expected.length && e.bytesPerSec > 0)).toBe(true);
    cache.close();
  });

  test('truncated download is rejected and the cache stays unchanged', async () => {
    const cache = new ModelCache('test-dl-trunc');
    await cache.put({ id: 'keep', name: 'keep', source: 't' }, [{ path: 'model.onnx', data: new Uint8Array(7) }]);
    const before = await cache.list();
    const size = readFileSync(MOBILENET).length;
    await expect(
      downloadModel(entry('mnv2', 'silico-test/mobilenetv2', size), { hubBase: `${server.url}/truncated`, cache }),
    ).rejects.toThrow(/broke off|incomplete/);
    expect(await cache.list()).toEqual(before);
    expect(await cache.has('mnv2')).toBe(false);
    cache.close();
  });

  test('right length but not ONNX: rejected, nothing cached; wrong sha256: rejected', async () => {
    const cache = new ModelCache('test-dl-corrupt');
    const size = readFileSync(MNIST).length;
    await expect(downloadModel(entry('m', 'silico-test/mnist', size), { hubBase: `${server.url}/corrupt`, cache })).rejects.toThrow(/not a valid ONNX/);
    await expect(downloadModel(entry('m', 'silico-test/mnist', size, '0'.repeat(64)), { hubBase: server.hubBase, cache })).rejects.toThrow(/checksum/);
    expect(await cache.list()).toEqual([]);
    cache.close();
  });

  test('404 gives a readable error; cancel gives CancelledError', async () => {
    await expect(downloadBytes(`${server.url}/silico-test/nothing/resolve/main/model.onnx`)).rejects.toThrow(/answered 404/);
    server.setThrottle(200_000);
    const controller = new AbortController();
    const p = downloadBytes(`${server.url}/silico-test/mobilenetv2/resolve/main/model.onnx`, {
      signal: controller.signal,
      onProgress: (e) => { if (e.loaded > 20_000) controller.abort(); },
    });
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    server.setThrottle(0);
  });
});
