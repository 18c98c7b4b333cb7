/**
 * Sentence × response tables in the column format of Tuckute et al. 2024's released data
 * (gretatuckute/drive_suppress_brains, `brain-lang-data_participant_*.csv`): one row per
 * (participant, sentence, ROI). Accepted columns and aliases are documented in docs/language-data.md.
 *
 * `aggregateSentences` picks one ROI and returns one participant-averaged response per sentence,
 * plus the sentence × participant matrix (NaN where a participant did not see a sentence) for the
 * noise ceiling.
 */
import Papa from 'papaparse';
import { UserFacingError } from '../types';

/** Canonical column → accepted header names (compared case-insensitively, spaces/dashes as underscores). */
export const COLUMN_ALIASES = {
  sentence: ['sentence', 'stimulus', 'text', 'sentence_text'],
  response: ['response_target', 'response', 'effectsize', 'bold', 'y', 'target'],
  roi: ['roi', 'region', 'roi_name'],
  participant: ['target_uid', 'participant', 'subject', 'uid', 'participant_id', 'subject_id'],
  condition: ['cond', 'condition'],
  itemId: ['item_id', 'item', 'itemid', 'sentence_id', 'stim_id'],
} as const;

export type CanonicalColumn = keyof typeof COLUMN_ALIASES;

/** The ROI Tuckute et al. 2024 report by default (left-hemisphere language network). */
export const DEFAULT_ROI = 'lang_LH_netw';

export interface ResponseRow {
  sentence: string;
  response: number;
  roi?: string;
  participant?: string;
  condition?: string;
  itemId?: string;
}

export interface ResponseTable {
  rows: ResponseRow[];
  /** Which canonical columns the file had, and under which header. */
  columns: Partial<Record<CanonicalColumn, string>>;
  rois: string[];
}

/** One averaged response per sentence for one ROI. */
export interface SentenceTable {
  /** 'file' for measured data, 'synthetic' for generated ground truth (see synthetic.ts). */
  source: 'file' | 'synthetic';
  roi: string | null;
  sentences: string[];
  itemIds: string[];
  /** Condition per sentence (B baseline, D drive, S suppress in the released data), '' if unknown. */
  conditions: string[];
  /** Mean over participants (ignoring the ones who did not see the sentence). */
  response: Float64Array;
  participants: string[];
  /** sentences × participants, row-major, NaN = not seen. */
  perParticipant: Float64Array;
}

function normalizeHeader(h: string): string {
  return h.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

function findColumns(headers: string[]): Partial<Record<CanonicalColumn, string>> {
  const byNorm = new Map(headers.map((h) => [normalizeHeader(h), h]));
  const found: Partial<Record<CanonicalColumn, string>> = {};
  for (const [canon, aliases] of Object.entries(COLUMN_ALIASES) as [CanonicalColumn, readonly string[]][]) {
    for (const a of aliases) {
      const h = byNorm.get(a);
      if (h !== undefined) {
        found[canon] = h;
        break;
      }
    }
  }
  return found;
}

/** Throws a clear error when the responses do not vary (an encoding model has nothing to fit). */
export function assertVaryingResponses(response: ArrayLike<number>): void {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < response.length; i++) {
    min = Math.min(min, response[i]);
    max = Math.max(max, response[i]);
  }
  if (response.length && !(max - min > 1e-12 * Math.max(1, Math.abs(max)))) {
    throw new UserFacingError(`The response column is constant (every sentence has ${min}): an encoding model needs responses that vary.`, 'Check that the response column (response_target) holds the measured responses.');
  }
}

/** Turns parsed JSON (array of row objects, or an object of columns as pandas writes it) into row objects. */
function jsonRows(data: unknown): Record<string, unknown>[] {
  if (Array.isArray(data)) {
    if (!data.every((r) => r && typeof r === 'object' && !Array.isArray(r))) {
      throw new UserFacingError('The JSON table must be an array of row objects, e.g. [{"sentence": "...", "response_target": 0.3}].');
    }
    return data as Record<string, unknown>[];
  }
  if (data && typeof data === 'object') {
    const cols = Object.entries(data as Record<string, unknown>);
    // pandas orient="list" ({col: [..]}) or orient="columns" ({col: {index: value}})
    const arrays = cols.map(([k, v]) => [k, Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : null] as const);
    if (arrays.length && arrays.every(([, v]) => v !== null)) {
      const n = arrays[0][1]!.length;
      if (arrays.some(([, v]) => v!.length !== n)) throw new UserFacingError('The JSON table columns have different lengths.');
      return Array.from({ length: n }, (_, i) => Object.fromEntries(arrays.map(([k, v]) => [k, v![i]])));
    }
  }
  throw new UserFacingError('Unrecognised JSON table: use an array of row objects or an object of equally long columns.');
}

/**
 * Parses a response table from CSV/TSV text or JSON text. `format` defaults to JSON when the text
 * starts with "[" or "{", else CSV (delimiter auto-detected).
 */
export function parseResponseTable(text: string, format?: 'csv' | 'json'): ResponseTable {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (!trimmed) throw new UserFacingError('The response table is empty.');
  const fmt = format ?? (trimmed.startsWith('[') || trimmed.startsWith('{') ? 'json' : 'csv');
  let raw: Record<string, unknown>[];
  let headers: string[];
  if (fmt === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new UserFacingError('The response table is not valid JSON.');
    }
    raw = jsonRows(parsed);
    headers = [...new Set(raw.flatMap((r) => Object.keys(r)))];
  } else {
    const result = Papa.parse<Record<string, string>>(trimmed, { header: true, skipEmptyLines: 'greedy' });
    const fatal = result.errors.find((e) => e.type !== 'Delimiter');
    if (fatal) throw new UserFacingError(`The CSV could not be read (row ${(fatal.row ?? 0) + 2}): ${fatal.message}.`);
    raw = result.data;
    headers = result.meta.fields ?? [];
  }
  const columns = findColumns(headers);
  const missing = (['sentence', 'response'] as const).filter((c) => !columns[c]);
  if (missing.length) {
    const want = missing.map((c) => `"${COLUMN_ALIASES[c][0]}"`).join(' and ');
    throw new UserFacingError(`The response table has no ${want} column (found: ${headers.join(', ') || 'none'}).`, 'See docs/language-data.md for the accepted columns.');
  }
  const str = (r: Record<string, unknown>, c: CanonicalColumn): string | undefined => {
    const h = columns[c];
    if (!h) return undefined;
    const v = r[h];
    return v === undefined || v === null ? '' : String(v).trim();
  };
  const rows: ResponseRow[] = raw.map((r, i) => {
    const sentence = str(r, 'sentence') ?? '';
    const rawResponse = r[columns.response!];
    const response = typeof rawResponse === 'number' ? rawResponse : rawResponse === null || rawResponse === undefined || String(rawResponse).trim() === '' ? NaN : Number(rawResponse);
    const rowNo = fmt === 'csv' ? i + 2 : i + 1; // CSV: header is line 1
    if (!sentence) throw new UserFacingError(`Row ${rowNo} has an empty sentence.`);
    if (!Number.isFinite(response)) throw new UserFacingError(`Row ${rowNo} has no valid response ("${String(rawResponse ?? '')}") for "${sentence.slice(0, 60)}".`, 'Remove rows without a response, or fill them in.');
    return { sentence, response, roi: str(r, 'roi'), participant: str(r, 'participant'), condition: str(r, 'condition'), itemId: str(r, 'itemId') };
  });
  const rois = columns.roi ? [...new Set(rows.map((r) => r.roi!))].sort() : [];
  return { rows, columns, rois };
}

/**
 * One row per sentence for `roi` (default: the only ROI, or lang_LH_netw). Sentences are keyed by
 * item_id when present, else by their text. Repeated rows of one participant and item are averaged.
 */
export function aggregateSentences(table: ResponseTable, roi?: string): SentenceTable {
  let chosen: string | null = null;
  if (table.rois.length) {
    if (roi !== undefined) {
      if (!table.rois.includes(roi)) throw new UserFacingError(`ROI "${roi}" is not in the table (available: ${table.rois.join(', ')}).`);
      chosen = roi;
    } else if (table.rois.length === 1) chosen = table.rois[0];
    else if (table.rois.includes(DEFAULT_ROI)) chosen = DEFAULT_ROI;
    else throw new UserFacingError(`Choose an ROI: the table has ${table.rois.length} (${table.rois.join(', ')}).`);
  } else if (roi !== undefined) {
    throw new UserFacingError(`The table has no ROI column, so ROI "${roi}" cannot be selected.`);
  }
  const rows = chosen === null ? table.rows : table.rows.filter((r) => r.roi === chosen);
  const itemIndex = new Map<string, number>();
  const participantIndex = new Map<string, number>();
  const sentences: string[] = [];
  const itemIds: string[] = [];
  const conditions: string[] = [];
  for (const r of rows) {
    const key = r.itemId ? r.itemId : r.sentence;
    const idx = itemIndex.get(key);
    if (idx === undefined) {
      itemIndex.set(key, sentences.length);
      sentences.push(r.sentence);
      itemIds.push(r.itemId || String(sentences.length));
      conditions.push(r.condition ?? '');
    } else if (sentences[idx] !== r.sentence) {
      throw new UserFacingError(`item_id ${key} names two different sentences: "${sentences[idx]}" and "${r.sentence}".`);
    }
    const p = r.participant || 'all';
    if (!participantIndex.has(p)) participantIndex.set(p, participantIndex.size);
  }
  const S = sentences.length;
  const P = participantIndex.size;
  const sum = new Float64Array(S * P);
  const count = new Uint32Array(S * P);
  for (const r of rows) {
    const k = itemIndex.get(r.itemId ? r.itemId : r.sentence)! * P + participantIndex.get(r.participant || 'all')!;
    sum[k] += r.response;
    count[k]++;
  }
  const perParticipant = new Float64Array(S * P);
  const response = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    let total = 0;
    let n = 0;
    for (let p = 0; p < P; p++) {
      const k = s * P + p;
      perParticipant[k] = count[k] ? sum[k] / count[k] : NaN;
      if (count[k]) {
        total += perParticipant[k];
        n++;
      }
    }
    response[s] = total / n;
  }
  return { source: 'file', roi: chosen, sentences, itemIds, conditions, response, participants: [...participantIndex.keys()], perParticipant };
}
