/**
 * A model's report card: every available benchmark with committed layers, beside live baselines (computed
 * here, same recipe) and published reference numbers (labelled with source and date, never mixed in).
 * Plain data + an SVG rendering, so the CLI (`silico report`) and the app produce the same card.
 */
import { formulaLabel, findBenchmark, type ScoreProvenance } from './index';
import type { CommittedResult } from './run';
import { PUBLISHED, type PublishedScore } from './published';

export const CARD_FORMAT = 'silico-report-card/1';

export interface CardEntry {
  benchmark: string;
  version: number;
  brainRegion: string;
  region: string;
  committedLayer: string;
  committedLabel: string;
  /** Committed layer on the report part. */
  ceiled: number;
  sem: number;
  raw: number;
  ceiling: number;
  clipped: boolean;
  /** Best of all layers on the report part (optimistic). */
  optimisticLayer: string;
  optimisticCeiled: number;
  optimisticRaw: number;
  formula: string;
  provenance: ScoreProvenance;
}

export interface CardModel {
  model: string;
  role: 'model' | 'baseline';
  description: string;
  entries: CardEntry[];
}

export interface ReportCard {
  format: typeof CARD_FORMAT;
  created: string;
  appVersion: string;
  /** Live results: the model first, then the baselines. */
  models: CardModel[];
  /** Published numbers for reference models: not computed here. */
  published: PublishedScore[];
  notes: string[];
}

/** What a card says about the untrained baseline (src/core/onnx/untrained.ts), in the CLI and the app alike. */
export const UNTRAINED_DESCRIPTION = 'untrained: same architecture, random weights, seed 0 (conv/linear weights Kaiming-normal, biases 0, BatchNorm identity)';

/** The card name of a model's untrained baseline. */
export const untrainedName = (model: string, seed = 0): string => `${model} (untrained, seed ${seed})`;

export function cardEntry(r: CommittedResult, labels: Map<string, string>, prov: ScoreProvenance): CardEntry {
  const def = findBenchmark(r.benchmark)!;
  return {
    benchmark: r.benchmark,
    version: r.version,
    brainRegion: def.brainRegion,
    region: def.region,
    committedLayer: r.committedLayer,
    committedLabel: labels.get(r.committedLayer) ?? r.committedLayer,
    ceiled: r.committed.ceiled,
    sem: r.committed.sem,
    raw: r.committed.raw,
    ceiling: r.committed.ceiling,
    clipped: r.committed.clipped,
    optimisticLayer: labels.get(r.optimistic.layer) ?? r.optimistic.layer,
    optimisticCeiled: r.optimistic.ceiled,
    optimisticRaw: r.optimistic.raw,
    formula: formulaLabel(def.normalisation),
    provenance: prov,
  };
}

export function newCard(appVersion: string, models: CardModel[], notes: string[] = []): ReportCard {
  return {
    format: CARD_FORMAT,
    created: new Date().toISOString(),
    appVersion,
    models,
    published: [...PUBLISHED],
    notes: [
      'Committed: the layer is chosen on one part of the data and scored on the other. Optimistic: the best of all layers on the scored part (chosen on the data it is scored on).',
      '± is the error of the raw score (over splits, or subjects); as in Brain-Score, the ceiled score carries it unchanged.',
      'Published numbers are Brain-Score\'s, for models whose weights are not here; they are shown for orientation and were computed on other data and with other formulas, so they are not comparable one to one.',
      ...notes,
    ],
  };
}

const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '—');
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The card as a standalone SVG (table layout, no external fonts). */
export function cardSvg(card: ReportCard): string {
  const lines: { text: string; bold?: boolean; color?: string; size?: number }[] = [];
  const main = card.models.find((m) => m.role === 'model');
  lines.push({ text: `Silico report card · ${main?.model ?? ''}`, bold: true, size: 18 });
  lines.push({ text: `${card.appVersion} · ${card.created.slice(0, 10)} · live results (this machine)`, color: '#555' });
  lines.push({ text: '' });
  // Every live model with what it is (a baseline's description says how it was made, e.g. the untrained re-draw).
  lines.push({ text: 'Live models (computed here, same recipe and committed layers):', bold: true });
  for (const m of card.models) lines.push({ text: `  ${m.model}${m.role === 'baseline' ? ' (baseline)' : ''}: ${m.description}`, color: m.role === 'baseline' ? '#666' : '#000', size: 11 });
  lines.push({ text: '' });
  const benchmarks = [...new Set(card.models.flatMap((m) => m.entries.map((e) => e.benchmark)))];
  const nameWidth = Math.min(40, Math.max(22, ...card.models.map((m) => m.model.length)));
  for (const b of benchmarks) {
    const first = card.models.flatMap((m) => m.entries).find((e) => e.benchmark === b)!;
    lines.push({ text: `${b} @${first.version}   ceiled = ${first.formula}`, bold: true });
    for (const m of card.models) {
      const e = m.entries.find((x) => x.benchmark === b);
      if (!e) continue;
      lines.push({
        text: `  ${m.model.padEnd(nameWidth).slice(0, nameWidth)} committed ${fmt(e.ceiled)} ± ${fmt(e.sem)}${e.clipped ? ' (clipped)' : ''}  raw ${fmt(e.raw)}  ceiling ${fmt(e.ceiling)}  layer ${e.committedLabel}   | optimistic ${fmt(e.optimisticCeiled)} (${e.optimisticLayer})`,
        color: m.role === 'baseline' ? '#666' : '#000',
      });
    }
  }
  lines.push({ text: '' });
  lines.push({ text: 'Published reference numbers (not computed here; other data and formula):', bold: true });
  const groups = new Map<string, PublishedScore[]>();
  for (const p of card.published) groups.set(`${p.source}|${p.date}|${p.formula}`, [...(groups.get(`${p.source}|${p.date}|${p.formula}`) ?? []), p]);
  for (const [key, ps] of groups) {
    const [source, date, formula] = key.split('|');
    lines.push({ text: `  ${source} — ${date} — ${formula}`, color: '#555' });
    const models = [...new Set(ps.map((p) => p.model))];
    for (const m of models) lines.push({ text: `    ${m}: ${ps.filter((p) => p.model === m).map((p) => `${p.target} ${fmt(p.ceiled)}`).join(', ')}`, color: '#555' });
  }
  lines.push({ text: '' });
  for (const n of card.notes) lines.push({ text: n, color: '#555', size: 11 });
  const lh = 18;
  const width = 1200;
  const height = lines.length * lh + 20;
  const body = lines
    .map((l, i) => `<text x="12" y="${20 + i * lh}" font-size="${l.size ?? 12}"${l.bold ? ' font-weight="bold"' : ''} fill="${l.color ?? '#000'}" xml:space="preserve">${esc(l.text)}</text>`)
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace">\n<rect width="100%" height="100%" fill="#fff"/>\n${body}\n</svg>\n`;
}
