import { openDB, type IDBPDatabase } from 'idb';
import { settingsHash } from '../store/content-hash';

/**
 * IndexedDB cache of sentence representations, keyed by (identity, layer, sentence): re-running a layer sweep or
 * re-ranking a pool with the same model only runs the language model on sentences it has not seen.
 * The identity is by CONTENT (SentenceFeatureIdentity: hashes of the model's and tokenizer's bytes plus every
 * setting that changes the numbers), never a model id or file name. The cache is an optimisation: a failed
 * write (e.g. quota) is reported through `onWriteError` and never fails the job.
 */

/** Bump when the way features are computed changes (pooling code, truncation, BOS handling…): nothing older is reused. */
export const FEATURE_RECIPE_VERSION = 1;

/** What decides a sentence's features besides the sentence and the layer. */
export interface SentenceFeatureIdentity {
  /** Content hash of the model's bytes (core/store/content-hash `modelContentHash`), not its id. */
  modelHash: string;
  /** Content hash of tokenizer.json. */
  tokenizerHash: string;
  /** Every setting that changes the features: pooling, maximum length (context cut), BOS token, precision, … */
  settings: Readonly<Record<string, unknown>>;
}

/** The cache key of an identity (with FEATURE_RECIPE_VERSION). */
export function featureCacheKey(id: SentenceFeatureIdentity): Promise<string> {
  return settingsHash({ version: FEATURE_RECIPE_VERSION, modelHash: id.modelHash, tokenizerHash: id.tokenizerHash, settings: id.settings });
}

/** Per layer: row-major [sentences x width]; per sentence: mean surprisal (bits/token). */
export interface SentenceFeatureSet {
  features: Record<string, { data: Float32Array; width: number }>;
  surprisal: Float64Array;
  n: number;
}

const DB_NAME = 'silico-sentence-features';
const STORE = 'features';
/** Layer key under which a sentence's surprisal is stored. */
const SURPRISAL = '\u0000surprisal';

type Key = [model: string, layer: string, sentence: string];

export class SentenceFeatureCache {
  private db: Promise<IDBPDatabase> | null = null;

  constructor(private readonly dbName = DB_NAME) {}

  private open(): Promise<IDBPDatabase> {
    this.db ??= openDB(this.dbName, 2, {
      upgrade(db) {
        // Version 1 was keyed by model ids that did not cover every setting: drop those entries.
        if (db.objectStoreNames.contains(STORE)) db.deleteObjectStore(STORE);
        db.createObjectStore(STORE);
      },
    });
    return this.db;
  }

  /**
   * Features of `sentences` at `layers`, computing only the sentences missing from the cache with `compute`
   * (called once, with the distinct missing sentences in order, or not at all). `identity` is a
   * SentenceFeatureIdentity, or (legacy) a string that must itself identify model bytes, tokenizer and settings.
   */
  async features(
    identity: string | SentenceFeatureIdentity,
    sentences: string[],
    layers: string[],
    compute: (missing: string[]) => Promise<SentenceFeatureSet>,
    onWriteError?: (e: unknown) => void,
  ): Promise<SentenceFeatureSet & { computed: number }> {
    const db = await this.open();
    const model = typeof identity === 'string' ? `v${FEATURE_RECIPE_VERSION}|${identity}` : await featureCacheKey(identity);
    const keys = [...layers, SURPRISAL];
    const unique = [...new Set(sentences)];
    const found = new Map<string, Map<string, Float32Array | number>>();
    {
      const tx = db.transaction(STORE, 'readonly');
      await Promise.all(
        unique.map(async (s) => {
          const values = await Promise.all(keys.map((k) => tx.store.get([model, k, s] satisfies Key)));
          if (values.every((v) => v !== undefined)) found.set(s, new Map(keys.map((k, i) => [k, values[i] as Float32Array | number])));
        }),
      );
      await tx.done;
    }
    const missing = unique.filter((s) => !found.has(s));
    if (missing.length) {
      const fresh = await compute(missing);
      missing.forEach((s, i) => {
        const entry = new Map<string, Float32Array | number>();
        for (const layer of layers) {
          const { data, width } = fresh.features[layer];
          entry.set(layer, data.slice(i * width, (i + 1) * width));
        }
        entry.set(SURPRISAL, fresh.surprisal[i]);
        found.set(s, entry);
      });
      try {
        const tx = db.transaction(STORE, 'readwrite');
        for (const s of missing) for (const [k, v] of found.get(s)!) void tx.store.put(v, [model, k, s] satisfies Key);
        await tx.done;
      } catch (e) {
        onWriteError?.(e);
      }
    }
    const n = sentences.length;
    const features: SentenceFeatureSet['features'] = {};
    for (const layer of layers) {
      const width = (found.get(sentences[0])?.get(layer) as Float32Array | undefined)?.length ?? 0;
      const data = new Float32Array(n * width);
      sentences.forEach((s, i) => data.set(found.get(s)!.get(layer) as Float32Array, i * width));
      features[layer] = { data, width };
    }
    const surprisal = Float64Array.from(sentences, (s) => found.get(s)!.get(SURPRISAL) as number);
    return { features, surprisal, n, computed: missing.length };
  }

  async clear(): Promise<void> {
    await (await this.open()).clear(STORE);
  }
}
