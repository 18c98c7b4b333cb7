/**
 * What the Predictivity result views show: the chosen tab, model, value (ceiled or raw) and the scatter /
 * RDM picks, and everything derived from the lab's scores for them. Pure view state; the numbers come
 * from views.ts.
 */
import { benchmarkTitle } from '../../../core/predictivity/benchmarks';
import type { LayerRegionScore } from '../../../core/predictivity/scoring';
import type { PredictivityLab } from './lab.svelte';
import { commitments, defaultValue, layerGroupsOf, layerNamesTable, leaderboard, partialNote, partialRun, scoresTable, type ScoreValue, type ViewId } from './views';

export class PredictivityResults {
  view = $state<ViewId>('heatmap');
  shownModel = $state('');
  valueChoice = $state<ScoreValue | 'auto'>('auto');
  scatterRegion = $state('');
  scatterLayer = $state('');
  scatterNeuroid = $state(0);
  rdmRegion = $state('');
  rdmLayer = $state('');

  readonly lab: PredictivityLab;

  constructor(lab: PredictivityLab) {
    this.lab = lab;
    // A freshly loaded model is shown if none is yet.
    lab.onModelLoaded = (key) => {
      if (!this.shownModel) this.shownModel = key;
    };
  }

  readonly benchTitle = $derived.by(() => this.lab.benchmark ? benchmarkTitle(this.lab.benchmark) : '');
  /** Scores of the shown model on the current benchmark and metric. */
  readonly current = $derived.by(() =>
    this.lab.scores.filter((s) => s.model === this.shownModel && s.benchmark === this.lab.benchmark?.id && s.metric === this.lab.metric),
  );
  /** Tensor names of the shown model's scored layers, in the model's order. */
  readonly shownLayers = $derived.by(() => {
    const order = this.lab.loaded[this.shownModel]?.layers.map((l) => l.tensor) ?? [];
    const have = new Set(this.current.map((s) => s.layer));
    const inOrder = order.filter((t) => have.has(t));
    return [...inOrder, ...[...have].filter((t) => !inOrder.includes(t))];
  });
  /** Block (LayerInfo.group) of each of `shownLayers`, for grouping deep networks' layer axes; undefined if unknown. */
  readonly shownGroups = $derived.by(() => layerGroupsOf(this.lab.loaded[this.shownModel]?.layers, this.shownLayers));
  /** Readable names of `shownLayers`. */
  readonly shownLabels = $derived.by(() => this.shownLayers.map((t) => this.lab.labelOf(this.shownModel, t)));
  readonly value = $derived.by<ScoreValue>(() => this.valueChoice === 'auto' ? defaultValue(this.current) : this.valueChoice);
  readonly metricShort = $derived.by(() => this.lab.metric === 'rsa' ? 'RSA' : this.lab.metric === 'pls' ? 'PLS' : 'ridge');
  readonly subtitle = $derived.by(() => `${this.benchTitle} · ${this.metricShort}${this.partialNote ? ` · ${this.partialNote}` : ''}`);
  /** The flat score table of the shown model (CSV/JSON export), with readable layer names beside the tensor names. */
  readonly table = $derived.by(() => scoresTable(this.current, this.benchTitle, layerNamesTable(this.lab.loaded[this.shownModel]?.layers)));
  readonly committed = $derived.by(() => commitments(this.current, this.shownLayers, this.lab.regions, this.value));
  readonly board = $derived.by(() =>
    leaderboard(
      this.lab.scores.filter((s) => s.benchmark === this.lab.benchmark?.id && s.metric === this.lab.metric),
      this.lab.regions,
      this.value,
    ).map((r) => ({ ...r, model: this.lab.modelName(r.model), benchmark: this.benchTitle || r.benchmark })),
  );
  readonly scatterScore = $derived.by<LayerRegionScore | undefined>(() => this.current.find((s) => s.layer === this.scatterLayer && s.region === this.scatterRegion));
  readonly rdmScore = $derived.by<LayerRegionScore | undefined>(() =>
    this.current.find((s) => s.layer === this.rdmLayer && s.region === this.rdmRegion && s.modelRdm && s.brainRdm),
  );

  /**
   * Set while the shown scores cover only some of the layers asked for (a run in progress or cancelled).
   * Best layers are then the best of those scored only, and the views say so.
   */
  readonly partial = $derived.by(() =>
    partialRun(this.shownLayers.length, this.lab.chosenLayers[this.shownModel]?.length ?? 0, { running: this.lab.running, cancelled: !!this.lab.lastRun?.cancelled }),
  );
  /** "partial: 8 of 64 layers", for subtitles and captions; '' when complete. */
  readonly partialNote = $derived.by(() => partialNote(this.partial));

  modelName = (key: string) => this.lab.modelName(key);
  labelOf = (tensor: string) => this.lab.labelOf(this.shownModel, tensor);

  /** Keeps the scatter / RDM pickers on a region and layer that exist (the best layer by default). */
  keepPicksValid(): void {
    const regions = this.lab.regions;
    if (!regions.includes(this.scatterRegion)) this.scatterRegion = regions[0] ?? '';
    if (!regions.includes(this.rdmRegion)) this.rdmRegion = regions[0] ?? '';
    const bestOf = (region: string) => {
      const best = this.committed.find((c) => c.region === region);
      return best && best.layerIndex >= 0 ? this.shownLayers[best.layerIndex] : (this.shownLayers[0] ?? '');
    };
    if (!this.shownLayers.includes(this.scatterLayer)) this.scatterLayer = bestOf(this.scatterRegion);
    if (!this.shownLayers.includes(this.rdmLayer)) this.rdmLayer = bestOf(this.rdmRegion);
    const n = this.scatterScore?.neuroids;
    if (n !== undefined && this.scatterNeuroid >= n) this.scatterNeuroid = 0;
  }
}
