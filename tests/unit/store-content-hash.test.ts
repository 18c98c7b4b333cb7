/**
 * Content keys for caches (src/core/store/content-hash): SHA-256 equal to Python's hashlib, model hashes that
 * follow the bytes and not the names, settings keys that ignore key order but nothing else.
 */
import { describe, expect, test } from 'vitest';
import { hashParts, modelContentHash, settingsHash, sha256Hex, stableStringify } from '../../src/core/store/content-hash';
import { hasPython, runPythonScript } from '../support/python';

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed * 17) & 255);

describe('content hashes', () => {
  test.skipIf(!hasPython)('sha256Hex equals Python hashlib (bytes, UTF-8 text, empty, 1 MB)', async () => {
    const cases = [bytes(0, 0), bytes(3, 1), bytes(1 << 20, 2)];
    const ref = JSON.parse(
      runPythonScript('import sys, json, hashlib\nd = json.load(sys.stdin)\nprint(json.dumps([hashlib.sha256(bytes(x)).hexdigest() for x in d["b"]] + [hashlib.sha256(d["t"].encode()).hexdigest()]))', {
        input: JSON.stringify({ b: cases.map((c) => Array.from(c)), t: 'µ-sites ✓' }),
      }),
    );
    expect([...(await Promise.all(cases.map((c) => sha256Hex(c)))), await sha256Hex('µ-sites ✓')]).toEqual(ref);
  });

  test('a model hash follows its bytes: same bytes → same hash, one byte changed or another data file → different', async () => {
    const m = bytes(1000, 1);
    const h = await modelContentHash({ model: m });
    expect(await modelContentHash({ model: m.slice() })).toBe(h);
    const changed = m.slice();
    changed[500] ^= 1;
    expect(await modelContentHash({ model: changed })).not.toBe(h);
    const ext = [{ path: 'model.onnx.data', data: bytes(50, 2) }];
    const withData = await modelContentHash({ model: m, externalData: ext });
    expect(withData).not.toBe(h);
    expect(await modelContentHash({ model: m, externalData: [{ path: 'model.onnx.data', data: bytes(50, 3) }] })).not.toBe(withData);
    expect(await modelContentHash({ model: m, externalData: ext, tokenizerJson: bytes(20, 4) })).not.toBe(withData);
  });

  test('hashParts does not confuse a part boundary with content', async () => {
    const a = await hashParts([{ name: 'x', data: 'ab' }, { name: 'y', data: 'c' }]);
    const b = await hashParts([{ name: 'x', data: 'a' }, { name: 'y', data: 'bc' }]);
    expect(a).not.toBe(b);
    expect(await hashParts([{ name: 'y', data: 'c' }, { name: 'x', data: 'ab' }])).toBe(a);
  });

  test('settings keys: key order does not matter; values, NaN vs null, Infinity and typed arrays do', async () => {
    expect(await settingsHash({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(await settingsHash({ b: { d: 'x', c: [1, 2] }, a: 1 }));
    expect(stableStringify({ a: NaN })).not.toBe(stableStringify({ a: null }));
    expect(stableStringify({ a: Infinity })).not.toBe(stableStringify({ a: -Infinity }));
    expect(stableStringify({ a: Float64Array.of(1, 2) })).toBe(stableStringify({ a: [1, 2] }));
    expect(stableStringify({ a: 1, b: undefined })).toBe(stableStringify({ a: 1 }));
    expect(await settingsHash({ alphas: [0.1, 1] })).not.toBe(await settingsHash({ alphas: [0.1, 10] }));
  });
});
