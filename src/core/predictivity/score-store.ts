/**
 * Cache of Predictivity scores in IndexedDB, one record per (model, layer, benchmark, metric) holding
 * that layer's scores on every region. A re-run only computes the layers that are not cached.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { LayerRegionScore, MetricKind } from './scoring';

export const SCORES_DB_NAME = 'silico-predictivity';
/** Bump when the scoring procedure changes, so stale scores are never reused. */
export const SCORING_VERSION = 1;

export interface ScoreKey {
  model: string;
  layer: string;
  benchmark: string;
  metric: MetricKind;
}

interface ScoreRecord extends ScoreKey {
  key: string;
  version: number;
  scores: LayerRegionScore[];
  savedAt: number;
}

interface ScoresSchema extends DBSchema {
  scores: { key: string; value: ScoreRecord; indexes: { byModelBenchmark: [string, string] } };
}

export function scoreKey(k: ScoreKey): string {
  return [k.model, k.layer, k.benchmark, k.metric].map(encodeURIComponent).join('|');
}

export class ScoreStore {
  private db: Promise<IDBPDatabase<ScoresSchema>> | null = null;

  constructor(private readonly name = SCORES_DB_NAME) {}

  private open(): Promise<IDBPDatabase<ScoresSchema>> {
    this.db ??= openDB<ScoresSchema>(this.name, 1, {
      upgrade(db) {
        const s = db.createObjectStore('scores', { keyPath: 'key' });
        s.createIndex('byModelBenchmark', ['model', 'benchmark']);
      },
    });
    return this.db;
  }

  /** Cached scores of one layer, or undefined. */
  async get(k: ScoreKey): Promise<LayerRegionScore[] | undefined> {
    const rec = await (await this.open()).get('scores', scoreKey(k));
    return rec && rec.version === SCORING_VERSION ? rec.scores : undefined;
  }

  /** Store a job's scores, grouped by layer. */
  async putAll(scores: LayerRegionScore[]): Promise<void> {
    const byLayer = new Map<string, LayerRegionScore[]>();
    for (const s of scores) {
      const k = scoreKey(s);
      if (!byLayer.has(k)) byLayer.set(k, []);
      byLayer.get(k)!.push(s);
    }
    const tx = (await this.open()).transaction('scores', 'readwrite');
    for (const [key, list] of byLayer) {
      const { model, layer, benchmark, metric } = list[0];
      await tx.store.put({ key, model, layer, benchmark, metric, version: SCORING_VERSION, scores: list, savedAt: Date.now() });
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
