/**
 * The Language lab's page state and actions, shared by its panels (src/ui/labs/language/*.svelte). The work runs
 * in the lab worker (workers/language.worker.ts); this class holds what the page shows and which controls are
 * ready, and says in words what a disabled control waits for.
 */
import { LabJob } from '../job.svelte';
import { languageWorker, searchProxy } from './client';
import { DEMO_POOL } from '../../../core/language/demo-pool';
import { howToGetDataset, isDatasetCached } from '../../../core/catalog/fetch-dataset';
import { findDataset } from '../../../core/catalog/datasets';
import { datasetMirror } from '../predictivity/sources';
import type { Experiment } from '../../../core/experiments';
import type { LanguageRun } from '../../notebook/language';
import type {
  EncodingSummary,
  LmSummary,
  LocalizerSummary,
  PoolRanking,
  PropertyAnalysis,
  ScoredSentence,
  SearchStatus,
  SweepResult,
  TableSummary,
  TokenizerSummary,
} from '../../../../workers/language-api';

export type Direction = 'drive' | 'suppress';

/** Sentence sets of the dataset catalog the lab offers. */
export const LANGUAGE_DATASETS = [
  { id: 'tuckute2024-baseline', label: 'Tuckute 2024 · 1,000 baseline sentences (LH language network)' },
  { id: 'pereira2018', label: 'Pereira 2018 · 627 sentences (language network)' },
] as const;

export class LanguageLab {
  readonly worker = languageWorker();
  readonly job = new LabJob();

  modelOptions = $state<{ value: string; label: string }[]>([
    { value: 'glove', label: 'GloVe 6B 100-d: trained word vectors, no word order (built in)' },
    { value: 'builtin:tiny', label: 'GPT-2 architecture · tiny · untrained (built in)' },
    { value: 'builtin:mini', label: 'GPT-2 architecture · mini · untrained (built in)' },
    { value: 'builtin:small', label: 'GPT-2 small architecture · untrained (built in, ~500 MB RAM)' },
  ]);
  modelChoice = $state('glove');
  lm = $state<LmSummary | null>(null);
  tokenizer = $state<TokenizerSummary | null>(null);

  datasetChoice = $state<string>(LANGUAGE_DATASETS[0].id);
  table = $state<TableSummary | null>(null);
  /** One line on how to get the real data, when the catalog could not be reached. */
  dataHowTo = $state('');
  roi = $state('');
  syntheticSentences = $state(200);
  propertiesInfo = $state<{ names: string[]; matched: number } | null>(null);

  sweep = $state<SweepResult | null>(null);
  layer = $state('');
  pendingLayer = $state<string | undefined>(undefined);
  encoding = $state<EncodingSummary | null>(null);

  poolText = $state(DEMO_POOL.join('\n'));
  minWords = $state(3);
  maxWords = $state(30);
  novelOnly = $state(true);
  ranking = $state<PoolRanking | null>(null);

  searchDirection = $state<Direction>('drive');
  searchSteps = $state(20);
  maxSurprisal = $state(16);
  useFluencyFilter = $state(true);
  /** The latest search, and both directions' results side by side. */
  search = $state<SearchStatus | null>(null);
  searches = $state<Partial<Record<Direction, SearchStatus>>>({});

  analysis = $state<PropertyAnalysis | null>(null);
  localizerResult = $state<LocalizerSummary | null>(null);

  chosen = $state<Record<string, ScoredSentence & { source: string }>>({});
  /** A saved experiment re-opened from the Notebook: its results, no live model. */
  opened = $state<Experiment | null>(null);

  readonly live = $derived(!this.opened);
  readonly modelName = $derived(this.opened ? this.opened.model : (this.lm?.name ?? ''));
  readonly ready = $derived(!!this.lm && (!this.lm.needsTokenizer || !!this.tokenizer));
  readonly dataLabel = $derived(this.table?.synthetic ? 'Synthetic ground truth — not brain data' : this.table ? `${this.table.name} · ${this.table.roi}` : '');
  readonly fluencyLabel = $derived(this.lm?.fluency?.label ?? 'mean surprisal (bits/token)');

  /** Why a control is disabled ('' when it is not): every disabled button says what it waits for. */
  waitingFor(step: 'model' | 'data' | 'sweep' | 'fit' | 'rank' | 'search' | 'analysis' | 'localizer'): string {
    if (this.job.busy) return `Waiting for “${this.job.busy}” to finish.`;
    if (!this.live) return 'A saved experiment is shown: start a live session first.';
    if (step === 'model') return '';
    if (!this.lm) return 'Waiting for a model: choose one and press “Load model”.';
    if (this.lm.needsTokenizer && !this.tokenizer) return 'Waiting for the tokenizer (GPT-2’s is built in and loads with the model).';
    if (step === 'data') return '';
    if (!this.table) return 'Waiting for sentences and responses: load a dataset, import a table or generate synthetic data.';
    if (step === 'sweep' || step === 'analysis') return '';
    if (!this.sweep) return 'Waiting for the layer sweep (step 3).';
    if (step === 'fit') return '';
    if (!this.encoding) return 'Waiting for the encoding model (step 4 · Fit).';
    return '';
  }

  resetDownstream(): void {
    this.sweep = null;
    this.encoding = null;
    this.ranking = null;
    this.search = null;
    this.searches = {};
    this.analysis = null;
    this.localizerResult = null;
  }

  /** Leave a re-opened experiment: clear its results. Returns true when one was open. */
  leaveSaved(): boolean {
    if (!this.opened) return false;
    this.opened = null;
    this.table = null;
    this.chosen = {};
    this.resetDownstream();
    return true;
  }

  async loadModel(): Promise<void> {
    await this.job.run('Loading the model', async () => {
      const choice = this.modelChoice;
      if (choice === 'glove') this.lm = await this.worker.loadModel({ kind: 'glove' });
      else if (choice.startsWith('cached:')) {
        const id = choice.slice('cached:'.length);
        this.lm = await this.worker.loadModel({ kind: 'cached', id, name: this.modelOptions.find((o) => o.value === choice)?.label ?? id });
      } else this.lm = await this.worker.loadModel({ kind: 'builtin', size: choice.slice('builtin:'.length) as 'tiny' | 'mini' | 'small' });
      if (this.lm.needsTokenizer) this.tokenizer = await this.worker.tokenizerSummary();
      if (this.lm.fluency) this.maxSurprisal = this.lm.fluency.defaultMax;
      this.resetDownstream();
      if (this.table?.synthetic) this.table = null;
    });
  }

  async loadTokenizer(file: File): Promise<void> {
    await this.job.run('Reading the tokenizer', async () => {
      this.tokenizer = await this.worker.loadTokenizer(file.name, await file.text());
      this.resetDownstream();
    });
  }

  /** Loads a catalog dataset; when it cannot be reached, keeps the synthetic fallback and one line on how to get it. */
  async loadDataset(id = this.datasetChoice, quiet = false): Promise<void> {
    this.dataHowTo = '';
    await this.job.run('Loading the sentences and responses', async () => {
      try {
        this.table = await this.worker.loadDataset(id, datasetMirror(), this.job.onProgress);
        this.roi = this.table.roi;
        this.propertiesInfo = null;
        this.resetDownstream();
      } catch (e) {
        const message = (e as { message?: string })?.message ?? String(e);
        const entry = findDataset(id);
        const howTo = entry ? howToGetDataset(entry) : 'Import its CSV below, or use synthetic data.';
        // The catalog's own message already ends with how to get the data when the host was unreachable.
        this.dataHowTo = message.includes(howTo) ? message : `${entry?.name ?? id} could not be loaded (${message}). ${howTo}`;
        if (!quiet) throw e;
      }
    });
  }

  /** On opening: the real baseline data when cached or reachable; otherwise the note and the synthetic fallback. */
  async openDefaultData(): Promise<void> {
    if (this.table || this.opened) return;
    const id = LANGUAGE_DATASETS[0].id;
    const cached = await isDatasetCached(id).catch(() => false);
    if (cached || (typeof navigator !== 'undefined' && navigator.onLine)) await this.loadDataset(id, true);
    else {
      const entry = findDataset(id);
      this.dataHowTo = `Offline and ${entry?.name ?? id} is not cached: the lab runs on labelled synthetic data. ${entry ? howToGetDataset(entry) : ''}`;
    }
  }

  async importTable(file: File): Promise<void> {
    await this.job.run('Reading the table', async () => {
      this.table = await this.worker.importTable(file.name, await file.text(), this.roi || undefined);
      this.roi = this.table.roi;
      this.propertiesInfo = null;
      this.resetDownstream();
    });
  }

  async importProperties(file: File): Promise<void> {
    await this.job.run('Reading sentence properties', async () => {
      this.propertiesInfo = await this.worker.importProperties(await file.text());
      this.analysis = null;
    });
  }

  async changeRoi(): Promise<void> {
    if (!this.table || this.table.synthetic) return;
    await this.job.run('Switching region', async () => {
      this.table = await this.worker.selectRoi(this.roi);
      this.resetDownstream();
    });
  }

  async generateSynthetic(): Promise<void> {
    await this.job.run('Generating synthetic ground truth', async () => {
      this.table = await this.worker.generateSynthetic({ sentences: this.syntheticSentences, seed: 1 }, this.job.onProgress);
      this.roi = this.table.roi;
      this.resetDownstream();
    });
  }

  async runSweep(): Promise<void> {
    await this.job.run('Layer sweep', async () => {
      const sweep = await this.worker.layerSweep(this.job.onProgress);
      this.sweep = sweep;
      this.layer = this.pendingLayer && sweep.layers.some((l) => l.tensor === this.pendingLayer) ? this.pendingLayer : sweep.best;
      this.pendingLayer = undefined;
      this.encoding = null;
      this.ranking = null;
    });
  }

  async fit(): Promise<void> {
    await this.job.run('Fitting the encoding model', async () => {
      this.encoding = await this.worker.fitEncoding(this.layer, this.job.onProgress);
      this.ranking = null;
      this.localizerResult = null;
    });
  }

  async rank(): Promise<void> {
    const sentences = this.poolText.split('\n').map((s) => s.trim()).filter(Boolean);
    await this.job.run('Ranking sentences', async () => {
      this.ranking = await this.worker.rankPool(sentences, { minWords: this.minWords, maxWords: this.maxWords, novelOnly: this.novelOnly }, this.job.onProgress);
    });
  }

  /** A catalog sentence set as the ranking pool (e.g. Pereira 2018's sentences for a model fit on Tuckute's). */
  async poolFromDataset(id: string): Promise<void> {
    await this.job.run('Loading the sentence pool', async () => {
      this.poolText = (await this.worker.datasetSentences(id, datasetMirror(), this.job.onProgress)).join('\n');
    });
  }

  private readonly onSearchUpdate = searchProxy((s) => {
    this.search = s;
    this.searches = { ...this.searches, [s.direction]: s };
  });

  async startSearch(resume: boolean, direction: Direction = this.searchDirection): Promise<void> {
    await this.job.run(resume ? 'Resuming search' : `Generative search (${direction})`, async () => {
      const s = await this.worker.search(
        { direction, steps: this.searchSteps, maxSurprisal: this.useFluencyFilter ? this.maxSurprisal : null, seed: 1 },
        resume,
        this.onSearchUpdate,
      );
      this.search = s;
      this.searches = { ...this.searches, [s.direction]: s };
    });
  }

  /** Drive, then suppress: both results side by side. */
  async searchBoth(): Promise<void> {
    for (const d of ['drive', 'suppress'] as const) {
      await this.startSearch(false, d);
      if (this.job.error) return;
    }
  }

  async analyse(): Promise<void> {
    await this.job.run('Property analysis', async () => {
      this.analysis = await this.worker.propertyAnalysis(this.job.onProgress);
    });
  }

  async localize(): Promise<void> {
    await this.job.run('Localizer (Fedorenko 2010)', async () => {
      this.localizerResult = await this.worker.localizer(datasetMirror(), this.job.onProgress);
    });
  }

  toggle(s: ScoredSentence, source: string): void {
    const next = { ...this.chosen };
    if (next[s.sentence]) delete next[s.sentence];
    else next[s.sentence] = { ...s, source };
    this.chosen = next;
  }

  currentRun(): LanguageRun | null {
    if (!this.table || !this.sweep || this.opened) return null;
    return {
      modelName: this.modelName,
      settings: {
        tokenizer: this.tokenizer?.name ?? '',
        roi: this.roi,
        layer: this.layer,
        minWords: this.minWords,
        maxWords: this.maxWords,
        novelOnly: this.novelOnly,
        pool: this.poolText,
        searchDirection: this.searchDirection,
        searchSteps: this.searchSteps,
        maxSurprisal: this.maxSurprisal,
      },
      results: { table: this.table, sweep: this.sweep, encoding: this.encoding, ranking: this.ranking, search: this.search, chosen: Object.values(this.chosen) },
    };
  }
}

export const fmt = (v: number, d = 3): string => (Number.isFinite(v) ? v.toFixed(d) : '–');
