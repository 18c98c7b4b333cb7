/**
 * The Language lab worker: holds the language model session, the tokenizer, the sentence table and the fitted
 * encoding model, and runs core/language/* (encoding, ceiling, ranking, search) on features recorded by
 * engine.ts. Nothing heavy runs on the page's main thread.
 */
import * as Comlink from 'comlink';
import { buildGpt2Model, gpt2Layers, gpt2ParamCount, GPT2_SIZES, type Gpt2Size } from '../src/core/onnx/gpt2';
import { listLayers } from '../src/core/onnx/layers';
import { exposeTensors } from '../src/core/onnx/expose';
import { decodeModel } from '../src/core/onnx/proto';
import { loadTokenizer, type TextTokenizer } from '../src/core/text/tokenizer';
import { aggregateSentences, parseResponseTable, type ResponseTable, type SentenceTable } from '../src/core/language/table';
import { participantNoiseCeiling } from '../src/core/language/ceiling';
import { fitEncodingModel, heldOutPerformance, predictEncoding, scoreLayers, type EncodingModel } from '../src/core/language/encoding';
import { createSearchState, rankPool, runSearch, sentenceKey, vocabularyFromPool, wordCount, wordSubstitutionProposer, type SearchState, type SentenceScore } from '../src/core/language/search';
import { syntheticResponses } from '../src/core/language/synthetic';
import { ModelCache } from '../src/core/store/cache';
import { UserFacingError, type FloatTensor, type LayerInfo, type ProgressFn } from '../src/core/types';
import { configureOrt, webOrt } from './ort-web';
import { externalizeInitializers } from '../src/core/onnx/external-data';
import type { OrtSessionOptions } from '../src/core/engine';
import { withWireErrors } from '../src/core/wire-errors';
import { SentenceEngine, type FeatureOptions, type SentenceFeatures } from '../src/core/language/sentence-engine';
import { SentenceFeatureCache } from '../src/core/language/feature-cache';
import { DEMO_POOL, templateSentences } from '../src/core/language/demo-pool';
import type { EncodingSummary, LmChoice, LmSummary, PoolFilters, PoolRanking, ScoredSentence, SearchOptionsUi, SearchStatus, SweepResult, TableSummary, TokenizerSummary } from './language-api';

const SWEEP_KINDS = new Set<LayerInfo['kind']>(['embedding', 'residual', 'norm']);

/**
 * Opens the session on `bytes` with its weights handed over as external data (core/onnx/external-data.ts): the
 * runtime then never holds a copy of the whole model in its WASM heap. The caller must drop every other reference
 * to `bytes` so that the JS copy can be collected once the session exists. (Disabling onnxruntime's weight
 * prepacking saved another 100-280 MiB but made feature runs clearly slower: docs/results.md, Speed (c).)
 */
function sessionFromBytes(bytes: Uint8Array, vocabSize: number): Promise<SentenceEngine> {
  const { model, externalData } = externalizeInitializers(bytes);
  // externalData is an onnxruntime-web option beyond core/engine's OrtSessionOptions: createSession passes it on.
  return SentenceEngine.create(webOrt, model, vocabSize, { externalData: [externalData] } as OrtSessionOptions);
}

interface State {
  lmName: string;
  /** Identifies the model weights and the tokenizer: the key of the sentence feature cache. */
  modelKey: string;
  tokenizerKey: string;
  engine: SentenceEngine | null;
  layers: LayerInfo[];
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
}

const state: State = {
  lmName: '', modelKey: '', tokenizerKey: '', engine: null, layers: [], tokenizer: null, tokenizerName: '', rawTable: null, tableName: '', table: null, tableNote: '', ceiling: null,
  tableFeatures: null, tableSurprisal: null, encoding: null, lastRanking: null, search: null, searchSteps: 0,
};
let controller: AbortController | null = null;
const featureCache = new SentenceFeatureCache();

/** FNV-1a of a tokenizer.json: two tokenizers that differ never share cached features. */
function textHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

/** Sentence features through the IndexedDB cache: only unseen sentences run through the model. */
async function sentenceFeatures(sentences: string[], layers: string[], o: FeatureOptions): Promise<SentenceFeatures> {
  const { engine, tokenizer } = requireReady();
  const key = `${state.modelKey}|tok:${state.tokenizerKey}`;
  const f = await featureCache.features(key, sentences, layers, (missing) => engine.features(tokenizer, missing, layers, o), (e) =>
    console.warn('Sentence feature cache not written:', e),
  );
  if (f.computed === 0) o.onProgress?.({ done: sentences.length, total: sentences.length, phase: 'from cache' });
  return f;
}

function newJob(): AbortSignal {
  controller?.abort();
  controller = new AbortController();
  return controller.signal;
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
  const { engine, tokenizer } = requireReady();
  if (!state.table) throw new UserFacingError('Import a sentence table or generate synthetic ground truth first.');
  const tensors = state.layers.map((l) => l.tensor);
  const f = await sentenceFeatures(state.table.sentences, tensors, { onProgress, signal });
  state.tableFeatures = Object.fromEntries(tensors.map((t) => [t, { dims: [f.n, f.features[t].width], data: f.features[t].data }]));
  state.tableSurprisal = f.surprisal;
  return state.tableFeatures;
}

/** Predictions and surprisal of new sentences with the fitted encoding model. */
async function scoreSentences(sentences: string[], signal?: AbortSignal, onProgress?: ProgressFn): Promise<SentenceScore[]> {
  const { engine, tokenizer } = requireReady();
  if (!state.encoding) throw new UserFacingError('Fit the encoding model first.');
  const layer = state.encoding.layer;
  const f = await sentenceFeatures(sentences, [layer], { signal, onProgress });
  const pred = predictEncoding(state.encoding.model, { dims: [f.n, f.features[layer].width], data: f.features[layer].data });
  return Array.from(pred, (prediction, i) => ({ prediction, surprisal: f.surprisal[i] }));
}

function searchStatus(s: SearchState, running: boolean): SearchStatus {
  return {
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
    const { threads } = configureOrt();
    await state.engine?.dispose();
    state.engine = null;
    resetFits();
    let bytes: Uint8Array | null;
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
      bytes = buildGpt2Model(config);
      untrained = true;
      parameters = gpt2ParamCount(config);
      state.lmName = `GPT-2 architecture (${choice.size}, untrained)`;
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
    }
    const opening = sessionFromBytes(bytes, vocabSize);
    bytes = null;
    state.engine = await opening;
    state.layers = layers;
    if (state.table?.source === 'synthetic') state.table = null;
    return { name: state.lmName, layers, untrained, parameters, tokenizerIncluded, backend: `WASM · ${threads} thread${threads === 1 ? '' : 's'}` };
  },

  /** Features of `sentences` on every sweep layer, straight from the model (the feature cache is bypassed): the
   * bench's and browser tests' view of what the lab computes. */
  async recordSentences(sentences: string[]): Promise<SentenceFeatures> {
    const { engine, tokenizer } = requireReady();
    const f = await engine.features(tokenizer, sentences, state.layers.map((l) => l.tensor), { signal: newJob() });
    return Comlink.transfer(f, [f.surprisal.buffer, ...Object.values(f.features).map((x) => x.data.buffer)]);
  },

  tokenizerSummary(): TokenizerSummary {
    if (!state.tokenizer) throw new UserFacingError('No tokenizer loaded.');
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
    Object.assign(state, { rawTable: raw, tableName: name, table, tableNote: '', ceiling: ceilingOf(table) });
    resetFits();
    return summary();
  },

  selectRoi(roi: string): TableSummary {
    if (!state.rawTable) throw new UserFacingError('Import a table first.');
    state.table = aggregateSentences(state.rawTable, roi);
    state.ceiling = ceilingOf(state.table);
    resetFits();
    return summary();
  },

  async generateSynthetic(o: { sentences: number; seed: number }, onProgress?: ProgressFn): Promise<TableSummary> {
    const { engine, tokenizer } = requireReady();
    const signal = newJob();
    const n = Math.max(20, Math.min(5000, Math.round(o.sentences)));
    const sentences = templateSentences(n, o.seed);
    // Ground truth from the middle block's residual stream, so the layer sweep has a known answer.
    const residuals = state.layers.filter((l) => l.kind === 'residual');
    const source = residuals[Math.floor((residuals.length - 1) / 2)] ?? state.layers[0];
    const f = await sentenceFeatures(sentences, state.layers.map((l) => l.tensor), { onProgress, signal });
    const feats = f.features[source.tensor];
    const truth = syntheticResponses(sentences, { rows: f.n, cols: feats.width, data: feats.data }, { seed: o.seed, targetR: 0.7, participants: 6 });
    state.rawTable = null;
    state.tableName = 'Synthetic ground truth';
    state.table = truth.table;
    state.tableNote = `Responses = (${source.label}) · w + noise, w seeded; 6 simulated participants; a perfect model reaches r ≈ ${truth.expectedR.toFixed(2)}.`;
    state.ceiling = ceilingOf(truth.table);
    resetFits();
    state.tableFeatures = Object.fromEntries(state.layers.map((l) => [l.tensor, { dims: [f.n, f.features[l.tensor].width], data: f.features[l.tensor].data }]));
    state.tableSurprisal = f.surprisal;
    return summary();
  },

  async layerSweep(onProgress?: ProgressFn): Promise<SweepResult> {
    const signal = newJob();
    const feats = await tableFeatures(onProgress, signal);
    const table = state.table!;
    const scores = scoreLayers(state.layers.map((l) => ({ layer: l.tensor, features: feats[l.tensor] })), table.response, { folds: 5, seed: 0, signal, onProgress });
    const layers = scores.map((s) => {
      const info = state.layers.find((l) => l.tensor === s.layer)!;
      const finite = s.foldR.filter(Number.isFinite);
      const m = finite.reduce((a, b) => a + b, 0) / Math.max(finite.length, 1);
      const sd = Math.sqrt(finite.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(finite.length - 1, 1));
      const alphaMedian = [...s.alphas].sort((a, b) => a - b)[Math.floor(s.alphas.length / 2)] ?? NaN;
      return { tensor: s.layer, label: info.label, r: s.r, sem: sd / Math.sqrt(Math.max(finite.length, 1)), alpha: alphaMedian };
    });
    const best = layers.reduce((b, l) => (l.r > b.r ? l : b), layers[0]);
    return { layers, ceiling: state.ceiling, best: best.tensor };
  },

  async fitEncoding(layer: string, onProgress?: ProgressFn): Promise<EncodingSummary> {
    const signal = newJob();
    const feats = await tableFeatures(onProgress, signal);
    const x = feats[layer];
    if (!x) throw new UserFacingError(`Layer "${layer}" was not recorded.`);
    const y = state.table!.response;
    const model = fitEncodingModel(x, y);
    const held = heldOutPerformance(x, y, { folds: 5, seed: 0, signal });
    state.encoding = { model, layer, heldOutR: held.r };
    state.lastRanking = null;
    state.search = null;
    const info = state.layers.find((l) => l.tensor === layer);
    return { layer, label: info?.label ?? layer, alpha: model.alpha, heldOutR: held.r, sentences: x.dims[0] };
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
    requireReady();
    if (!state.encoding) throw new UserFacingError('Fit the encoding model first.');
    const signal = newJob();
    if (!resume || !state.search || state.search.config.direction !== o.direction) {
      const ranking = state.lastRanking;
      const seedsFrom = ranking ? (o.direction === 'drive' ? ranking.drive : ranking.suppress).map((s) => s.sentence) : DEMO_POOL.slice(0, 8);
      state.search = createSearchState({ direction: o.direction, seeds: seedsFrom.slice(0, 8), maxSurprisal: o.maxSurprisal, seed: o.seed, beamWidth: 4, proposalsPerSentence: 4, leaderboardSize: 10 });
    }
    state.searchSteps = Math.max(1, Math.round(o.steps));
    const vocabulary = vocabularyFromPool([...(state.lastRanking?.scored.map((s) => s.sentence) ?? DEMO_POOL), ...(state.table?.sentences ?? [])]);
    const remaining = Math.max(0, state.searchSteps - (state.search.iteration + 1));
    onUpdate?.(searchStatus(state.search, true));
    const result = await runSearch(state.search, (sentences, sig) => scoreSentences(sentences, sig), wordSubstitutionProposer(vocabulary), {
      iterations: remaining,
      signal,
      onIteration: (s) => onUpdate?.(searchStatus(s, true)),
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
