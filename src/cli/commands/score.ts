import { readFileSync } from 'node:fs';
import { writeOutputFile } from '../output';
import Papa from 'papaparse';
import type { Command } from '../command';
import { integerOption, listOption, outputFormat, requiredString, stringOption } from '../args';
import { loadVisionModel, readBenchmark, selectLayers, BUILTIN_VISION_MODELS } from '../inputs';
import { recordImages, recordingFlags } from '../features';
import { appVersion, definitionData, maxFeaturesOption, placementPrepare, toScoringBenchmark } from '../benchmark';
import { loadOrtNode } from '../ort';
import { note, stderrProgress } from '../progress';
import { UserFacingError } from '../../core/types';
import { readBundle, stimulusBytes, type Benchmark } from '../../core/data/bundle';
import { syntheticBundle } from '../../core/data/synthetic';
import { scoreLayers, type MetricKind } from '../../core/predictivity/scoring';
import { benchmarksForBundle, findBenchmark, placementLabel, provenance, type BenchmarkDefinition, type Placement, type ScoreProvenance } from '../../core/benchmarks';
import { newCache, scoreDefinition } from '../../core/benchmarks/run';
import type { Split } from '../../core/metrics/crossval';

/** `--bundle synthetic` is the built-in synthetic demo benchmark (not brain data). */
export const SYNTHETIC_BUNDLE = 'synthetic';

export interface ScoreRow {
  model: string;
  layer: string;
  label: string;
  benchmark: string;
  region: string;
  metric: MetricKind;
  raw: number;
  sem: number;
  ceiling: number;
  ceiled: number;
  reduction: string;
  /** Versioned benchmark definition used ("" for a bundle without one: Silico's generic recipe). */
  definition: string;
  version: number | string;
  /** Ceiling normalisation, e.g. "r² / ceiling". */
  formula: string;
  clipped: boolean;
  placement: string;
  note?: string;
  provenance?: ScoreProvenance;
}

/** Definitions of a bundle that implement `metric` (rsa: Coggan2024 or generic RDM recipes). */
export function definitionsFor(bundleId: string, regions: string[], metric: MetricKind, requested?: string): BenchmarkDefinition[] {
  if (requested && requested !== 'auto') {
    if (requested === 'none') return [];
    return requested.split(',').map((id) => {
      const d = findBenchmark(id.trim());
      if (!d) throw new UserFacingError(`There is no benchmark definition "${id}".`, 'Run "silico report --list" for the list.');
      if (!regions.includes(d.region)) throw new UserFacingError(`${d.id} scores region "${d.region}", which this bundle does not have (it has ${regions.join(', ')}).`);
      return d;
    });
  }
  return benchmarksForBundle(bundleId, regions).filter((d) => (metric === 'rsa' ? d.recipe.kind !== 'regression' : d.recipe.kind === 'regression' && d.recipe.method === metric));
}

/** The placement all chosen definitions share, or the --placement override. */
export function sharedPlacement(defs: BenchmarkDefinition[], override?: string): Placement {
  const p = defs[0].placement;
  if (defs.some((d) => JSON.stringify(d.placement) !== JSON.stringify(p))) throw new UserFacingError('The chosen benchmarks place images differently; score them one at a time.');
  if (override === undefined) return p;
  if (override === 'crop' || override === 'center-crop') return { mode: 'center-crop', modelDegrees: p.modelDegrees, note: 'centre crop chosen with --placement' };
  if (override === 'brainscore') {
    if (p.visualDegrees === undefined) throw new UserFacingError(`${defs[0].id} does not state its stimuli's visual degrees, so Brain-Score placement is not defined for it.`);
    return { ...p, mode: 'brainscore' };
  }
  throw new UserFacingError(`--placement must be brainscore or crop, got "${override}".`);
}

/** Explicit splits from a JSON file: [{"train": [...], "test": [...]}, ...] (0-based stimulus indices). */
export function readSplits(path: string): Split[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserFacingError(`Could not read splits from ${path}: ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed) || parsed.some((s) => !s || !Array.isArray((s as Split).train) || !Array.isArray((s as Split).test))) {
    throw new UserFacingError(`${path} must hold a list of {"train": [...], "test": [...]} objects.`);
  }
  return parsed as Split[];
}

const METRICS: readonly MetricKind[] = ['ridge', 'pls', 'rsa'];

export const score: Command = {
  spec: {
    name: 'score',
    summary: 'Score every layer of a vision model against a benchmark bundle (layer × region).',
    usage: 'silico score --model MODEL --bundle PATH|synthetic [--metric ridge|pls|rsa] [--benchmark ID] [--max-features N|none] [--out scores.csv]',
    options: {
      model: { type: 'string', short: 'm', value: 'MODEL', help: `An .onnx file or a built-in model (${Object.keys(BUILTIN_VISION_MODELS).join(', ')}).`, required: true },
      bundle: { type: 'string', short: 'b', value: 'PATH', help: `Benchmark bundle folder or .zip (docs/bundle-format.md), or "${SYNTHETIC_BUNDLE}" for the built-in synthetic demo.`, required: true },
      metric: { type: 'string', value: 'NAME', help: 'ridge, pls or rsa (default: the bundle\'s metric).' },
      layers: { type: 'string', short: 'l', value: 'LIST', help: 'Comma-separated layer tensors or labels, or "all".', default: 'all' },
      folds: { type: 'string', value: 'N', help: 'Cross-validation folds for ridge/PLS (default: the bundle\'s, else 10).' },
      seed: { type: 'string', value: 'N', help: 'Seed of the folds and split-halves.', default: '0' },
      'max-features': { type: 'string', value: 'N|none', help: 'Average-pool 4-D layers over space to at most N features per image; "none" keeps full flattened layers (as Brain-Score).', default: '8192' },
      benchmark: { type: 'string', value: 'ID', help: 'Benchmark definition(s), comma-separated (e.g. Coggan2024.IT-rdm); "auto" (default): every definition of the bundle for the metric; "none": Silico\'s generic recipe.' },
      placement: { type: 'string', value: 'MODE', help: 'brainscore (place_on_screen at the benchmark\'s degrees in an 8° field) or crop (the model preset); default: the benchmark\'s.' },
      splits: { type: 'string', value: 'FILE', help: 'JSON list of {train, test} index lists to use instead of the benchmark\'s seeded splits (e.g. from scikit-learn).' },
      preprocess: { type: 'string', value: 'NAME', help: 'Preprocessing preset: imagenet or hmax (default: the model\'s).' },
      batch: { type: 'string', value: 'N', help: 'Images per inference run.', default: '16' },
      threads: { type: 'string', value: 'N', help: 'onnxruntime intra-op threads.' },
      format: { type: 'string', value: 'FMT', help: 'json or csv (default: from --out\'s extension, else json).' },
      out: { type: 'string', short: 'o', value: 'FILE', help: 'Write the scores here instead of stdout.' },
      quiet: { type: 'boolean', short: 'q', help: 'No progress on stderr.' },
    },
    examples: ['silico score --model hmax --bundle synthetic --metric ridge', 'silico score -m mobilenetv2.onnx -b cowley.zip --metric pls -o scores.csv'],
  },
  async run(options, _positionals, signal) {
    const quiet = options.quiet === true;
    const format = outputFormat(options, ['json', 'csv'] as const, 'json');
    const metricName = stringOption(options, 'metric');
    if (metricName !== undefined && !(METRICS as readonly string[]).includes(metricName)) {
      throw new UserFacingError(`--metric must be one of ${METRICS.join(', ')}, got "${metricName}".`);
    }
    const model = loadVisionModel(requiredString(options, 'model'), stringOption(options, 'preprocess'));
    const layers = selectLayers(model.layers, listOption(options, 'layers'));
    const bundlePath = requiredString(options, 'bundle');
    const bench: Benchmark = bundlePath === SYNTHETIC_BUNDLE ? readBundle(syntheticBundle()) : await readBenchmark(bundlePath);
    if (bench.manifest.modality !== 'vision') throw new UserFacingError(`"${bench.manifest.name}" is a language benchmark; score takes vision benchmarks.`);
    const metric = (metricName ?? bench.manifest.metric.method) as MetricKind;
    const scoring = toScoringBenchmark(bench);
    const folds = integerOption(options, 'folds', 2);
    if (folds !== undefined) scoring.folds = folds;
    if (metric !== 'rsa' && !scoring.regions.some((r) => r.responses)) {
      throw new UserFacingError(`"${bench.manifest.name}" has only RDMs, so it can be scored with RSA only.`, 'Use --metric rsa.');
    }
    note(`${model.name} on ${bench.manifest.name}${bench.manifest.synthetic ? ' (synthetic demo data — not brain data)' : ''}: ${layers.length} layer(s), ${bench.manifest.stimuli.length} stimuli, ${metric}`, quiet);

    const images = bench.manifest.stimuli.map((s) => ({ name: s.id, bytes: stimulusBytes(bench, s) }));
    const progress = stderrProgress('score', process.stderr, quiet);
    const maxFeatures = maxFeaturesOption(options['max-features'], 8192);
    const defs = bench.manifest.synthetic ? [] : definitionsFor(bench.manifest.id, bench.regions.map((r) => r.name), metric, stringOption(options, 'benchmark'));
    const labels = new Map(layers.map((l) => [l.tensor, l.label]));
    const version = appVersion();
    let rows: ScoreRow[];
    if (defs.length) {
      const placement = sharedPlacement(defs, stringOption(options, 'placement'));
      const splitsPath = stringOption(options, 'splits');
      const splits = splitsPath ? readSplits(splitsPath) : undefined;
      note(`benchmarks: ${defs.map((d) => `${d.id}@${d.version}`).join(', ')}; images: ${placementLabel(placement)}; features: ${maxFeatures === undefined ? 'full layers (no pooling)' : `pooled to ≤ ${maxFeatures}`}`, quiet);
      const acts = await recordImages(await loadOrtNode(), model.bytes, images, {
        ...recordingFlags({ ...options, 'max-features': undefined }, model, layers, progress, signal),
        maxFeatures,
        prepare: placementPrepare(placement, model.preprocess),
      });
      rows = [];
      for (const def of defs) {
        const data = definitionData(bench, def.region, def.recipe.kind === 'coggan2024-rsa');
        for (const a of acts) {
          const r = scoreDefinition(def, { layer: a.layer, activation: a }, data, { splits, cache: newCache(), signal });
          const prov = provenance(def, { featureReduction: a.reduction, layerChoice: 'every layer scored on all data (no commitment)', appVersion: version, clipped: r.clipped, placement, explicitSplits: !!splits });
          rows.push({
            model: model.name,
            layer: a.layer,
            label: labels.get(a.layer) ?? a.layer,
            benchmark: bench.manifest.id,
            region: def.region,
            metric,
            raw: r.raw,
            sem: r.sem,
            ceiling: r.ceiling,
            ceiled: r.ceiled,
            reduction: a.reduction,
            definition: def.id,
            version: def.version,
            formula: prov.formula,
            clipped: r.clipped,
            placement: prov.placement,
            ...(r.note ? { note: r.note } : {}),
            provenance: prov,
          });
        }
      }
      progress.end();
    } else {
      const acts = await recordImages(await loadOrtNode(), model.bytes, images, { ...recordingFlags({ ...options, 'max-features': undefined }, model, layers, progress, signal), maxFeatures });
      const results = await scoreLayers(acts.map((a) => ({ layer: a.layer, activation: a })), scoring, {
        metric,
        modelId: model.name,
        seed: integerOption(options, 'seed', 0),
        signal,
        onProgress: progress,
      });
      progress.end();
      const reductions = new Map(acts.map((a) => [a.layer, a.reduction]));
      const formula = metric === 'rsa' && scoring.ceilingTransform === 'squared-ratio' ? '(r / ceiling)²' : 'r / ceiling';
      rows = results.map((r) => ({
        model: r.model,
        layer: r.layer,
        label: labels.get(r.layer) ?? r.layer,
        benchmark: r.benchmark,
        region: r.region,
        metric: r.metric,
        raw: r.raw,
        sem: r.sem,
        ceiling: r.ceiling,
        ceiled: r.ceiled,
        reduction: reductions.get(r.layer) ?? 'none',
        definition: '',
        version: '',
        formula,
        clipped: false,
        placement: 'model preset (resize + centre crop)',
        ...(r.note ? { note: r.note } : {}),
      }));
    }
    const text = format === 'csv' ? `${Papa.unparse(rows.map(({ provenance: p, ...r }) => ({ ...r, note: r.note ?? '', splits: p?.splits ?? '', ceiling_method: p?.ceiling ?? '', app_version: p?.appVersion ?? version })))}\n` : `${JSON.stringify(rows, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
    const out = stringOption(options, 'out');
    if (out) {
      writeOutputFile(out, text);
      note(`wrote ${rows.length} scores to ${out}`, quiet);
    } else process.stdout.write(text);
    return 0;
  },
};
