/**
 * The Predictivity lab's address bar: on open, a link (`#/predictivity?benchmark=…&view=…`) or a saved
 * experiment (`?exp=ID`) sets the lab up; afterwards every change of a setting is written back, so the
 * address always reopens the view on screen. Call `connectLink` once while the page component initialises.
 */
import { onMount } from 'svelte';
import { findCatalogEntry } from '../../../core/catalog/models';
import type { CachedModel } from '../../../core/store/cache';
import type { ModelSource } from '../../../../workers/model-api';
import type { LayerRegionScore } from '../../../core/predictivity/scoring';
import { supportedMetrics } from '../../../core/predictivity/benchmarks';
import { describeError, getEngine } from '../../engine';
import { loadExperimentFromUrl } from '../../notebook/open';
import { savedPredictivityRun } from '../../notebook/predictivity';
import { UrlSync, hasAnyKey, missingFromLink, readUrlState } from '../../url-state';
import { modelCacheInfo, type PredictivityLab } from './lab.svelte';
import { cachedLayerScores } from '../../../core/predictivity/runner';
import type { PredictivityResults } from './results.svelte';
import { PREDICTIVITY_LINK_KEYS, predictivityFromUrl, predictivityToUrl, type PredictivityLink } from './views';

/** The cached model the lab opens on when it is there (the catalog's MobileNetV2). */
const DEFAULT_REAL_MODEL = 'cache:mobilenetv2-12';

/** What of a link this browser cannot show (the page lists these at the top, where someone opening the link looks). */
export class LinkState {
  notes = $state<string[]>([]);
  /** Set once the link's settings are applied: writing earlier would overwrite the link being read. */
  applied = $state(false);
}

/** Note for a link's benchmark or model that this browser lacks (imported ones live only in the page that imported them). */
export function missingNote(what: 'benchmark' | 'model', id: string): string {
  return missingFromLink(what, id, what === 'benchmark' ? 'import it' : 'add it on the Models page');
}

export function connectLink(lab: PredictivityLab, results: PredictivityResults): LinkState {
  const link = new LinkState();
  const urlSync = new UrlSync();

  $effect(() => {
    const picksRdm = results.view === 'rdm';
    const state = predictivityToUrl({
      benchmark: lab.benchmarkId,
      metric: lab.metric,
      view: results.view,
      model: results.shownModel || undefined,
      value: results.valueChoice === 'auto' ? undefined : results.valueChoice,
      region: picksRdm ? results.rdmRegion : results.scatterRegion,
      layer: picksRdm ? results.rdmLayer : results.scatterLayer,
      neuroid: results.scatterNeuroid,
    });
    if (link.applied) urlSync.update(state);
  });

  onMount(async () => {
    const url = readUrlState();
    // A saved experiment wins: it sets the benchmark, metric, model and scores itself.
    const fromLink = !url.exp && hasAnyKey(url, PREDICTIVITY_LINK_KEYS);
    const picks = predictivityFromUrl(url);
    // Stored bundles and the catalog first (E); a link's missing benchmark is named, never replaced.
    const wanted = fromLink && picks.benchmark ? picks.benchmark : undefined;
    const start = await lab.prepareBenchmarks(wanted);
    const benchmarkMissing = start.missing;
    if (benchmarkMissing) link.notes = [...link.notes, missingNote('benchmark', start.id)];
    // A saved experiment selects its own benchmark (reopenSaved); otherwise the link's or the default.
    const benchmarkReady = url.exp ? Promise.resolve() : benchmarkMissing ? lab.markBenchmarkMissing(start.id) : lab.selectBenchmark(start.id, { fallback: !wanted });
    const savedReady = reopenSaved(lab, results, url.exp ? start.id : null);
    void lab.chooseCompute('auto');
    try {
      const cached: CachedModel[] = await getEngine().listCache();
      const vision = cached.filter((c) => findCatalogEntry(c.id)?.modality !== 'language');
      lab.modelOptions = [
        ...lab.modelOptions,
        ...vision.map((c) => ({ key: `cache:${c.id}`, name: c.name, source: { cachedId: c.id } as ModelSource, detail: 'from your model cache' })),
      ];
    } catch (e) {
      lab.error = describeError(e);
    }
    // E: the real default — MobileNetV2 when it is in the model cache (with Cowley V4 as the default benchmark).
    if (!fromLink && !url.exp && lab.modelOptions.some((m) => m.key === DEFAULT_REAL_MODEL)) lab.chosenModels = [DEFAULT_REAL_MODEL];
    if (fromLink && picks.model) {
      if (lab.modelOptions.some((m) => m.key === picks.model)) {
        lab.chosenModels = [picks.model];
        results.shownModel = picks.model;
      } else link.notes = [...link.notes, missingNote('model', picks.model)];
    }
    const modelsReady = Promise.all(lab.chosenModels.map((k) => lab.ensureLoaded(k)));
    try {
      await Promise.all([benchmarkReady, savedReady, modelsReady]);
      // A saved experiment adds its model once its benchmark is open, which on a slow machine is after the loads
      // above started (and after the model list was read): load it now, or its layers keep their tensor names.
      await Promise.all(lab.chosenModels.map((k) => lab.ensureLoaded(k)));
      if (fromLink) {
        if (picks.metric && lab.benchmark && supportedMetrics(lab.benchmark).includes(picks.metric)) lab.metric = picks.metric;
        // Another benchmark's scores would not be the view the link shows.
        if (!benchmarkMissing) await showCachedScores(lab);
      }
      if (fromLink || url.exp) applyPicks(results, picks);
    } catch (e) {
      lab.error = describeError(e);
    } finally {
      link.applied = true;
    }
  });
  return link;
}

/**
 * `#/predictivity?exp=ID` (a link from the Notebook): show that saved run's scores again, on its own
 * benchmark (from this browser or the catalog; a missing one is named, never replaced). `defaultId`: the
 * benchmark to open when the experiment cannot be read (null: none asked for).
 */
async function reopenSaved(lab: PredictivityLab, results: PredictivityResults, defaultId: string | null): Promise<void> {
  try {
    const exp = await loadExperimentFromUrl('predictivity').catch((e: unknown) => {
      if (defaultId) void lab.selectBenchmark(defaultId, { fallback: true });
      throw e;
    });
    if (!exp) {
      if (defaultId) await lab.selectBenchmark(defaultId, { fallback: true });
      return;
    }
    if (exp.benchmark) await lab.selectBenchmark(exp.benchmark);
    else if (defaultId) await lab.selectBenchmark(defaultId, { fallback: true });
    const saved = savedPredictivityRun(exp);
    if (!lab.chosenModels.includes(exp.model)) lab.chosenModels = [...lab.chosenModels, exp.model];
    lab.metric = saved.metric;
    lab.scores = saved.scores;
    results.shownModel = exp.model;
  } catch (e) {
    lab.error = describeError(e);
  }
}

/** Scores of the chosen models' layers cached for this benchmark and metric: a link reopens its view without a run. */
async function showCachedScores(lab: PredictivityLab): Promise<void> {
  const bench = lab.benchmark;
  if (!bench) return;
  const found: LayerRegionScore[] = [];
  let layersFound = 0;
  for (const key of lab.chosenModels) {
    const m = lab.loaded[key];
    if (!m) continue;
    const layers: string[] = [];
    for (const l of m.layers) {
      const hit = await cachedLayerScores(lab.store, modelCacheInfo(m, bench, lab.metric), l.tensor, bench, lab.metric);
      if (hit && hit.length === bench.scoring.regions.length) {
        found.push(...hit);
        layers.push(l.tensor);
      }
    }
    // Run then recomputes nothing for this view; other layers can be ticked again.
    if (layers.length) lab.chosenLayers = { ...lab.chosenLayers, [key]: layers };
    layersFound += layers.length;
  }
  if (!found.length) return;
  lab.scores = found;
  lab.notes = [...lab.notes, `Showing ${layersFound} layer${layersFound === 1 ? '' : 's'} of scores cached in this browser; Run computes any others you tick.`];
}

/** The view-only settings of a link (tab, value, picks); they apply on top of a saved experiment too. */
function applyPicks(results: PredictivityResults, link: PredictivityLink): void {
  if (link.view) results.view = link.view;
  if (link.value) results.valueChoice = link.value;
  if (link.region && results.lab.regions.includes(link.region)) results.scatterRegion = results.rdmRegion = link.region;
  if (link.layer && results.shownLayers.includes(link.layer)) results.scatterLayer = results.rdmLayer = link.layer;
  if (link.neuroid !== undefined) results.scatterNeuroid = link.neuroid;
}
