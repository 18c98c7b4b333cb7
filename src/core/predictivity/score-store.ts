/**
 * Cache of Predictivity scores in IndexedDB, one record per layer holding its scores on every region. Records
 * are keyed by CONTENT: a hash of the model's bytes, a hash of the benchmark's data, the metric and every other
 * setting that changes the numbers (`settings`), plus SCORING_VERSION. Model ids, file names and benchmark ids
 * are kept for display only: two different files both called model.onnx, or a bundle re-exported with other
 * data under the same id, never share scores. A re-run only computes the layers that are not cached.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { LayerRegionScore, MetricKind } from './scoring';
import { settingsHash } from '../store/content-hash';

export const SCORES_DB_NAME = 'silico-predictivity';
/** Bump when the scoring procedure changes, so stale scores are never reused. */
export const SCORING_VERSION = 2;

/**
 * Settings that change the numbers, as a plain object (nested objects are fine; key order does not matter):
 * preprocessing and image placement, folds and seed, feature reduction, alpha grid, recipe version, …
 * Whoever adds a setting to scoring or recording adds it here, or scores computed without it are reused.
 */
export type ScoreSettings = Readonly<Record<string, unknown>>;

/** Everything that decides a layer's scores besides the layer itself. */
export interface ScoreIdentity {
  /** Content hash of the model's bytes (`modelContentHash`: .onnx, external data, tokenizer). */
  modelHash: string;
  /** Content hash of the benchmark (`benchmarkContentHash`: stimuli and neural data). */
  benchmarkHash: string;
  metric: MetricKind;
  settings: ScoreSettings;
}

export interface ScoreKey extends ScoreIdentity {
  layer: string;
}

interface ScoreRecord {
  key: string;
  /** Hash of the ScoreIdentity (all layers of one model × benchmark × metric × settings share it). */
  identity: string;
  layer: string;
  /** For display: the model and benchmark ids the scores were computed under. */
  model: string;
  benchmark: string;
  metric: MetricKind;
  version: number;
  scores: LayerRegionScore[];
  savedAt: number;
}

interface ScoresSchema extends DBSchema {
  scores: { key: string; value: ScoreRecord; indexes: { byIdentity: string } };
}

/** Hash of an identity (with SCORING_VERSION): equal exactly when every part is equal. */
export function identityHash(id: ScoreIdentity): Promise<string> {
  return settingsHash({ version: SCORING_VERSION, modelHash: id.modelHash, benchmarkHash: id.benchmarkHash, metric: id.metric, settings: id.settings });
}

/** The record key of one layer under an identity hash. */
export function scoreKey(identity: string, layer: string): string {
  return `${identity}|${encodeURIComponent(layer)}`;
}

export class ScoreStore {
  private db: Promise<IDBPDatabase<ScoresSchema>> | null = null;

  constructor(private readonly name = SCORES_DB_NAME) {}

  private open(): Promise<IDBPDatabase<ScoresSchema>> {
    this.db ??= openDB<ScoresSchema>(this.name, 2, {
      upgrade(db) {
        // Version 1 keyed scores by model id and benchmark id: those records cannot be trusted, drop them.
        if (db.objectStoreNames.contains('scores')) db.deleteObjectStore('scores');
        const s = db.createObjectStore('scores', { keyPath: 'key' });
        s.createIndex('byIdentity', 'identity');
      },
    });
    return this.db;
  }

  /** Cached scores of one layer, or undefined. */
  async get(k: ScoreKey): Promise<LayerRegionScore[] | undefined> {
    const rec = await (await this.open()).get('scores', scoreKey(await identityHash(k), k.layer));
    return rec && rec.version === SCORING_VERSION ? rec.scores : undefined;
  }

  /** Store a job's scores (all computed under `identity`), grouped by layer. */
  async putAll(identity: ScoreIdentity, scores: LayerRegionScore[]): Promise<void> {
    const id = await identityHash(identity);
    const byLayer = new Map<string, LayerRegionScore[]>();
    for (const s of scores) {
      if (!byLayer.has(s.layer)) byLayer.set(s.layer, []);
      byLayer.get(s.layer)!.push(s);
    }
    const tx = (await this.open()).transaction('scores', 'readwrite');
    for (const [layer, list] of byLayer) {
      const { model, benchmark } = list[0];
      await tx.store.put({ key: scoreKey(id, layer), identity: id, layer, model, benchmark, metric: identity.metric, version: SCORING_VERSION, scores: list, savedAt: Date.now() });
    }
    await tx.done;
  }

  async count(): Promise<number> {
    return (await this.open()).count('scores');
  }

  async clear(): Promise<void> {
    await (await this.open()).clear('scores');
  }
}
