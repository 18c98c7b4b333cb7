import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { hasShared, sharedPath, NO_SHARED } from '../support/shared';
import { loadTokenizer } from '../../src/core/text/tokenizer';
import { batchSentences } from '../../src/core/text/batch';
import { lastTokenPool, meanPool } from '../../src/core/text/pooling';
import { sentenceSurprisal, tokenSurprisals } from '../../src/core/text/surprisal';
import { Rng } from '../../src/core/language/random';
import { hasPythonModules, runPythonScript } from '../support/python';

/** Python references through the one guard: outside CI a missing module skips the test (with a warning), under CI the file fails. */
function python(script: string, input: unknown, modules: string[] = []): any {
  return JSON.parse(runPythonScript(script, { input: JSON.stringify(input), modules }));
}

// Reference GPT-2 BPE (the algorithm of openai/gpt-2 encoder.py) from vocab.json + merges.txt only.
// Python's `re` lacks \p{L}; for ASCII text this pattern splits the same way.
const PY_BPE = String.raw`
import json, re, sys
inp = json.load(sys.stdin)
d = inp['dir']
vocab = json.load(open(d + '/vocab.json', encoding='utf8'))
merges = [tuple(l.split()) for l in open(d + '/merges.txt', encoding='utf8').read().split('\n')[1:] if l.strip()]
ranks = {m: i for i, m in enumerate(merges)}
bs = list(range(ord('!'), ord('~') + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
cs = bs[:]; n = 0
for b in range(256):
    if b not in bs: bs.append(b); cs.append(256 + n); n += 1
byte_enc = dict(zip(bs, map(chr, cs)))
pat = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+")
def bpe(word):
    parts = list(word)
    while len(parts) > 1:
        pairs = [(ranks.get((parts[i], parts[i + 1]), 1e18), i) for i in range(len(parts) - 1)]
        r, i = min(pairs)
        if r == 1e18: break
        a, b = parts[i], parts[i + 1]
        out = []; j = 0
        while j < len(parts):
            if j < len(parts) - 1 and parts[j] == a and parts[j + 1] == b: out.append(a + b); j += 2
            else: out.append(parts[j]); j += 1
        parts = out
    return parts
res = []
for text in inp['texts']:
    ids = []
    for tok in pat.findall(text):
        ids += [vocab[p] for p in bpe(''.join(byte_enc[b] for b in tok.encode('utf8')))]
    res.append(ids)
print(json.dumps(res))
`;

describe.skipIf(!hasShared)(`GPT-2 tokenizer (${hasShared ? 'shared' : NO_SHARED})`, () => {
  const dir = sharedPath('models/gpt2-tokenizer');
  const tok = hasShared ? loadTokenizer(readFileSync(`${dir}/tokenizer.json`, 'utf8')) : null!;

  test('known GPT-2 ids', () => {
    expect(tok.encode('Hello world')).toEqual([15496, 995]);
    expect(tok.encode('The quick brown fox jumps over the lazy dog')).toEqual([464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290]);
    expect(tok.tokenId('<|endoftext|>')).toBe(50256);
    expect(tok.vocabSize).toBe(50257);
  });

  test.skipIf(!hasPythonModules('numpy'))('same ids as a reference BPE built from vocab.json + merges.txt', () => {
    const texts = [
      ' The quick brown fox',
      'I went to the store yesterday, and it was closed!',
      "We'll see what they've done in 1999.",
      'Colorless green ideas sleep furiously.',
      'Antidisestablishmentarianism   is  long.',
    ];
    const ref = python(PY_BPE, { dir, texts }) as number[][];
    texts.forEach((t, i) => expect(tok.encode(t), t).toEqual(ref[i]));
    for (const t of texts) expect(tok.decode(tok.encode(t))).toBe(t);
  });

  test('bad tokenizer files give clear errors', () => {
    expect(() => loadTokenizer('{not json')).toThrow(/not valid JSON/);
    expect(() => loadTokenizer({ hello: 1 })).toThrow(/not a Hugging Face tokenizer/);
  });
});

describe('batching, pooling and surprisal', () => {
  test('batchSentences right-pads, prepends BOS and truncates', () => {
    const b = batchSentences([[5, 6, 7], [8], [1, 2, 3, 4, 5, 6]], { maxLength: 5, padId: 0, prependBos: true, bosId: 99 });
    expect(b.dims).toEqual([3, 5]);
    expect(Array.from(b.inputIds, Number)).toEqual([99, 5, 6, 7, 0, 99, 8, 0, 0, 0, 99, 1, 2, 3, 4]);
    expect(Array.from(b.attentionMask, Number)).toEqual([1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(b.lengths).toEqual([4, 2, 5]);
    expect(b.truncated).toBe(1);
    expect(() => batchSentences([[]], { maxLength: 4, padId: 0 })).toThrow(/no tokens/);
    expect(() => batchSentences([[1]], { maxLength: 4, padId: 0, prependBos: true })).toThrow(/bosId/);
  });

  test.skipIf(!hasPythonModules('numpy', 'scipy'))('pooling and surprisal match numpy/scipy', () => {
    const rng = new Rng(3);
    const [B, T, D, V] = [3, 5, 4, 37];
    const hidden = new Float32Array(B * T * D);
    rng.fillNormal(hidden);
    const logits = new Float32Array(B * T * V);
    rng.fillNormal(logits, 30); // large logits: the naive softmax would overflow
    const lengths = [5, 2, 3];
    const ids = Array.from({ length: B * T }, () => rng.int(V));
    const mask = Array.from({ length: B * T }, (_, i) => (i % T < lengths[Math.floor(i / T)] ? 1 : 0));
    const ref = python(
      String.raw`
import json, sys, numpy as np
from scipy.special import log_softmax
d = json.load(sys.stdin); B, T, D, V = d['shape']
h = np.array(d['hidden'], dtype=np.float32).astype(np.float64).reshape(B, T, D)
lg = np.array(d['logits'], dtype=np.float32).astype(np.float64).reshape(B, T, V)
ids = np.array(d['ids']).reshape(B, T); L = d['lengths']; m = np.array(d['mask']).reshape(B, T)
last = [h[b, L[b] - 1].tolist() for b in range(B)]
mean = ((h * m[..., None]).sum(1) / m.sum(1)[:, None]).tolist()
lp = log_softmax(lg, axis=-1)
surp = [[float(-lp[b, t - 1, ids[b, t]] / np.log(2)) for t in range(1, L[b])] for b in range(B)]
print(json.dumps({'last': last, 'mean': mean, 'surp': surp}))`,
      { shape: [B, T, D, V], hidden: Array.from(hidden), logits: Array.from(logits), ids, lengths, mask },
      ['scipy'],
    );
    const last = lastTokenPool({ dims: [B, T, D], data: hidden }, lengths);
    expect(last.dims).toEqual([B, D]);
    Array.from(last.data).forEach((v, i) => expect(v).toBeCloseTo(ref.last.flat()[i], 6));
    const mean = meanPool({ dims: [B, T, D], data: hidden }, BigInt64Array.from(mask.map(BigInt)));
    Array.from(mean.data).forEach((v, i) => expect(v).toBeCloseTo(ref.mean.flat()[i], 5));
    const s = tokenSurprisals({ dims: [B, T, V], data: logits }, ids, lengths);
    expect(s.map((r) => r.length)).toEqual([4, 1, 2]);
    s.forEach((row, b) => row.forEach((v, t) => expect(Math.abs(v - ref.surp[b][t]) / ref.surp[b][t]).toBeLessThan(1e-9)));
    expect(sentenceSurprisal(s[0], 'sum')).toBeCloseTo(ref.surp[0].reduce((a: number, x: number) => a + x, 0), 9);
    expect(sentenceSurprisal(s[0], 'mean')).toBeCloseTo(ref.surp[0].reduce((a: number, x: number) => a + x, 0) / 4, 9);
    // Uniform logits: every token costs log2(V) bits.
    const flat = tokenSurprisals({ dims: [1, 2, V], data: new Float32Array(2 * V) }, [0, 5], [2]);
    expect(flat[0][0]).toBeCloseTo(Math.log2(V), 12);
  });
});
