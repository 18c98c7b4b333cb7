import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from '../command';
import { integerOption, listOption, requiredString, stringOption } from '../args';
import { loadVisionModel, readBenchmark, selectLayers, type VisionModel } from '../inputs';
import { recordImages } from '../features';
import { appVersion, definitionData, maxFeaturesOption, placementPrepare } from '../benchmark';
import { loadOrtNode } from '../ort';
import { note, stderrProgress } from '../progress';
import { UserFacingError } from '../../core/types';
import { readBundle, stimulusBytes, type Benchmark } from '../../core/data/bundle';
import { cogganBundle, cowleyBundle, kriegeskorteBundle } from '../../core/data/loaders';
import { BENCHMARKS, benchmarksForBundle, findBenchmark, provenance, recipeLabel, formulaLabel, placementLabel, type BenchmarkDefinition } from '../../core/benchmarks';
import { commitFromScores, newCache, scoreHalves, selectionHalves, type DefinitionScore } from '../../core/benchmarks/run';
import { cardEntry, cardSvg, newCard, untrainedName, UNTRAINED_DESCRIPTION, type CardEntry, type CardModel } from '../../core/benchmarks/card';
import { randomizeWeights } from '../../core/onnx/untrained';

function readFolder(root: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.set(relative(root, full).split('\\').join('/'), new Uint8Array(readFileSync(full)));
    }
  };
  walk(root);
  return files;
}

/** Bundles built in memory from a shared vision data folder (data/vision of the shared data). */
function bundlesFromData(dir: string, cowleySession: string): Benchmark[] {
  const out: Benchmark[] = [];
  const has = (p: string) => {
    try {
      return statSync(join(dir, p)).isDirectory();
    } catch {
      return false;
    }
  };
  if (has('coggan2024-fmri')) out.push(readBundle(cogganBundle(readFolder(join(dir, 'coggan2024-fmri')))));
  if (has('kriegeskorte2008-92')) out.push(readBundle(kriegeskorteBundle(readFolder(join(dir, 'kriegeskorte2008-92')))));
  if (has('cowley2023-v4')) {
    const native = new Map<string, Uint8Array>();
    for (const f of [`images_${cowleySession}.zip`, `responses_avg_${cowleySession}.npy`, `responses_raw_${cowleySession}.npy`]) {
      try {
        native.set(f, new Uint8Array(readFileSync(join(dir, 'cowley2023-v4', f))));
      } catch {
        /* optional file */
      }
    }
    if (native.size) out.push(readBundle(cowleyBundle(native, cowleySession)));
  }
  if (!out.length) throw new UserFacingError(`${dir} holds none of coggan2024-fmri, kriegeskorte2008-92, cowley2023-v4.`);
  return out;
}

export const report: Command = {
  spec: {
    name: 'report',
    summary: 'Report card: every available benchmark with committed layers, beside baselines and published numbers.',
    usage: 'silico report --model MODEL (--data DIR | --bundles A.zip,B.zip) [--baselines hmax,untrained] [--out card.json] [--svg card.svg]',
    options: {
      model: { type: 'string', short: 'm', value: 'MODEL', help: 'An .onnx file or a built-in model (hmax).' },
      data: { type: 'string', value: 'DIR', help: 'A vision data folder holding coggan2024-fmri/, kriegeskorte2008-92/, cowley2023-v4/ (e.g. the shared data\'s data/vision).' },
      bundles: { type: 'string', value: 'LIST', help: 'Comma-separated benchmark bundles (folders or .zip).' },
      'cowley-session': { type: 'string', value: 'S', help: 'Cowley 2023 session for --data.', default: '210325' },
      benchmarks: { type: 'string', value: 'LIST', help: 'Only these benchmark definitions (default: every one the bundles support).' },
      baselines: { type: 'string', value: 'LIST', help: 'Live baselines: hmax, untrained (the model with seeded random weights), or none.', default: 'hmax,untrained' },
      layers: { type: 'string', short: 'l', value: 'LIST', help: 'Candidate layers of the model (default: all but the logits).' },
      'max-features': { type: 'string', value: 'N|none', help: 'Average-pool 4-D layers to at most N features per image; "none" keeps full layers.', default: '8192' },
      batch: { type: 'string', value: 'N', help: 'Images per inference run.', default: '16' },
      'layer-batch': { type: 'string', value: 'N', help: 'Layers recorded per pass over the images (lower it for full layers on large image sets).', default: '8' },
      out: { type: 'string', short: 'o', value: 'FILE', help: 'Write the card as JSON here (default: stdout).' },
      svg: { type: 'string', value: 'FILE', help: 'Also write the card as SVG.' },
      list: { type: 'boolean', help: 'List the benchmark definitions and exit.' },
      quiet: { type: 'boolean', short: 'q', help: 'No progress on stderr.' },
    },
    examples: [
      'silico report --model mobilenetv2.onnx --data ../shared/data/vision --out card.json --svg card.svg',
      'silico report --list',
    ],
  },
  async run(options, _positionals, signal) {
    const quiet = options.quiet === true;
    if (options.list === true) {
      for (const d of BENCHMARKS) {
        process.stdout.write(`${d.id}@${d.version}${d.brainScoreId ? ` (Brain-Score ${d.brainScoreId})` : ''}\n  ${recipeLabel(d)}\n  ceiled = ${formulaLabel(d.normalisation)}; images: ${placementLabel(d.placement)}\n`);
      }
      return 0;
    }
    const modelArg = requiredString(options, 'model');
    const dataDir = stringOption(options, 'data');
    const bundlePaths = listOption(options, 'bundles');
    if (!dataDir && !bundlePaths?.length) throw new UserFacingError('Give --data DIR or --bundles LIST.');
    const benches: Benchmark[] = dataDir ? bundlesFromData(dataDir, stringOption(options, 'cowley-session') ?? '210325') : [];
    for (const p of bundlePaths ?? []) benches.push(await readBenchmark(p));
    const wanted = listOption(options, 'benchmarks')?.map((id) => {
      const d = findBenchmark(id);
      if (!d) throw new UserFacingError(`There is no benchmark definition "${id}".`, 'Run "silico report --list".');
      return d.id;
    });
    const plan = benches
      .map((b) => ({ bench: b, defs: benchmarksForBundle(b.manifest.id, b.regions.map((r) => r.name)).filter((d) => !wanted || wanted.includes(d.id)) }))
      .filter((p) => p.defs.length);
    if (!plan.length) throw new UserFacingError('None of the bundles matches a benchmark definition.', 'Run "silico report --list" for the definitions.');
    const maxFeatures = maxFeaturesOption(options['max-features'], 8192);
    const batch = integerOption(options, 'batch') ?? 16;
    const layerBatch = integerOption(options, 'layer-batch') ?? 8;
    const version = appVersion();

    const main = loadVisionModel(modelArg);
    const baselines = (listOption(options, 'baselines') ?? []).filter((b) => b !== 'none');
    const models: { model: VisionModel; role: 'model' | 'baseline'; description: string }[] = [{ model: main, role: 'model', description: modelArg }];
    for (const b of baselines) {
      if (b === 'hmax') models.push({ model: loadVisionModel('hmax'), role: 'baseline', description: 'HMAX (Serre et al. 2007), built in' });
      else if (b === 'untrained') {
        if (!/\.onnx$/i.test(modelArg)) {
          note('untrained baseline skipped: it needs an .onnx model', quiet);
          continue;
        }
        models.push({
          model: { ...main, name: untrainedName(main.name, 0), bytes: randomizeWeights(main.bytes, 0) },
          role: 'baseline',
          description: UNTRAINED_DESCRIPTION,
        });
      } else throw new UserFacingError(`--baselines takes hmax, untrained or none, got "${b}".`);
    }

    const cardModels: CardModel[] = [];
    for (const { model, role, description } of models) {
      // The untrained baseline shares the model's graph, so it is scored on the same candidate layers.
      const candidates = model.bytes === main.bytes || model.name === untrainedName(main.name, 0) ? selectLayers(model.layers, listOption(options, 'layers')) : model.layers;
      const layers = candidates.filter((l) => l.kind !== 'logits' || candidates.length === 1);
      const labels = new Map(model.layers.map((l) => [l.tensor, l.label]));
      const entries: CardEntry[] = [];
      for (const { bench, defs } of plan) {
        const groups = new Map<string, BenchmarkDefinition[]>();
        for (const d of defs) groups.set(JSON.stringify(d.placement), [...(groups.get(JSON.stringify(d.placement)) ?? []), d]);
        for (const group of groups.values()) {
          const placement = group[0].placement;
          note(`${model.name}: ${bench.manifest.name} — ${group.map((d) => d.id).join(', ')} (${layers.length} layers)`, quiet);
          const images = bench.manifest.stimuli.map((s) => ({ name: s.id, bytes: stimulusBytes(bench, s) }));
          const datas = group.map((def) => definitionData(bench, def.region, def.recipe.kind === 'coggan2024-rsa'));
          const halves = group.map((def, k) => selectionHalves(def, datas[k]));
          const scores = group.map(() => ({ selection: [] as DefinitionScore[], report: [] as DefinitionScore[] }));
          const reductions = new Map<string, string>();
          const t0 = performance.now();
          // Layers are recorded a few at a time, so full (unpooled) layers of every depth fit in memory.
          for (let start = 0; start < layers.length; start += layerBatch) {
            const chunk = layers.slice(start, start + layerBatch);
            const progress = stderrProgress(`report ${start + chunk.length}/${layers.length} layers`, process.stderr, quiet);
            const acts = await recordImages(await loadOrtNode(), model.bytes, images, {
              layers: chunk.map((l) => l.tensor),
              preprocess: model.preprocess,
              batchSize: batch,
              maxFeatures,
              prepare: placementPrepare(placement, model.preprocess),
              onProgress: progress,
              signal,
            });
            progress.end();
            for (const a of acts) {
              reductions.set(a.layer, a.reduction);
              const cache = newCache(); // one Gram matrix / RSM per layer, shared by the definitions
              group.forEach((def, k) => {
                const [x, y] = scoreHalves(def, { layer: a.layer, activation: a }, datas[k], halves[k], signal, cache);
                scores[k].selection.push(x);
                scores[k].report.push(y);
              });
            }
          }
          group.forEach((def, k) => {
            const r = commitFromScores(def, datas[k], halves[k], scores[k].selection, scores[k].report);
            const prov = provenance(def, {
              featureReduction: reductions.get(r.committedLayer) ?? 'none',
              layerChoice: r.layerChoice,
              appVersion: version,
              clipped: r.committed.clipped,
            });
            entries.push(cardEntry(r, labels, prov));
            const show = (v: number, raw: number) => (Number.isFinite(v) ? v.toFixed(3) : `raw ${raw.toFixed(3)}`);
            note(`  ${def.id}: committed ${labels.get(r.committedLayer) ?? r.committedLayer} → ${show(r.committed.ceiled, r.committed.raw)} (raw ${r.committed.raw.toFixed(3)}); optimistic ${show(r.optimistic.ceiled, r.optimistic.raw)} (${labels.get(r.optimistic.layer) ?? r.optimistic.layer})`, quiet);
          });
          note(`  ${bench.manifest.name}: ${((performance.now() - t0) / 1000).toFixed(0)} s`, quiet);
        }
      }
      cardModels.push({ model: model.name, role, description, entries });
    }
    const card = newCard(version, cardModels, [
      `Features: ${maxFeatures === undefined ? 'full layers, flattened (as Brain-Score)' : `4-D layers average-pooled to at most ${maxFeatures} features per image (Brain-Score flattens full layers; use --max-features none)`}.`,
    ]);
    const json = `${JSON.stringify(card, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
    const out = stringOption(options, 'out');
    if (out) {
      writeFileSync(out, json);
      note(`wrote the report card to ${out}`, quiet);
    } else process.stdout.write(json);
    const svg = stringOption(options, 'svg');
    if (svg) {
      writeFileSync(svg, cardSvg(card));
      note(`wrote ${svg}`, quiet);
    }
    return 0;
  },
};
