import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT, readBundle, readBundleZip, zipBundle } from '../../src/core/data/bundle';
import { readNpy, writeNpy } from '../../src/core/data/npy';
import { hasPython, hasPythonModules, runPython } from '../support/python';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

function manifest(overrides: Record<string, unknown> = {}) {
  return {
    format: BUNDLE_FORMAT,
    id: 'tiny',
    name: 'Tiny',
    citation: 'none',
    modality: 'language',
    synthetic: true,
    stimuli: [
      { id: 's1', sentence: 'The cat sat.' },
      { id: 's2', sentence: 'A dog ran.' },
      { id: 's3', sentence: 'Birds sing.' },
    ],
    regions: [{ name: 'LANG', kind: 'responses', data: 'responses_LANG.npy', neuroids: ['v1', 'v2'] }],
    metric: { method: 'ridge', folds: 2 },
    ...overrides,
  };
}

function bundle(m: unknown, extra: [string, Uint8Array][] = []): Map<string, Uint8Array> {
  return new Map<string, Uint8Array>([['benchmark.json', enc(m)], ['responses_LANG.npy', writeNpy([1, 2, 3, 4, 5, 6], [3, 2])], ...extra]);
}

const tmp = mkdtempSync(join(tmpdir(), 'silico-npy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('npy', () => {
  it.skipIf(!hasPython)('reads arrays written by numpy (float64 with NaN, float32, int64, 3-D)', () => {
    runPython(
      `
      d = inp['dir']
      np.save(d + '/f8.npy', np.array([[1.5, np.nan], [-2.0, 3.25]]))
      np.save(d + '/f4.npy', np.arange(6, dtype=np.float32).reshape(1, 2, 3) / 4)
      np.save(d + '/i8.npy', np.array([-3, 0, 7], dtype=np.int64))
      `,
      { dir: tmp },
    );
    const f8 = readNpy(readFileSync(join(tmp, 'f8.npy')));
    expect(f8.shape).toEqual([2, 2]);
    expect(Array.from(f8.data)).toEqual([1.5, NaN, -2, 3.25]);
    const f4 = readNpy(readFileSync(join(tmp, 'f4.npy')));
    expect(f4.shape).toEqual([1, 2, 3]);
    expect(Array.from(f4.data)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
    expect(Array.from(readNpy(readFileSync(join(tmp, 'i8.npy'))).data)).toEqual([-3, 0, 7]);
  });

  it.skipIf(!hasPython)('writes arrays numpy reads back', () => {
    const bytes = writeNpy([1, NaN, 3, 4, 5, 6], [2, 3]);
    const path = join(tmp, 'ours.npy');
    writeFileSync(path, bytes);
    const back = runPython<{ shape: number[]; values: (number | null)[] }>(`a = np.load(inp); out = dict(shape=a.shape, values=a.flatten())`, path);
    expect(back).toEqual({ shape: [2, 3], values: [1, null, 3, 4, 5, 6] });
  });

  it('rejects non-npy bytes', () => {
    expect(() => readNpy(new Uint8Array([1, 2, 3]), 'x.npy')).toThrow(/x.npy is not a readable .npy/);
  });
});

describe('readBundle', () => {
  it('reads a valid bundle, from a map and from a zip with a top-level folder', () => {
    const b = readBundle(bundle(manifest()));
    expect(b.manifest.stimuli.map((s) => s.sentence)).toEqual(['The cat sat.', 'A dog ran.', 'Birds sing.']);
    expect(b.regions[0].responses).toMatchObject({ rows: 3, cols: 2 });
    expect(Array.from(b.regions[0].responses!.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(b.regions[0].neuroids).toEqual(['v1', 'v2']);
    const nested = new Map([...bundle(manifest())].map(([p, v]) => [`tiny/${p}`, v]));
    const z = readBundleZip(zipBundle(nested));
    expect(z.manifest.id).toBe('tiny');
    expect(z.regions[0].responses!.data[5]).toBe(6);
  });

  it('accepts .json arrays and RDMs with a subject axis', () => {
    const rsm = [0, 1].map((s) => [[1, 0.2 + s, 0.1], [0.2, 1, 0.3], [0.1, 0.3, 1]]);
    const b = readBundle(
      bundle(manifest({ regions: [{ name: 'IT', kind: 'rsm', data: 'rsm.json', subjects: ['a', 'b'] }], metric: { method: 'rsa' } }), [['rsm.json', enc(rsm)]]),
    );
    expect(b.regions[0].matrices).toHaveLength(2);
    expect(b.regions[0].matrices![1].data[1]).toBe(1.2);
  });

  it.each([
    [new Map([['x.npy', new Uint8Array()]]), /benchmark.json is missing/],
    [new Map([['benchmark.json', enc('{oops')]]), /not valid JSON/],
    [bundle(manifest({ modality: 'smell' })), /"modality" must be "vision" or "language"/],
    [bundle(manifest({ synthetic: undefined })), /"synthetic" must be true or false/],
    [bundle(manifest({ stimuli: [{ id: 'a', sentence: 'x' }, { id: 'a', sentence: 'y' }, { id: 'b', sentence: 'z' }] })), /stimulus id "a" appears twice/],
    [bundle(manifest({ modality: 'vision' })), /stimulus "s1" needs a "file"/],
    [bundle(manifest({ stimuli: [...manifest().stimuli, { id: 's4', sentence: 'One more.' }] })), /responses_LANG.npy has 3 stimuli but benchmark.json lists 4/],
    [bundle(manifest({ regions: [{ name: 'LANG', kind: 'responses', data: 'responses_LANG.npy', neuroids: ['only'] }] })), /has 2 neuroids but region "LANG" lists 1 neuroid ids/],
    [bundle(manifest({ regions: [{ name: 'LANG', kind: 'responses', data: 'missing.npy' }] })), /missing.npy is listed in benchmark.json but is not in the bundle/],
    [bundle(manifest({ regions: [{ name: 'LANG', kind: 'rdm', data: 'responses_LANG.npy' }] })), /must be \[stimuli, stimuli\] or \[subjects, stimuli, stimuli\]/],
    [
      bundle(manifest({ regions: [{ name: 'LANG', kind: 'responses', data: 'responses_LANG.npy', repeats: 'rep.npy' }] }), [['rep.npy', writeNpy(new Float64Array(2 * 5 * 2), [2, 5, 2])]]),
      /rep.npy has 5 stimuli but benchmark.json lists 3/,
    ],
    [new Map([['benchmark.json', enc(manifest())], ['responses_LANG.npy', writeNpy([1, NaN, 3, 4, 5, 6], [3, 2])]]), /1 missing \(NaN\) values/],
  ])('explains bad bundles (%#)', (files, message) => {
    expect(() => readBundle(files)).toThrow(message);
  });

  it('explains a file that is not a zip', () => {
    expect(() => readBundleZip(new Uint8Array([1, 2, 3, 4]))).toThrow(/not a readable zip/);
  });
});

describe('CSV arrays', () => {
  const csvRegion = (extra: Record<string, unknown> = {}) => manifest({ regions: [{ name: 'LANG', kind: 'responses', data: 'LANG.csv', ...extra }] });
  const csvBundle = (m: unknown, csv: string, extra: [string, Uint8Array][] = []) => new Map<string, Uint8Array>([['benchmark.json', enc(m)], ['LANG.csv', enc(csv)], ...extra]);

  it('reads a numeric matrix; a header row gives the neuroid ids', () => {
    const b = readBundle(csvBundle(csvRegion(), '\uFEFFv_a, v_b\n1,2.5\n-3e-1,4\n\n5,.5\n'));
    expect(b.regions[0].neuroids).toEqual(['v_a', 'v_b']);
    expect(b.regions[0].responses).toMatchObject({ rows: 3, cols: 2 });
    expect(Array.from(b.regions[0].responses!.data)).toEqual([1, 2.5, -0.3, 4, 5, 0.5]);
    // Without a header: ids from benchmark.json, else 0, 1, …
    expect(readBundle(csvBundle(csvRegion(), '1,2\n3,4\n5,6')).regions[0].neuroids).toEqual(['0', '1']);
    expect(readBundle(csvBundle(csvRegion({ neuroids: ['x', 'y'] }), '1,2\n3,4\n5,6')).regions[0].neuroids).toEqual(['x', 'y']);
    // A header that agrees with benchmark.json is fine.
    expect(readBundle(csvBundle(csvRegion({ neuroids: ['x', 'y'] }), 'x,y\n1,2\n3,4\n5,6')).regions[0].neuroids).toEqual(['x', 'y']);
  });

  it('reads empty and NA cells as NaN: repeats stacked per repeat, and an RSM', () => {
    // Repeat 0 = rows 1-3, repeat 1 = rows 4-6; stimulus s3 has no second presentation for neuroid b.
    const repeats = 'a,b\n1,10\n2,20\n3,30\n1.5,NA\n2.5,nan\n3.5,\n';
    const b = readBundle(csvBundle(csvRegion({ repeats: 'rep.csv' }), 'a,b\n1,2\n3,4\n5,6', [['rep.csv', enc(repeats)]]));
    const rep = b.regions[0].repeats!;
    expect(rep).toMatchObject({ neuroids: 2, stimuli: 3, repeats: 2 });
    // [neuroids, stimuli, repeats]
    expect(Array.from(rep.data)).toEqual([1, 1.5, 2, 2.5, 3, 3.5, 10, NaN, 20, NaN, 30, NaN]);
    const rsm = readBundle(
      new Map([
        ['benchmark.json', enc(manifest({ regions: [{ name: 'IT', kind: 'rsm', data: 'rsm.csv' }], metric: { method: 'rsa' } }))],
        ['rsm.csv', enc('1,0.2,\n0.2,1,0.3\n,0.3,1\n')],
      ]),
    );
    expect(Array.from(rsm.regions[0].matrices![0].data)).toEqual([1, 0.2, NaN, 0.2, 1, 0.3, NaN, 0.3, 1]);
  });

  it.each([
    ['a,b\n1,2\n3,x7\n5,6', /LANG\.csv, row 3, column 2: "x7" is not a number/],
    ['1,2\n3,4\nim_c,6', /LANG\.csv, row 3, column 1: "im_c" is not a number/],
    ['1,2\n3,4,9\n5,6', /LANG\.csv, row 2: 3 cells, but the first row has 2/],
    ['a,b\n1,2\n3,\n5,6', /LANG\.csv has 1 missing \(NaN\) values/],
    ['a,b\n1,2\n3,4', /LANG\.csv has 2 stimuli but benchmark.json lists 3/],
    ['a,a\n1,2\n3,4\n5,6', /duplicate neuroid ids/],
    ['a,b\n', /header row but no numbers/],
    ['1,0x10\n3,4\n5,6', /"0x10" is not a number/],
  ])('explains a bad CSV (%#)', (csv, message) => {
    expect(() => readBundle(csvBundle(csvRegion(), csv))).toThrow(message);
  });

  it('a header that disagrees with benchmark.json, and a repeats file of the wrong length, are errors', () => {
    expect(() => readBundle(csvBundle(csvRegion({ neuroids: ['a', 'c'] }), 'a,b\n1,2\n3,4\n5,6'))).toThrow(/LANG\.csv names neuroid 2 "b", but region "LANG" in benchmark.json lists "c"/);
    expect(() => readBundle(csvBundle(csvRegion({ repeats: 'rep.csv' }), 'a,b\n1,2\n3,4\n5,6', [['rep.csv', enc('a,b\n1,2\n3,4\n5,6\n7,8')]]))).toThrow(
      /rep\.csv has 4 rows, which is not a whole number of repeats of the 3 stimuli/,
    );
    expect(() => readBundle(csvBundle(csvRegion({ repeats: 'rep.csv' }), 'a,b\n1,2\n3,4\n5,6', [['rep.csv', enc('a,c\n1,2\n3,4\n5,6')]]))).toThrow(/header of rep\.csv names different neuroids/);
  });

  it.skipIf(!hasPython || !hasPythonModules('pandas'))('reads what pandas writes (to_csv(index=False), NaN as empty cells)', () => {
    const written = runPython<{ values: (number | null)[][]; columns: string[] }>(
      `
      import pandas as pd
      rng = np.random.default_rng(5)
      v = rng.normal(size=(3, 4)) * 1e3
      v[1, 2] = 1e-12
      df = pd.DataFrame(v, columns=['IT_1', 'IT 2', 'IT,3', 'IT_4'])
      df.to_csv(inp['dir'] + '/pandas.csv', index=False)
      r = v.copy()
      r[2, 0] = np.nan
      pd.DataFrame(np.vstack([v, r]), columns=df.columns).to_csv(inp['dir'] + '/pandas-rep.csv', index=False)
      out = dict(values=v, columns=list(df.columns))
      `,
      { dir: tmp },
    );
    const b = readBundle(
      csvBundle(csvRegion({ repeats: 'rep.csv' }), readFileSync(join(tmp, 'pandas.csv'), 'utf8'), [['rep.csv', new Uint8Array(readFileSync(join(tmp, 'pandas-rep.csv')))]]),
    );
    expect(b.regions[0].neuroids).toEqual(written.columns);
    expect(Array.from(b.regions[0].responses!.data)).toEqual(written.values.flat());
    const rep = b.regions[0].repeats!;
    expect(rep.repeats).toBe(2);
    expect(rep.data[(0 * 3 + 2) * 2 + 1]).toBeNaN();
    expect(rep.data[(3 * 3 + 1) * 2 + 1]).toBe(written.values[1][3]);
  });
});
