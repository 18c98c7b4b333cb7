/**
 * Packers for language datasets: a sentence/response table becomes a language benchmark bundle
 * (docs/bundle-format.md; one region, responses [sentences, 1]); the Fedorenko 2010 localizer CSVs
 * become a list of sentences and nonword strings.
 */
import Papa from 'papaparse';
import { BUNDLE_FORMAT, type BenchmarkManifest } from '../bundle';
import { UserFacingError } from '../../types';

type Files = Map<string, Uint8Array>;

export interface LanguageTableOptions {
  /** File name of the table in `files`. */
  table: string;
  sentence?: string;
  response?: string;
  /** Keep only rows whose `filterColumn` equals `filterValue` (e.g. cond = B). */
  filterColumn?: string;
  filterValue?: string;
  region?: string;
  id: string;
  name: string;
  citation?: string;
  description?: string;
}

function parseTable(bytes: Uint8Array, name: string): { fields: string[]; rows: Record<string, string>[] } {
  const parsed = Papa.parse<Record<string, string>>(new TextDecoder().decode(bytes).replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: true });
  const error = parsed.errors.find((e) => e.code !== 'UndetectableDelimiter');
  if (error) throw new UserFacingError(`${name}: ${error.message}${error.row !== undefined ? ` (row ${error.row + 2})` : ''}.`, 'The file may be truncated; download it again.');
  return { fields: parsed.meta.fields ?? [], rows: parsed.data };
}

/** Sentences and one response each, from a CSV table. */
export function languageTableRows(files: Files, options: LanguageTableOptions): { sentences: string[]; responses: number[] } {
  const bytes = files.get(options.table);
  if (!bytes) throw new UserFacingError(`${options.table} is missing.`);
  const sentenceCol = options.sentence ?? 'Sentence';
  const responseCol = options.response ?? 'EffectSize';
  const { fields, rows } = parseTable(bytes, options.table);
  for (const c of [sentenceCol, responseCol, ...(options.filterColumn ? [options.filterColumn] : [])]) {
    if (!fields.includes(c)) throw new UserFacingError(`${options.table} has no "${c}" column (it has ${fields.join(', ')}).`);
  }
  const kept = options.filterColumn ? rows.filter((r) => r[options.filterColumn!] === options.filterValue) : rows;
  if (!kept.length) throw new UserFacingError(`${options.table} has no rows${options.filterColumn ? ` with ${options.filterColumn} = ${options.filterValue}` : ''}.`);
  const sentences: string[] = [];
  const responses: number[] = [];
  kept.forEach((r, i) => {
    const v = Number(r[responseCol]);
    if (!Number.isFinite(v)) throw new UserFacingError(`${options.table}, sentence ${i + 1}: "${r[responseCol]}" is not a number.`);
    sentences.push(r[sentenceCol]);
    responses.push(v);
  });
  return { sentences, responses };
}

/** A language benchmark bundle from a sentence/response table. */
export function languageTableBundle(files: Files, options: LanguageTableOptions): Files {
  const { sentences, responses } = languageTableRows(files, options);
  const region = options.region ?? 'language network';
  const out: Files = new Map();
  const csv = ['response', ...responses.map((v) => String(v))].join('\n');
  out.set('responses.csv', new TextEncoder().encode(csv));
  const manifest: BenchmarkManifest = {
    format: BUNDLE_FORMAT,
    id: options.id,
    name: options.name,
    citation: options.citation ?? '',
    description: options.description ?? `${sentences.length} sentences with one measured response each (${region}).`,
    modality: 'language',
    synthetic: false,
    stimuli: sentences.map((sentence, i) => ({ id: `s${String(i + 1).padStart(4, '0')}`, sentence })),
    regions: [{ name: region, kind: 'responses', data: 'responses.csv', neuroids: ['response'] }],
    metric: { method: 'ridge', folds: 5, ceiling: 'none' },
  };
  out.set('benchmark.json', new TextEncoder().encode(JSON.stringify(manifest, null, 1)));
  return out;
}

export interface LocalizerItem {
  /** "run1_stim_set1" */
  set: string;
  /** 12 words joined by spaces, as shown (upper case). */
  text: string;
  words: string[];
  /** S = sentence, N = nonword string. */
  condition: 'S' | 'N';
}

/** The Fedorenko 2010 localizer: every langloc_fmri_*.csv (stim2..stim13 = words, stim14 = condition). */
export function fedorenkoLocalizer(files: Files): LocalizerItem[] {
  const names = [...files.keys()].filter((n) => /langloc_fmri_.*\.csv$/i.test(n)).sort();
  if (!names.length) throw new UserFacingError('No langloc_fmri_*.csv files: these are the Fedorenko 2010 localizer lists.');
  const items: LocalizerItem[] = [];
  for (const name of names) {
    const { fields, rows } = parseTable(files.get(name)!, name);
    const wordCols = fields.filter((f) => /^stim(\d+)$/.test(f) && Number(f.slice(4)) >= 2 && Number(f.slice(4)) <= 13);
    if (wordCols.length !== 12 || !fields.includes('stim14')) throw new UserFacingError(`${name} does not have the localizer's columns stim1..stim14.`);
    const set = /langloc_fmri_(.*)\.csv$/i.exec(name)![1];
    for (const r of rows) {
      const condition = r.stim14?.trim();
      if (condition !== 'S' && condition !== 'N') throw new UserFacingError(`${name}: condition "${r.stim14}" is neither S (sentence) nor N (nonwords).`);
      const words = wordCols.map((c) => r[c].trim());
      items.push({ set, text: words.join(' '), words, condition });
    }
  }
  return items;
}
