import { writeFileSync } from 'node:fs';
import Papa from 'papaparse';
import type { Command } from '../command';
import { integerOption, listOption, outputFormat, requiredString, stringOption } from '../args';
import { loadVisionModel, readBenchmark, selectLayers, BUILTIN_VISION_MODELS } from '../inputs';
import { recordImages, recordingFlags } from '../features';
import { toScoringBenchmark } from '../benchmark';
import { loadOrtNode } from '../ort';
import { note, stderrProgress } from '../progress';
import { UserFacingError } from '../../core/types';
import { readBundle, stimulusBytes, type Benchmark } from '../../core/data/bundle';
import { syntheticBundle } from '../../core/data/synthetic';
import { scoreLayers, type MetricKind } from '../../core/predictivity/scoring';

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
  note?: string;
}

const METRICS: readonly MetricKind[] = ['ridge', 'pls', 'rsa'];

export const score: Command = {
  spec: {
    name: 'score',
    summary: 'Score every layer of a vision model against a benchmark bundle (layer × region).',
    usage: 'silico score --model MODEL --bundle PATH|synthetic [--metric ridge|pls|rsa] [--out scores.csv]',
    options: {
      model: { type: 'string', short: 'm', value: 'MODEL', help: `An .onnx file or a built-in model (${Object.keys(BUILTIN_VISION_MODELS).join(', ')}).`, required: true },
      bundle: { type: 'string', short: 'b', value: 'PATH', help: `Benchmark bundle folder or .zip (docs/bundle-format.md), or "${SYNTHETIC_BUNDLE}" for the built-in synthetic demo.`, required: true },
      metric: { type: 'string', value: 'NAME', help: 'ridge, pls or rsa (default: the bundle\'s metric).' },
      layers: { type: 'string', short: 'l', value: 'LIST', help: 'Comma-separated layer tensors or labels, or "all".', default: 'all' },
      folds: { type: 'string', value: 'N', help: 'Cross-validation folds for ridge/PLS (default: the bundle\'s, else 10).' },
      seed: { type: 'string', value: 'N', help: 'Seed of the folds and split-halves.', default: '0' },
      'max-features': { type: 'string', value: 'N', help: 'Average-pool 4-D layers over space to at most N features per image.', default: '8192' },
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
    const acts = await recordImages(await loadOrtNode(), model.bytes, images, recordingFlags(options, model, layers, progress, signal));
    const results = await scoreLayers(acts.map((a) => ({ layer: a.layer, activation: a })), scoring, {
      metric,
      modelId: model.name,
      seed: integerOption(options, 'seed', 0),
      signal,
      onProgress: progress,
    });
    progress.end();
    const labels = new Map(layers.map((l) => [l.tensor, l.label]));
    const reductions = new Map(acts.map((a) => [a.layer, a.reduction]));
    const rows: ScoreRow[] = results.map((r) => ({
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
      ...(r.note ? { note: r.note } : {}),
    }));
    const text = format === 'csv' ? `${Papa.unparse(rows.map((r) => ({ ...r, note: r.note ?? '' })))}\n` : `${JSON.stringify(rows, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
    const out = stringOption(options, 'out');
    if (out) {
      writeFileSync(out, text);
      note(`wrote ${rows.length} scores to ${out}`, quiet);
    } else process.stdout.write(text);
    return 0;
  },
};
