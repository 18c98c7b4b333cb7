/**
 * The Language lab worker: holds the language model session, the tokenizer, the sentence table and the fitted
 * encoding model, and runs core/language/* (encoding, ceiling, ranking, search) on features recorded by
 * engine.ts. Nothing heavy runs on the page's main thread.
 */
import * as Comlink from 'comlink';
import { gpt2Layers, gpt2ParamCount, GPT2_SIZES, type Gpt2Size } from '../src/core/onnx/gpt2';
import { listLayers } from '../src/core/onnx/layers';
import { exposeTensors } from '../src/core/onnx/expose';
import { decodeModel } from '../src/core/onnx/proto';
import { loadTokenizer, type TextTokenizer } from '../src/core/text/tokenizer';
import { contextCut } from '../src/core/text/batch';
import { aggregateSentences, assertVaryingResponses, parseResponseTable, type ResponseTable, type SentenceTable } from '../src/core/language/table';
import { participantNoiseCeiling } from '../src/core/language/ceiling';
import { fitEncodingModel, heldOutPerformance, predictEncoding, type EncodingModel } from '../src/core/language/encoding';
import { decodeGloveAsset, GLOVE_ASSET_FILE, GLOVE_LABEL, GLOVE_REPRESENTATIONS, GloveModel, ZIPF_PROXY_LABEL, ZIPF_PROXY_NOTE, type GloveRepresentation } from '../src/core/language/glove';
import { GPT2_TOKENIZER_ASSET_FILE, GPT2_TOKENIZER_NAME } from '../src/core/language/gpt2-tokenizer';
import { alignProperties, brainScoreRidge, BRAINSCORE_ALPHAS, localizeUnits, parseLocalizer, parseSentenceProperties, propertyCorrelations } from '../src/core/language/benchmarks';
import { TUCKUTE_GPT2XL_LAYER_R, TUCKUTE_REFERENCE_LABEL } from '../src/core/language/reference';
import { shuffleSplits } from '../src/core/metrics/splits';
import { mean, pearson } from '../src/core/metrics/stats';
import { fetchDataset } from '../src/core/catalog/fetch-dataset';
import { findDataset } from '../src/core/catalog/datasets';
import { languageTableRows, type LanguageTableOptions } from '../src/core/data/pack';
import { createSearchState, rankPool, runSearch, sentenceKey, vocabularyFromPool, wordCount, wordSubstitutionProposer, type SearchState, type SentenceScore } from '../src/core/language/search';
import { syntheticResponses } from '../src/core/language/synthetic';
import { ModelCache } from '../src/core/store/cache';
import { UserFacingError, type FloatTensor, type LayerInfo, type ProgressFn } from '../src/core/types';
import { configureOrt, webOrt } from './ort-web';
import { externalizeInitializers } from '../src/core/onnx/external-data';
import type { OrtSessionOptions } from '../src/core/engine';
import { withWireErrors } from '../src/core/wire-errors';
import { SentenceEngine, type FeatureOptions, type SentenceFeatures } from '../src/core/language/sentence-engine';
import { buildGpt2Lazy, drawnOnRead, GPT2_WEIGHTS_PATH, type LazyGpt2 } from '../src/core/language/gpt2-weights';
import { SentenceFeatureCache } from '../src/core/language/feature-cache';
import { DEMO_POOL, templateSentences } from '../src/core/language/demo-pool';
import type { EncodingSummary, FluencyInfo, LmChoice, LmSummary, LocalizerSummary, PoolFilters, PoolRanking, PropertyAnalysis, ScoredSentence, SearchOptionsUi, SearchStatus, SweepResult, TableSummary, TokenizerSummary } from './language-api';

/** The built-in assets the build emits (tools/vite-language-assets.ts). */
const assetUrl = (file: string) => `${import.meta.env.BASE_URL}language/${file}`;

async function fetchAsset(file: string, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(assetUrl(file));
  } catch {
    throw new UserFacingError(`The built-in ${what} could not be loaded (offline before it was cached?).`, 'Open the app once online so it is cached, or load a file yourself.');
  }
  if (!res.ok) throw new UserFacingError(`The built-in ${what} is missing from this build (HTTP ${res.status}).`, 'Rebuild the app with npm run build (the vite plugin derives it from node_modules).');
  return res;
}

let gloveLoading: Promise<GloveModel> | null = null;
/** The built-in GloVe vectors (fetched once; the service worker keeps them for offline use). */
function builtinGlove(): Promise<GloveModel> {
  gloveLoading ??= fetchAsset(GLOVE_ASSET_FILE, 'GloVe vocabulary')
    .then(async (r) => new GloveModel(decodeGloveAsset(new Uint8Array(await r.arrayBuffer()))))
    .catch((e) => {
      gloveLoading = null;
      throw e;
    });
  return gloveLoading;
}

const GLOVE_PREFIX = 'glove:';
const GLOVE_LAYER_LABELS: Record<GloveRepresentation, string> = {
  'mean+lexical': 'mean vector + lexical stats',
  mean: 'mean word vector',
  max: 'max over words',
  sum: 'sum of word vectors',
};

function gloveLayers(): LayerInfo[] {
  return GLOVE_REPRESENTATIONS.map((r, depth) => ({ tensor: `${GLOVE_PREFIX}${r}`, label: GLOVE_LAYER_LABELS[r], group: 'GloVe', kind: 'embedding', op: 'Pool', depth }));
}

const SWEEP_KINDS = new Set<LayerInfo['kind']>(['embedding', 'residual', 'norm']);

/**
 * Session options of the lab's language models. No weight prepacking: onnxruntime would keep a second, packed copy
 * of every MatMul/Gemm weight (+280 MiB for GPT-2 small, and 1–4 s more to open it) in a WASM heap that never
 * shrinks, for runs only 2–5 % faster (GPT-2 small, both sessions alternating in one page; docs/results.md, Speed (c)).
 */
const LM_SESSION_OPTIONS = { extra: { session: { disable_prepacking: '1' } } };

/**
 * Opens the session on `bytes` with its weights handed over as external data (core/onnx/external-data.ts): the
 * runtime then never holds a copy of the whole model in its WASM heap. The caller must drop every other reference
 * to `bytes` so that the JS copy can be collected once the session exists.
 */
function sessionFromBytes(bytes: Uint8Array, vocabSize: number): Promise<SentenceEngine> {
  const { model, externalData } = externalizeInitializers(bytes);
  // externalData is an onnxruntime-web option beyond core/engine's OrtSessionOptions: createSession passes it on.
  return SentenceEngine.create(webOrt, model, vocabSize, { ...LM_SESSION_OPTIONS, externalData: [externalData] } as OrtSessionOptions);
}

interface State {
  lmName: string;
  /** Identifies the model weights and the tokenizer: the key of the sentence feature cache. */
  modelKey: string;
  tokenizerKey: string;
  engine: SentenceEngine | null;
  /** Set when the model is the built-in GloVe (no engine, no tokenizer). */
  glove: GloveModel | null;
  /** A pretrained language model (its surprisal is a real fluency measure). */
  trained: boolean;
  layers: LayerInfo[];
  /** Where the table came from: a catalog dataset id, or '' (file / synthetic). */
  datasetId: string;
  properties: { name: string; values: Float64Array }[] | null;
  tokenizer: TextTokenizer | null;
  tokenizerName: string;
  rawTable: ResponseTable | null;
  tableName: string;
  table: SentenceTable | null;
  tableNote: string;
  ceiling: TableSummary['ceiling'];
  /** Recorded features of the table's sentences per layer, and their surprisal. */
  tableFeatures: Record<string, FloatTensor> | null;
  tableSurprisal: Float64Array | null;
  encoding: { model: EncodingModel; layer: string; heldOutR: number } | null;
  lastRanking: PoolRanking | null;
  search: SearchState | null;
  searchSteps: number;
  /** Best/mean prediction per step of the current search. */
  searchHistory: NonNullable<SearchStatus['history']>;
}

const state: State = {
  lmName: '', modelKey: '', tokenizerKey: '', engine: null, glove: null, trained: false, layers: [], datasetId: '', properties: null, tokenizer: null, tokenizerName: '', rawTable: null, tableName: '', table: null, tableNote: '', ceiling: null,
  tableFeatures: null, tableSurprisal: null, encoding: null, lastRanking: null, search: null, searchSteps: 0, searchHistory: [],
};
let controller: AbortController | null = null;
const featureCache = new SentenceFeatureCache();

/** FNV-1a of a tokenizer.json: two tokenizers that differ never share cached features. */
function textHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

/** The fluency measure in force: a trained LM's surprisal, else the named Zipf proxy (untrained LM surprisal is ~15.6 bits for every sentence). */
function fluencyInfo(): FluencyInfo {
  if (state.engine && state.trained) {
    return { kind: 'lm', label: 'surprisal (bits/token)', unit: 'bits/token', note: `Mean surprisal of each sentence under ${state.lmName}, a trained language model.`, defaultMax: 8 };
  }
  const why = state.glove ? 'No language model is loaded (GloVe is word vectors).' : 'The loaded language model is untrained: its surprisal is about log2(50257) ≈ 15.6 bits for every sentence, so its surprisal filter is disabled.';
  return { kind: 'proxy', label: ZIPF_PROXY_LABEL, unit: 'bits/word', note: `${why} ${ZIPF_PROXY_NOTE}`, defaultMax: 16 };
}

/** The fluency measure (fluencyInfo) of each sentence, given the LM's surprisal when there is one. */
async function fluencyOf(sentences: string[], lmSurprisal: Float64Array | null): Promise<Float64Array> {
  if (state.engine && state.trained && lmSurprisal) return lmSurprisal;
  const glove = state.glove ?? (await builtinGlove());
  return Float64Array.from(sentences, (s) => glove.zipfSurprisal(s));
}

/** Sentence features through the IndexedDB cache: only unseen sentences run through the model. `surprisal` is the fluency measure. */
async function sentenceFeatures(sentences: string[], layers: string[], o: FeatureOptions): Promise<SentenceFeatures> {
  if (state.glove) {
    const glove = state.glove;
    const features: SentenceFeatures['features'] = {};
    for (const layer of layers) {
      if (!layer.startsWith(GLOVE_PREFIX)) throw new UserFacingError(`Layer "${layer}" is not a GloVe representation.`);
      const f = glove.represent(sentences, layer.slice(GLOVE_PREFIX.length) as GloveRepresentation);
      features[layer] = { data: f.features, width: f.dims };
    }
    o.onProgress?.({ done: sentences.length, total: sentences.length, phase: 'GloVe vectors' });
    return { features, surprisal: await fluencyOf(sentences, null), n: sentences.length };
  }
  const { engine, tokenizer } = requireReady();
  const key = `${state.modelKey}|tok:${state.tokenizerKey}`;
  const f = await featureCache.features(key, sentences, layers, (missing) => engine.features(tokenizer, missing, layers, o), (e) =>
    console.warn('Sentence feature cache not written:', e),
  );
  if (f.computed === 0) o.onProgress?.({ done: sentences.length, total: sentences.length, phase: 'from cache' });
  return { ...f, surprisal: await fluencyOf(sentences, f.surprisal) };
}

/** A sentence set of the dataset catalog, fetched (or from the cache) and read into rows: one job, with download progress. */
async function catalogSentenceRows(id: string, mirror: string | undefined, onProgress?: ProgressFn) {
  const signal = newJob();
  const entry = findDataset(id);
  if (!entry) throw new UserFacingError(`"${id}" is not in the dataset catalog.`);
  const { files } = await fetchDataset(entry, {
    signal,
    mirror,
    onEvent: (e) => {
      if (e.type === 'progress') onProgress?.({ done: e.loaded, total: e.total ?? e.loaded, phase: `downloading ${entry.name}` });
    },
  });
  return { entry, rows: languageTableRows(files, entry.packOptions as unknown as LanguageTableOptions) };
}

let tokenizerLoading: Promise<void> | null = null;
/** GPT-2's tokenizer, shipped with the app, unless the user loaded another one. */
function ensureBuiltinTokenizer(): Promise<void> {
  if (state.tokenizer) return Promise.resolve();
  tokenizerLoading ??= fetchAsset(GPT2_TOKENIZER_ASSET_FILE, 'GPT-2 tokenizer')
    .then(async (r) => {
      const json = await r.text();
      if (state.tokenizer) return;
      state.tokenizer = loadTokenizer(json);
      state.tokenizerName = GPT2_TOKENIZER_NAME;
      state.tokenizerKey = 'builtin:gpt2-tokenizer';
    })
    .finally(() => {
      tokenizerLoading = null;
    });
  return tokenizerLoading;
}

function newJob(): AbortSignal {
  controller?.abort();
  controller = new AbortController();
  return controller.signal;
}

function requireModel(): void {
  if (!state.glove && !state.engine) throw new UserFacingError('Load a model first.');
}

function requireReady(): { engine: SentenceEngine; tokenizer: TextTokenizer } {
  if (!state.engine) throw new UserFacingError('Load a language model first.');
  if (!state.tokenizer) throw new UserFacingError('Load a tokenizer first (tokenizer.json).');
  return { engine: state.engine, tokenizer: state.tokenizer };
}

function resetFits(): void {
  state.tableFeatures = null;
  state.tableSurprisal = null;
  state.encoding = null;
  state.lastRanking = null;
  state.search = null;
  state.searchHistory = [];
}

function tokenizerSummary(): TokenizerSummary {
  const t = state.tokenizer!;
  const ids = t.encode('The quick brown fox');
  return { name: state.tokenizerName, vocabSize: t.vocabSize, example: ids.map((id) => t.decode([id])) };
}

function ceilingOf(table: SentenceTable): TableSummary['ceiling'] {
  if (table.participants.length < 2) return null;
  const c = participantNoiseCeiling(table, { seed: 0 });
  // Band of ±1 SD of the split-half reliability, as a correlation ceiling (√reliability).
  const root = (v: number) => Math.sqrt(Math.max(v, 0));
  return { value: c.maxR, low: root(c.reliability - c.sd), high: root(c.reliability + c.sd) };
}

function summary(): TableSummary {
  const t = state.table!;
  return {
    name: state.tableName,
    sentences: t.sentences.length,
    participants: t.participants.length,
    rois: state.rawTable?.rois ?? [],
    roi: t.roi ?? '',
    synthetic: t.source === 'synthetic',
    note: state.tableNote,
    ceiling: state.ceiling,
    preview: t.sentences.slice(0, 5).map((sentence, i) => ({ sentence, response: t.response[i] })),
  };
}

async function tableFeatures(onProgress?: ProgressFn, signal?: AbortSignal): Promise<Record<string, FloatTensor>> {
  if (state.tableFeatures) return state.tableFeatures;
  requireModel();
  if (!state.table) throw new UserFacingError('Import a sentence table or generate synthetic ground truth first.');
  const tensors = state.layers.map((l) => l.tensor);
  const f = await sentenceFeatures(state.table.sentences, tensors, { onProgress, signal });
  state.tableFeatures = Object.fromEntries(tensors.map((t) => [t, { dims: [f.n, f.features[t].width], data: f.features[t].data }]));
  state.tableSurprisal = f.surprisal;
  return state.tableFeatures;
}

/** Predictions and surprisal of new sentences with the fitted encoding model. */
async function scoreSentences(sentences: string[], signal?: AbortSignal, onProgress?: ProgressFn): Promise<SentenceScore[]> {
  requireModel();
  if (!state.encoding) throw new UserFacingError('Fit the encoding model first.');
  const layer = state.encoding.layer;
  const f = await sentenceFeatures(sentences, [layer], { signal, onProgress });
  const pred = predictEncoding(state.encoding.model, { dims: [f.n, f.features[layer].width], data: f.features[layer].data });
  return Array.from(pred, (prediction, i) => ({ prediction, surprisal: f.surprisal[i] }));
}

function fluencyStatement(s: SearchState): string {
  const f = fluencyInfo();
  const limit = s.config.maxSurprisal;
  return limit === null ? `No fluency filter (${f.label} shown only).` : `Edits kept only when ${f.label} ≤ ${limit}${f.kind === 'proxy' ? ' — a proxy: no trained language model is loaded' : ''}.`;
}

function recordHistory(s: SearchState): void {
  const preds = s.leaderboard.map((l) => l.prediction);
  if (!preds.length) return;
  state.searchHistory = [...state.searchHistory.filter((h) => h.step !== s.iteration), { step: s.iteration, best: preds[0], mean: mean(preds) }];
}

function searchStatus(s: SearchState, running: boolean): SearchStatus {
  return {
    history: state.searchHistory,
    fluency: fluencyStatement(s),
    fluencyUnit: fluencyInfo().unit,
    rejectedDisfluent: s.rejectedDisfluent,
    step: s.iteration + 1,
    steps: state.searchSteps,
    running,
    leaderboard: s.leaderboard.map((l) => ({ sentence: l.sentence, prediction: l.prediction, surprisal: l.surprisal, words: wordCount(l.sentence), novel: true })),
    evaluated: s.scored,
    direction: s.config.direction,
    finished: s.iteration + 1 >= state.searchSteps,
  };
}

const api = {
  async loadModel(choice: LmChoice): Promise<LmSummary> {
    await state.engine?.dispose();
    state.engine = null;
    state.glove = null;
    resetFits();
    if (choice.kind === 'glove') {
      state.glove = await builtinGlove();
      state.trained = true;
      state.layers = gloveLayers();
      state.lmName = GLOVE_LABEL;
      state.modelKey = `builtin:${GLOVE_ASSET_FILE}`;
      if (state.table?.source === 'synthetic') state.table = null;
      return {
        name: GLOVE_LABEL, layers: state.layers, untrained: false, parameters: state.glove.size * 100, tokenizerIncluded: true, needsTokenizer: false, backend: 'plain JS (no model run)',
        description: `${state.glove.size.toLocaleString('en')} most frequent words of GloVe 6B (Wikipedia + Gigaword); a sentence is its pooled word vectors, so word order is ignored.`,
        fluency: fluencyInfo(),
      };
    }
    const { threads } = configureOrt();
    let bytes: Uint8Array | null = null;
    let lazy: LazyGpt2 | null = null;
    let layers: LayerInfo[];
    let untrained = false;
    let parameters: number | undefined;
    let tokenizerIncluded = false;
    let vocabSize = 50257;
    if (choice.kind === 'builtin') {
      const size = GPT2_SIZES[choice.size as Gpt2Size];
      if (!size) throw new UserFacingError(`Unknown built-in model size "${choice.size}".`);
      layers = gpt2Layers(size.nLayer).filter((l) => SWEEP_KINDS.has(l.kind));
      const config = { ...size, seed: 0, extraOutputs: layers.map((l) => l.tensor) };
      // The weights are drawn as onnxruntime copies each one in: never the whole model in JS (gpt2-weights.ts).
      lazy = buildGpt2Lazy(config);
      untrained = true;
      parameters = gpt2ParamCount(config);
      state.lmName = `GPT-2 architecture (${choice.size}, untrained)`;
      state.trained = false;
      state.modelKey = `builtin:gpt2-${choice.size}-seed${config.seed}`;
    } else {
      const entry = await new ModelCache().get(choice.id);
      const model = entry?.files.find((f) => f.path === 'model.onnx');
      if (!entry || !model) throw new UserFacingError(`"${choice.name}" is not in the model cache any more. Download it again on the Models page.`);
      const proto = decodeModel(model.data);
      layers = listLayers(proto).filter((l) => SWEEP_KINDS.has(l.kind));
      if (!layers.length) throw new UserFacingError('No residual-stream layers were found in this model.');
      bytes = exposeTensors(proto, layers.map((l) => l.tensor));
      const tok = entry.files.find((f) => f.path === 'tokenizer.json');
      if (tok) {
        state.tokenizer = loadTokenizer(new TextDecoder().decode(tok.data));
        state.tokenizerName = `${choice.name} tokenizer`;
        state.tokenizerKey = `cached:${choice.id}`;
        tokenizerIncluded = true;
        vocabSize = state.tokenizer.vocabSize;
      }
      state.lmName = choice.name;
      state.modelKey = `cached:${choice.id}`;
      state.trained = true;
    }
    const opening = lazy
      ? SentenceEngine.create(webOrt, lazy.model, vocabSize, { ...LM_SESSION_OPTIONS, externalData: [{ path: GPT2_WEIGHTS_PATH, data: drawnOnRead(lazy) }] } as OrtSessionOptions)
      : sessionFromBytes(bytes!, vocabSize);
    bytes = null;
    state.engine = await opening;
    state.layers = layers;
    if (state.table?.source === 'synthetic') state.table = null;
    // GPT-2's tokenizer ships with the app: the lab never waits for a tokenizer.json (another can still be loaded).
    if (!state.tokenizer) await ensureBuiltinTokenizer();
    return {
      name: state.lmName, layers, untrained, parameters, tokenizerIncluded: tokenizerIncluded || !!state.tokenizer, needsTokenizer: true, backend: `WASM · ${threads} thread${threads === 1 ? '' : 's'}`,
      description: untrained ? 'Random weights: what the architecture alone gives (Schrimpf et al. 2021 untrained baseline).' : 'Pretrained causal language model; last-token states per block.',
      fluency: fluencyInfo(),
    };
  },

  /** Features of `sentences` on every sweep layer, straight from the model (the feature cache is bypassed): the
   * bench's and browser tests' view of what the lab computes. */
  async recordSentences(sentences: string[]): Promise<SentenceFeatures> {
    const { engine, tokenizer } = requireReady();
    const f = await engine.features(tokenizer, sentences, state.layers.map((l) => l.tensor), { signal: newJob() });
    return Comlink.transfer(f, [f.surprisal.buffer, ...Object.values(f.features).map((x) => x.data.buffer)]);
  },

  async tokenizerSummary(): Promise<TokenizerSummary> {
    await ensureBuiltinTokenizer();
    return tokenizerSummary();
  },

  loadTokenizer(name: string, json: string): TokenizerSummary {
    state.tokenizer = loadTokenizer(json);
    state.tokenizerName = name;
    state.tokenizerKey = textHash(json);
    resetFits();
    return tokenizerSummary();
  },

  importTable(name: string, text: string, roi?: string): TableSummary {
    const raw = parseResponseTable(text, /\.json$/i.test(name) ? 'json' : /\.csv$/i.test(name) ? 'csv' : undefined);
    const table = aggregateSentences(raw, roi && raw.rois.includes(roi) ? roi : undefined);
    assertVaryingResponses(table.response);
    Object.assign(state, { rawTable: raw, tableName: name, table, tableNote: '', ceiling: ceilingOf(table), datasetId: '', properties: null });
    resetFits();
    return summary();
  },

  /** A sentence set of the dataset catalog (tuckute2024-baseline, pereira2018): fetched or from the cache. */
  async loadDataset(id: string, mirror?: string, onProgress?: ProgressFn): Promise<TableSummary> {
    const { entry, rows } = await catalogSentenceRows(id, mirror, onProgress);
    const { sentences, responses } = rows;
    const response = Float64Array.from(responses);
    assertVaryingResponses(response);
    const table: SentenceTable = {
      source: 'file', roi: (entry.packOptions as { region?: string } | undefined)?.region ?? 'language network', sentences, itemIds: sentences.map((_, i) => String(i + 1)), conditions: sentences.map(() => ''),
      response, participants: ['average'], perParticipant: Float64Array.from(response),
    };
    Object.assign(state, { rawTable: null, tableName: entry.name, table, tableNote: entry.citation ?? '', ceiling: null, datasetId: id, properties: null });
    resetFits();
    return summary();
  },

  /** The sentences of a catalog dataset (as a ranking pool), fetched or from the cache. */
  async datasetSentences(id: string, mirror?: string, onProgress?: ProgressFn): Promise<string[]> {
    return (await catalogSentenceRows(id, mirror, onProgress)).rows.sentences;
  },

  /** A table of sentence properties (e.g. Tuckute's baseline_sentence_properties.csv: sentence + numeric columns), matched by sentence text. */
  importProperties(text: string): { names: string[]; matched: number } {
    if (!state.table) throw new UserFacingError('Load the sentences and responses first.');
    const props = parseSentenceProperties(text);
    const aligned = alignProperties(props, state.table.sentences);
    const matched = state.table.sentences.filter((s) => props.sentences.includes(s)).length;
    if (!matched) throw new UserFacingError('None of the property table\'s sentences are in the loaded table.', 'The "sentence" column must hold the same sentences.');
    state.properties = aligned;
    return { names: props.names, matched };
  },

  /** Response vs the model's fluency measure and vs the imported properties (Pearson r, p; Spearman ρ). */
  async propertyAnalysis(onProgress?: ProgressFn): Promise<PropertyAnalysis> {
    const signal = newJob();
    await tableFeatures(onProgress, signal);
    const table = state.table!;
    const fluency = fluencyInfo();
    const values = state.tableSurprisal!;
    const rows = [
      ...propertyCorrelations(table.response, [{ name: `model: ${fluency.label}`, values }]).map((r) => ({ ...r, source: 'model' as const })),
      ...propertyCorrelations(table.response, state.properties ?? []).map((r) => ({ ...r, source: 'table' as const })),
    ];
    return { rows, fluency: { label: fluency.label, values: Array.from(values), response: Array.from(table.response) } };
  },

  /** Fedorenko 2010 localizer: units of the fitted layer selective for sentences over nonwords, and their relation to the encoding model. */
  async localizer(mirror?: string, onProgress?: ProgressFn): Promise<LocalizerSummary> {
    const signal = newJob();
    if (!state.encoding) throw new UserFacingError('Fit the encoding model first: the localizer looks at its layer.');
    const { files } = await fetchDataset('fedorenko2010-localizer', { signal, mirror });
    const loc = parseLocalizer([...files.values()].map((b) => new TextDecoder().decode(b)));
    const layer = state.encoding.layer;
    const f = await sentenceFeatures([...loc.sentences, ...loc.nonwords], [layer], { signal, onProgress });
    const { data, width } = f.features[layer];
    const ns = loc.sentences.length;
    const m = (from: number, rows: number) => ({ rows, cols: width, data: Float64Array.from(data.subarray(from * width, (from + rows) * width)) });
    const result = localizeUnits(m(0, ns), m(ns, loc.nonwords.length));
    const w = state.encoding.model.weights;
    let weightCorrelation: number | null = null;
    if (w.length === width) {
      weightCorrelation = pearson(Array.from(result.t), Array.from(w));
    }
    // Encoding model on the selective units only vs all units, on the same splits.
    const feats = await tableFeatures(undefined, signal);
    const x = feats[layer];
    const y = state.table!.response;
    const splits = shuffleSplits(y.length, { splits: 10, trainSize: 0.9, seed: 1 });
    const sel = result.selective;
    const xs = new Float32Array(x.dims[0] * sel.length);
    for (let i = 0; i < x.dims[0]; i++) sel.forEach((j, k) => (xs[i * sel.length + k] = x.data[i * width + j]));
    const allR = brainScoreRidge(x, y, { splits, standardize: true, signal }).score;
    const selectiveR = brainScoreRidge({ dims: [x.dims[0], sel.length], data: xs }, y, { splits, standardize: true, signal }).score;
    return { layer, sentences: ns, nonwords: loc.nonwords.length, units: width, selective: sel.length, meanSelectiveT: result.meanSelectiveT, weightCorrelation, selectiveR, allR };
  },

  selectRoi(roi: string): TableSummary {
    if (!state.rawTable) throw new UserFacingError('Import a table first.');
    state.table = aggregateSentences(state.rawTable, roi);
    state.ceiling = ceilingOf(state.table);
    resetFits();
    return summary();
  },

  async generateSynthetic(o: { sentences: number; seed: number }, onProgress?: ProgressFn): Promise<TableSummary> {
    requireModel();
    const signal = newJob();
    const n = Math.max(20, Math.min(5000, Math.round(o.sentences)));
    const sentences = templateSentences(n, o.seed);
    // Ground truth from the middle block's residual stream, so the layer sweep has a known answer.
    const residuals = state.layers.filter((l) => l.kind === 'residual');
    const source = residuals[Math.floor((residuals.length - 1) / 2)] ?? state.layers[state.glove ? 1 : 0];
    const f = await sentenceFeatures(sentences, state.layers.map((l) => l.tensor), { onProgress, signal });
    const feats = f.features[source.tensor];
    const truth = syntheticResponses(sentences, { rows: f.n, cols: feats.width, data: feats.data }, { seed: o.seed, targetR: 0.7, participants: 6 });
    state.rawTable = null;
    state.datasetId = '';
    state.properties = null;
    state.tableName = 'Synthetic ground truth';
    state.table = truth.table;
    state.tableNote = `Responses = (${source.label}) · w + noise, w seeded; 6 simulated participants; a perfect model reaches r ≈ ${truth.expectedR.toFixed(2)}.`;
    state.ceiling = ceilingOf(truth.table);
    resetFits();
    state.tableFeatures = Object.fromEntries(state.layers.map((l) => [l.tensor, { dims: [f.n, f.features[l.tensor].width], data: f.features[l.tensor].data }]));
    state.tableSurprisal = f.surprisal;
    return summary();
  },

  /** Brain-Score's Tuckute2024 recipe per layer: 10 shuffle splits 90/10 (seed 1), z-scored features, RidgeCV over logspace(-3, 3, 7), mean r over splits. */
  async layerSweep(onProgress?: ProgressFn): Promise<SweepResult> {
    const signal = newJob();
    const feats = await tableFeatures(onProgress, signal);
    const table = state.table!;
    const splits = shuffleSplits(table.response.length, { splits: 10, trainSize: 0.9, seed: 1 });
    const layers = state.layers.map((info, k) => {
      onProgress?.({ done: k, total: state.layers.length, phase: 'fitting ridge (10 splits)' });
      const s = brainScoreRidge(feats[info.tensor], table.response, { splits, standardize: true, signal });
      const finite = s.perSplit.filter(Number.isFinite);
      const sd = Math.sqrt(finite.reduce((a, b) => a + (b - s.score) ** 2, 0) / Math.max(finite.length - 1, 1));
      const alphaMedian = [...s.alphas].sort((a, b) => a - b)[Math.floor(s.alphas.length / 2)] ?? NaN;
      return { tensor: info.tensor, label: info.label, r: s.score, sem: sd / Math.sqrt(Math.max(finite.length, 1)), alpha: alphaMedian };
    });
    onProgress?.({ done: state.layers.length, total: state.layers.length, phase: 'fitting ridge (10 splits)' });
    const best = layers.reduce((b, l) => (l.r > b.r ? l : b), layers[0]);
    const tuckute = state.datasetId === 'tuckute2024-baseline' || /tuckute/i.test(state.tableName);
    // Token models see at most DEFAULT_MAX_TOKENS tokens of a sentence: say how many were cut (GloVe reads every word).
    const cut = state.glove || !state.tokenizer ? '' : contextCut((s) => state.tokenizer!.encode(s), table.sentences).note;
    return {
      layers,
      ceiling: state.ceiling,
      best: best.tensor,
      recipe: `Brain-Score Tuckute2024 recipe: 10 shuffle splits (90 % train, seed 1), features z-scored on the training split, RidgeCV alpha ∈ 10^-3…10^3 by leave-one-out, Pearson r on the held-out 10 %, mean over splits; raw r, no ceiling.${cut ? ` ${cut}` : ''}`,
      reference: tuckute && !state.glove ? { label: TUCKUTE_REFERENCE_LABEL, note: 'Tuckute et al. 2024 SI 6: GPT2-XL last-token ridge, fit on 4 participants and tested on the held-out 5th (mean of 5), plotted by relative depth.', r: [...TUCKUTE_GPT2XL_LAYER_R] } : null,
    };
  },

  async fitEncoding(layer: string, onProgress?: ProgressFn): Promise<EncodingSummary> {
    const signal = newJob();
    const feats = await tableFeatures(onProgress, signal);
    const x = feats[layer];
    if (!x) throw new UserFacingError(`Layer "${layer}" was not recorded.`);
    const y = state.table!.response;
    const model = fitEncodingModel(x, y, { alphas: BRAINSCORE_ALPHAS });
    const held = heldOutPerformance(x, y, { splits: shuffleSplits(y.length, { splits: 10, trainSize: 0.9, seed: 1 }), alphas: BRAINSCORE_ALPHAS, signal });
    state.encoding = { model, layer, heldOutR: held.meanFoldR };
    state.lastRanking = null;
    state.search = null;
    const info = state.layers.find((l) => l.tensor === layer);
    return { layer, label: info?.label ?? layer, alpha: model.alpha, heldOutR: held.meanFoldR, sentences: x.dims[0] };
  },

  async rankPool(sentences: string[], filters: PoolFilters, onProgress?: ProgressFn): Promise<PoolRanking> {
    const signal = newJob();
    const pool = sentences.map((s) => s.trim()).filter(Boolean);
    if (pool.length === 0) throw new UserFacingError('Paste at least one sentence into the pool.');
    const scores = await scoreSentences(pool, signal, onProgress);
    const training = new Set((state.table?.sentences ?? []).map(sentenceKey));
    const predictions = scores.map((s) => s.prediction);
    const ranked = rankPool(predictions, pool, { minWords: filters.minWords, maxWords: filters.maxWords, excludeSet: filters.novelOnly ? state.table?.sentences : undefined }, 10);
    const scored: ScoredSentence[] = pool.map((sentence, i) => ({ sentence, prediction: scores[i].prediction, surprisal: scores[i].surprisal, words: wordCount(sentence), novel: !training.has(sentenceKey(sentence)) }));
    const byIndex = (i: number) => scored[i];
    const resp = Array.from(state.table!.response);
    state.lastRanking = {
      scored,
      drive: ranked.drive.map((r) => byIndex(r.index)),
      suppress: ranked.suppress.map((r) => byIndex(r.index)),
      kept: ranked.eligible,
      trainingRange: [Math.min(...resp), Math.max(...resp)],
    };
    return state.lastRanking;
  },

  async search(o: SearchOptionsUi, resume: boolean, onUpdate?: (s: SearchStatus) => void): Promise<SearchStatus> {
    requireModel();
    if (!state.encoding) throw new UserFacingError('Fit the encoding model first.');
    const signal = newJob();
    if (!resume || !state.search || state.search.config.direction !== o.direction) {
      const ranking = state.lastRanking;
      const seedsFrom = ranking ? (o.direction === 'drive' ? ranking.drive : ranking.suppress).map((s) => s.sentence) : DEMO_POOL.slice(0, 8);
      state.search = createSearchState({ direction: o.direction, seeds: seedsFrom.slice(0, 8), maxSurprisal: o.maxSurprisal ?? undefined, seed: o.seed, beamWidth: 4, proposalsPerSentence: 4, leaderboardSize: 10 });
      state.searchHistory = [];
    }
    state.searchSteps = Math.max(1, Math.round(o.steps));
    const vocabulary = vocabularyFromPool([...(state.lastRanking?.scored.map((s) => s.sentence) ?? DEMO_POOL), ...(state.table?.sentences ?? [])]);
    const remaining = Math.max(0, state.searchSteps - (state.search.iteration + 1));
    onUpdate?.(searchStatus(state.search, true));
    const result = await runSearch(state.search, (sentences, sig) => scoreSentences(sentences, sig), wordSubstitutionProposer(vocabulary), {
      iterations: remaining,
      signal,
      onIteration: (s) => {
        recordHistory(s);
        onUpdate?.(searchStatus(s, true));
      },
    });
    state.search = result.state;
    const status = searchStatus(result.state, false);
    onUpdate?.(status);
    return status;
  },

  stopSearch(): void {
    controller?.abort();
  },

  cancel(): void {
    controller?.abort();
  },
};

export type LanguageWorkerApi = typeof api;
Comlink.expose(withWireErrors(api));
