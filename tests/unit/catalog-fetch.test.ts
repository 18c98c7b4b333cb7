import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cowleyDatasetId, datasetFileUrl, DATASETS, findDataset, flocSubset, type DatasetEntry } from '../../src/core/catalog/datasets';
import { fetchDataset, fetchDatasetBundle, importDatasetFiles, isDatasetCached, isDatasetUnavailable, type DatasetFetchEvent } from '../../src/core/catalog/fetch-dataset';
import { readBundleAsync } from '../../src/core/data/bundle';
import { flocImages, fedorenkoLocalizer, languageTableRows } from '../../src/core/data/pack';
import { ModelCache, type CachedFile } from '../../src/core/store/cache';
import { BundleStore } from '../../src/core/store/bundle-store';
import { CancelledError, UserFacingError } from '../../src/core/types';
import { hasSharedFiles, sharedPath } from '../support/shared';
import { startServer, type TestServer } from '../support/server';
import { describeIf } from '../support/ci';

const SESSION = '210325';
const COWLEY = cowleyDatasetId(SESSION);
const cowleyShared = (f: string) => new Uint8Array(readFileSync(sharedPath('data/vision/cowley2023-v4', f)));
let dbCounter = 0;
const freshCache = () => new ModelCache(`test-datasets-${++dbCounter}`);

test('every catalog entry has a licence, a citation, files at a real host and counts', () => {
  expect(DATASETS.length).toBe(18);
  for (const id of ['majajhong2015-public', 'freemanziemba2013-public', 'coggan2024-fmri', 'kriegeskorte2008-92', 'floc', 'tuckute2024-baseline', 'pereira2018', 'fedorenko2010-localizer', COWLEY]) {
    const d = findDataset(id)!;
    expect(d, id).toBeDefined();
    expect(d.license.length).toBeGreaterThan(2);
    expect(d.citation.length).toBeGreaterThan(20);
    for (const f of d.files) expect(datasetFileUrl(f)).toMatch(/^https:\/\/(raw\.githubusercontent\.com|brainscore-storage\.s3\.amazonaws\.com|huggingface\.co|evlabwebapps\.mit\.edu)\//);
  }
  // Pins: Coggan's assembly by versionId + SHA-1, Cowley by commit.
  const coggan = findDataset('coggan2024-fmri')!.files[0];
  expect(datasetFileUrl(coggan)).toBe('https://brainscore-storage.s3.amazonaws.com/brainio-brainscore/assy_tong_Coggan2024_fMRI.nc?versionId=LRYpTHYG7IoNCexbzZdQM4_LjML_M3CS');
  expect(coggan.sha1).toBe('da3adbca5247d0491d366f94e8431fb3e4e58db2');
  expect(datasetFileUrl(findDataset(COWLEY)!.files[0])).toBe(
    'https://raw.githubusercontent.com/cowleygroup/V4_compact_models/f4552ad9d34a466ebc66658f72a08a8e5038f1cf/data_V4_responses/images/images_210325.zip',
  );
  // .mat is import-only.
  expect(findDataset('kriegeskorte2008-92')!.importOnly).toMatch(/\.mat/);
  // A mirror keeps the path and the versionId.
  expect(datasetFileUrl(coggan, { mirror: 'http://127.0.0.1:9/' })).toBe('http://127.0.0.1:9/brainio-brainscore/assy_tong_Coggan2024_fMRI.nc?versionId=LRYpTHYG7IoNCexbzZdQM4_LjML_M3CS');
});

describeIf(hasSharedFiles('data/vision/cowley2023-v4', 'data/language/tuckute2024', 'data/vision/floc'), 'fetching from the local mirror', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  test('Cowley session: exact bytes, typed events in order, cached; the second fetch makes no request', async () => {
    const cache = freshCache();
    const events: DatasetFetchEvent[] = [];
    const before = server.mirrorRequests.length;
    const got = await fetchDataset(COWLEY, { mirror: server.mirror, cache, onEvent: (e) => events.push(e) });
    expect(got.fromCache).toBe(false);
    expect(Buffer.from(got.files.get(`images_${SESSION}.zip`)!).equals(Buffer.from(cowleyShared(`images_${SESSION}.zip`)))).toBe(true);
    expect(Buffer.from(got.files.get(`responses_avg_${SESSION}.npy`)!).equals(Buffer.from(cowleyShared(`responses_avg_${SESSION}.npy`)))).toBe(true);
    expect(server.mirrorRequests.length - before).toBe(3);
    expect(server.mirrorRequests.at(-3)).toBe(`/cowleygroup/V4_compact_models/f4552ad9d34a466ebc66658f72a08a8e5038f1cf/data_V4_responses/images/images_${SESSION}.zip`);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('start');
    expect(types.filter((t) => t === 'verified')).toHaveLength(3);
    expect(types.slice(-2)).toEqual(['stored', 'done']);
    const verified = events.find((e) => e.type === 'verified' && e.file.endsWith('.zip')) as Extract<DatasetFetchEvent, { type: 'verified' }>;
    expect(verified.checks).toContain('zip structure');
    expect(await isDatasetCached(COWLEY, { cache })).toBe(true);

    const again = await fetchDataset(COWLEY, { mirror: server.mirror, cache });
    expect(again.fromCache).toBe(true);
    expect(server.mirrorRequests.length - before).toBe(3);
  });

  test('packed in core: the Cowley bundle reads back with 640 stimuli × 50 neurons and the repeats; stored and reused', async () => {
    const bundles = new BundleStore(`test-bundles-${++dbCounter}`);
    const cache = freshCache();
    const first = await fetchDatasetBundle(COWLEY, { mirror: server.mirror, cache, bundles });
    const b = await readBundleAsync(first.bundle);
    expect(b.manifest.id).toBe(COWLEY);
    expect(b.manifest.stimuli).toHaveLength(640);
    expect(b.regions[0].responses!.cols).toBe(50);
    expect(b.regions[0].repeats!.repeats).toBe(10);
    // Responses are the .npy transposed: check one value against the file read independently.
    const { readNpy } = await import('../../src/core/data/npy');
    const avg = readNpy(cowleyShared(`responses_avg_${SESSION}.npy`));
    expect(b.regions[0].responses!.data[7 * 50 + 3]).toBe(avg.data[3 * 640 + 7]);
    expect((await bundles.list()).map((x) => [x.id, x.origin, x.datasetId])).toEqual([[COWLEY, 'catalog', COWLEY]]);
    const n = server.mirrorRequests.length;
    const second = await fetchDatasetBundle(COWLEY, { mirror: server.mirror, cache: null, bundles });
    expect(second.fromCache).toBe(true);
    expect(server.mirrorRequests.length).toBe(n);
  });

  test('language tables and stimulus sets: Tuckute baseline (1,000, cond B), Pereira (627), localizer (240 S + 240 N), fLoc subset', async () => {
    const cache = null;
    const tuckute = await fetchDataset('tuckute2024-baseline', { mirror: server.mirror, cache });
    const rows = languageTableRows(tuckute.files, findDataset('tuckute2024-baseline')!.packOptions as never);
    expect(rows.sentences).toHaveLength(1000);
    expect(rows.sentences[0]).toBe('"I think it\'s overblown," he said.');
    expect(rows.responses[0]).toBeCloseTo(0.1843253782985243, 15);
    const tb = await fetchDatasetBundle('tuckute2024-baseline', { mirror: server.mirror, cache, bundles: null });
    const bench = await readBundleAsync(tb.bundle);
    expect(bench.manifest.modality).toBe('language');
    expect(bench.regions[0].responses!.rows).toBe(1000);
    const pereira = await fetchDataset('pereira2018', { mirror: server.mirror, cache });
    expect(languageTableRows(pereira.files, findDataset('pereira2018')!.packOptions as never).sentences).toHaveLength(627);
    const loc = fedorenkoLocalizer((await fetchDataset('fedorenko2010-localizer', { mirror: server.mirror, cache })).files);
    expect(loc.filter((i) => i.condition === 'S')).toHaveLength(240);
    expect(loc.filter((i) => i.condition === 'N')).toHaveLength(240);
    expect(loc[0].words).toHaveLength(12);
    const floc = flocImages((await fetchDataset('floc', { mirror: server.mirror, cache, files: flocSubset(3) })).files);
    expect(floc).toHaveLength(33);
    expect(floc.filter((i) => i.face)).toHaveLength(6);
  });

  test('files downloaded by hand are verified like a download, then cached; wrong ones are refused', async () => {
    const cache = freshCache();
    const pereira = new Uint8Array(readFileSync(sharedPath('data/language/pereira2018/pereira_averaged.csv')));
    // Exact catalog size (53,692 bytes): a cut file is refused and nothing is cached.
    await expect(importDatasetFiles('pereira2018', new Map([['pereira_averaged.csv', pereira.subarray(0, 1000)]]), { cache })).rejects.toThrow(/has 1000 B, but the catalog expects 54 kB/);
    await expect(importDatasetFiles('pereira2018', new Map([['notes.txt', pereira]]), { cache })).rejects.toThrow(/None of these files belongs to Pereira 2018/);
    expect(await cache.list()).toEqual([]);
    // A pinned SHA-1 is checked.
    const pinned: DatasetEntry = { ...findDataset('pereira2018')!, files: [{ ...findDataset('pereira2018')!.files[0], sha1: 'f'.repeat(40) }] };
    await expect(importDatasetFiles(pinned, new Map([['pereira_averaged.csv', pereira]]), { cache })).rejects.toThrow(/SHA-1 checksum does not match/);
    // The real file (from a folder: matched by name) is cached and then served without a download.
    await importDatasetFiles('pereira2018', new Map([['downloads/pereira_averaged.csv', pereira]]), { cache });
    const n = server.mirrorRequests.length;
    const got = await fetchDataset('pereira2018', { mirror: server.mirror, cache });
    expect(got.fromCache).toBe(true);
    expect(server.mirrorRequests.length).toBe(n);
    expect(Buffer.from(got.files.get('pereira_averaged.csv')!).equals(Buffer.from(pereira))).toBe(true);
  });

  test('cancel: an aborted fetch throws CancelledError and caches nothing', async () => {
    const cache = freshCache();
    const ac = new AbortController();
    server.setThrottle(2_000_000);
    const p = fetchDataset(COWLEY, { mirror: server.mirror, cache, signal: ac.signal, onEvent: (e) => e.type === 'progress' && e.loaded > 100_000 && ac.abort() });
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    server.setThrottle(0);
    expect(await cache.list()).toEqual([]);
  });

  describe('faults leave nothing cached and the previous copy intact, with a clear message', () => {
    const entry = findDataset(COWLEY)!;
    /** A cache holding a previous copy of the dataset (old bytes), to check it survives a failed refresh. */
    async function withPrevious(): Promise<{ cache: ModelCache; previous: Map<string, Uint8Array> }> {
      const cache = freshCache();
      const got = await fetchDataset(COWLEY, { mirror: server.mirror, cache });
      return { cache, previous: got.files };
    }
    async function expectIntact(cache: ModelCache, previous: Map<string, Uint8Array>) {
      const hit = await cache.get(COWLEY);
      expect(hit!.files.map((f) => f.path).sort()).toEqual([...previous.keys()].sort());
      for (const f of hit!.files) expect(Buffer.from(f.data).equals(Buffer.from(previous.get(f.path)!))).toBe(true);
    }
    const cases: [string, (c: ModelCache) => Promise<unknown>, RegExp][] = [
      ['404', (cache) => fetchDataset(COWLEY, { mirror: `${server.mirror}/_fault/404`, cache, refresh: true }), /not at .*answered 404.*Nothing was stored/],
      ['server closing mid-stream', (cache) => fetchDataset(COWLEY, { mirror: `${server.mirror}/_fault/close`, cache, refresh: true }), /broke off after .* of /],
      [
        'wrong checksum',
        (cache) => {
          // The same entry with a pinned SHA-1 that the served bytes do not have.
          const pinned: DatasetEntry = { ...entry, files: entry.files.map((f) => ({ ...f, sha1: '0'.repeat(40) })) };
          return fetchDataset(pinned, { mirror: server.mirror, cache, refresh: true });
        },
        /corrupted: its SHA-1 checksum does not match/,
      ],
      ['truncated zip', (cache) => fetchDataset(COWLEY, { mirror: `${server.mirror}/_fault/truncate`, cache, refresh: true }), /images_210325\.zip is damaged \(not a complete zip archive/],
      [
        'quota exceeded (simulated)',
        (cache) => {
          const full = Object.assign(Object.create(Object.getPrototypeOf(cache)), cache) as ModelCache;
          full.put = async (_e: unknown, _f: CachedFile[]) => {
            throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
          };
          return fetchDataset(COWLEY, { mirror: server.mirror, cache: full, refresh: true });
        },
        /Browser storage is full: .* could not be stored\. Nothing was changed/,
      ],
    ];
    for (const [name, run, message] of cases) {
      test(name, async () => {
        // Nothing cached before: nothing cached after.
        const empty = freshCache();
        await expect(run(empty)).rejects.toThrow(message);
        expect(await empty.list()).toEqual([]);
        // A previous copy: still there, byte for byte.
        const { cache, previous } = await withPrevious();
        const err = (await run(cache).catch((e: unknown) => e)) as UserFacingError;
        expect(err).toBeInstanceOf(UserFacingError);
        expect(err.message).toMatch(message);
        expect(err.message).not.toMatch(/\n\s+at /);
        await expectIntact(cache, previous);
      });
    }
    test('a host that cannot be reached is the offline contract: DatasetUnavailableError with a how-to line', async () => {
      const err: unknown = await fetchDataset(COWLEY, { mirror: 'http://127.0.0.1:9', cache: freshCache() }).catch((e: unknown) => e);
      if (!isDatasetUnavailable(err)) throw new Error(`expected DatasetUnavailableError, got ${String(err)}`);
      expect(err.reason).toBe('refused');
      expect(err.howTo).toMatch(/Data page/);
    });
  });
});
