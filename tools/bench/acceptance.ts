/**
 * Real-data acceptance numbers for docs/results.md (onnxruntime-node engine, the app's scoring code).
 *
 *   npx tsx tools/bench/acceptance.ts run cowley  mobilenetv2|hmax|untrained   → $OUT/cowley-<model>.json
 *   npx tsx tools/bench/acceptance.ts run cowley-extra mobilenetv2              → $OUT/cowley-extra-mobilenetv2.json
 *   npx tsx tools/bench/acceptance.ts run cowley-all  mobilenetv2|untrained    → $OUT/cowley-all-<model>.json
 *     (ridge on every layer with Brain-Score's 10 folds; cowley-all-pls: the same with PLS)
 *   npx tsx tools/bench/acceptance.ts run rsa     mobilenetv2|hmax|untrained   → $OUT/rsa-<model>.json
 *   npx tsx tools/bench/acceptance.ts report                                    → Markdown tables on stdout
 *   npx tsx tools/bench/acceptance.ts independent cowley|coggan [LAYERS]        → $OUT/independent-<part>.json
 *     Issue 11's acceptance check: `silico score --max-features none` (full, unpooled MobileNetV2 layers) against
 *     an independent reimplementation of Brain-Score's recipes (tools/python/brainscore_reference.py: its own
 *     splits, PLS, ceiling, Coggan unit selection and RSM, reading the neural data itself). Only features cross
 *     over (one .npy per layer, recorded here with onnxruntime-node by the CLI's feature code); prints the max
 *     |difference| per layer and region. cowley: Cowley2023.V4-pls on COWLEY_CHECK_LAYERS (or LAYERS,
 *     comma-separated); coggan: the four Coggan2024 regions on every layer but the logits.
 * OUT = $SILICO_ACCEPTANCE_OUT or /tmp/silico-acceptance. Scores only; no data is written into the repo.
 *
 * Protocol
 * - Features: every layer average-pooled over space to ≤ 8192 features per image (src/cli/features.ts).
 * - Cowley 2023 V4, session 210325 (640 images, 50 neurons): cross-validated ridge (RidgeCV-style alpha grid
 *   10^-3…10^8, shared alpha) and PLS (25 components), 5 folds, median r over neurons, mean over folds; ceiled
 *   by the split-half reliability (Spearman-Brown) from responses_raw_210325.npy. Only a subset of layers is
 *   scored (6 MobileNetV2 layers with ridge, 3 with PLS; 3 for the untrained net): each layer costs minutes on
 *   2 shared cores.
 * - Coggan 2024 fMRI (24 images; V1, V2, V4, IT): model RDM (1 − Pearson) vs each subject's RDM (1 − RSM),
 *   Pearson on off-diagonal cells, mean over 9 subjects, ceiled Brain-Score style: (raw / leave-one-subject-out
 *   ceiling)². All layers.
 * - Kriegeskorte 2008 (92 images): Pearson between model RDM and monkey / human IT RDM (upper triangle; one
 *   RDM each, so raw only). All layers.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { main as silicoMain } from '../../src/cli/main';
import { placementPrepare } from '../../src/cli/benchmark';
import { writeNpy } from '../../src/core/data/npy';
import { findBenchmark } from '../../src/core/benchmarks';
import { sharedPath } from '../../tests/support/shared';
import { cowleyBundle, cogganBundle, kriegeskorteBundle } from '../../src/core/data/loaders';
import { readBundle, stimulusBytes, type Benchmark } from '../../src/core/data/bundle';
import { loadVisionModel } from '../../src/cli/inputs';
import { toScoringBenchmark } from '../../src/cli/benchmark';
import { recordImages } from '../../src/cli/features';
import { loadOrtNode } from '../../src/cli/ort';
import { stderrProgress } from '../../src/cli/progress';
import { scoreLayers, type LayerRegionScore, type MetricKind } from '../../src/core/predictivity/scoring';
import { randomizeWeights } from '../../src/core/onnx/untrained';
import { writeBundleFolder } from '../../tests/support/bundles';
import type { LayerInfo } from '../../src/core/types';

const OUT = process.env.SILICO_ACCEPTANCE_OUT ?? '/tmp/silico-acceptance';
const MAX_FEATURES = 8192;
const COWLEY_SESSION = '210325';
/** MobileNetV2 layers scored on Cowley (tensor names from listLayers): stem, ends of blocks 2,3,5,6,8,10,13,16, head conv, global pool. */
const MOBILENET_COWLEY_LAYERS = ['474_quantized', '489_quantized', '339_quantized', '356_quantized', '365_quantized', '382_quantized', '400_quantized', '426_quantized', '452_quantized', '627_quantized', '464_quantized'];

type ModelName = 'mobilenetv2' | 'hmax' | 'untrained';

function loadModel(name: ModelName) {
  if (name === 'hmax') return loadVisionModel('hmax');
  const m = loadVisionModel(sharedPath('models/mobilenetv2-12-fp32.onnx'));
  return name === 'untrained' ? { ...m, name: 'mobilenetv2-untrained', bytes: randomizeWeights(m.bytes, 0) } : m;
}

function readFolder(dir: string, prefix = ''): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) for (const [k, v] of readFolder(join(dir, e.name), `${prefix}${e.name}/`)) files.set(k, v);
    else files.set(`${prefix}${e.name}`, new Uint8Array(readFileSync(join(dir, e.name))));
  }
  return files;
}

function cowley(): Benchmark {
  const dir = sharedPath('data/vision/cowley2023-v4');
  const native = new Map<string, Uint8Array>();
  for (const f of [`images_${COWLEY_SESSION}.zip`, `responses_avg_${COWLEY_SESSION}.npy`, `responses_raw_${COWLEY_SESSION}.npy`]) native.set(f, new Uint8Array(readFileSync(join(dir, f))));
  return readBundle(cowleyBundle(native, COWLEY_SESSION));
}

interface MetricPlan {
  metric: MetricKind;
  folds?: number;
  /** Score only these layers (default: all recorded). */
  layers?: string[];
}

async function scoreModelOn(modelName: ModelName, bench: Benchmark, layers: LayerInfo[], metrics: MetricPlan[]): Promise<LayerRegionScore[]> {
  const model = loadModel(modelName);
  const images = bench.manifest.stimuli.map((s) => ({ name: s.id, bytes: stimulusBytes(bench, s) }));
  const progress = stderrProgress(`${modelName} · ${bench.manifest.id}`);
  const t0 = performance.now();
  const acts = await recordImages(await loadOrtNode(), model.bytes, images, { layers: layers.map((l) => l.tensor), preprocess: model.preprocess, batchSize: 16, maxFeatures: MAX_FEATURES, onProgress: progress });
  process.stderr.write(`recorded ${acts.length} layers in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  const scoring = toScoringBenchmark(bench);
  const results: LayerRegionScore[] = [];
  for (const { metric, folds, layers: only } of metrics) {
    const t1 = performance.now();
    const chosen = acts.filter((a) => !only || only.includes(a.layer));
    const r = await scoreLayers(chosen.map((a) => ({ layer: a.layer, activation: a })), { ...scoring, ...(folds ? { folds } : {}) }, { metric, modelId: model.name, onProgress: progress });
    process.stderr.write(`${metric}: ${((performance.now() - t1) / 1000).toFixed(0)} s\n`);
    results.push(...r);
  }
  const label = new Map(model.layers.map((l) => [l.tensor, l.label]));
  const reduction = new Map(acts.map((a) => [a.layer, a.reduction]));
  // Keep the numbers only (drop predictions and RDMs).
  return results.map((r) => ({
    model: model.name, layer: r.layer, benchmark: r.benchmark, region: r.region, metric: r.metric, raw: r.raw, sem: r.sem, ceiling: r.ceiling, ceilingSem: r.ceilingSem, ceiled: r.ceiled,
    label: label.get(r.layer), reduction: reduction.get(r.layer),
  }) as LayerRegionScore);
}

async function run(part: string, modelName: ModelName): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const all = loadModel(modelName).layers.filter((l) => l.kind !== 'logits');
  let results: LayerRegionScore[];
  if (part === 'cowley') {
    // Budget (2 cores shared with other jobs; one ridge fold ≈ 6 s and one PLS fold ≈ 15–20 s at n ≈ 600):
    // 5-fold CV; ridge on 6 MobileNetV2 layers, PLS on 3 of them; HMAX all 4 layers; untrained net 3 layers.
    const ridgeLayers = MOBILENET_COWLEY_LAYERS.filter((_, i) => i % 2 === 0);
    const plsLayers = ridgeLayers.filter((_, i) => i % 2 === 0);
    const plans: MetricPlan[] =
      modelName === 'mobilenetv2' ? [{ metric: 'ridge', folds: 5 }, { metric: 'pls', folds: 5, layers: plsLayers }]
      : modelName === 'hmax' ? [{ metric: 'ridge', folds: 5 }]
      : [{ metric: 'ridge', folds: 5, layers: plsLayers }];
    const layers = modelName === 'hmax' ? all : all.filter((l) => (modelName === 'untrained' ? plsLayers : ridgeLayers).includes(l.tensor));
    results = await scoreModelOn(modelName, cowley(), layers, plans);
  } else if (part === 'cowley-extra') {
    // The other 5 MobileNetV2 layers of the Cowley subset, ridge only (run when time allows; merged by `report`).
    const rest = MOBILENET_COWLEY_LAYERS.filter((_, i) => i % 2 === 1);
    results = await scoreModelOn(modelName, cowley(), all.filter((l) => rest.includes(l.tensor)), [{ metric: 'ridge', folds: 5 }]);
  } else if (part === 'cowley-all' || part === 'cowley-all-pls') {
    // Every layer, 10 folds (Brain-Score's default): affordable since the kernels run as WebAssembly SIMD.
    results = await scoreModelOn(modelName, cowley(), all, [{ metric: part === 'cowley-all' ? 'ridge' : 'pls', folds: 10 }]);
  } else if (part === 'rsa') {
    const coggan = readBundle(cogganBundle(readFolder(sharedPath('data/vision/coggan2024-fmri'))));
    const krieg = readBundle(kriegeskorteBundle(readFolder(sharedPath('data/vision/kriegeskorte2008-92'))));
    results = [...(await scoreModelOn(modelName, coggan, all, [{ metric: 'rsa' }])), ...(await scoreModelOn(modelName, krieg, all, [{ metric: 'rsa' }]))];
  } else throw new Error(`unknown part ${part}`);
  const file = join(OUT, `${part}-${modelName}.json`);
  writeFileSync(file, JSON.stringify(results, null, 1));
  process.stderr.write(`wrote ${file}\n`);
}

// ------------------------------------------------------------------ independent reimplementation check

/** Cowley layers for the independent check: a large early layer (block 2 output, 24×56×56 = 75,264 features) to the global pool. */
const COWLEY_CHECK_LAYERS = ['489_quantized', '339_quantized', '382_quantized', '426_quantized', '452_quantized', '464_quantized'];
const PYTHON = process.env.SILICO_PYTHON ?? '/usr/bin/python3';
const REFERENCE = join(import.meta.dirname, '../python/brainscore_reference.py');

interface CheckRow { layer: string; label: string; region: string; silico: { raw: number; ceiling: number; ceiled: number }; reference: { raw: number; ceiling: number; ceiled: number }; diff: number }

async function independent(part: string, only?: string[]): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'silico-independent-'));
  try {
    const model = loadModel('mobilenetv2');
    const modelPath = sharedPath('models/mobilenetv2-12-fp32.onnx');
    const cow = part === 'cowley';
    const dataDir = sharedPath(cow ? 'data/vision/cowley2023-v4' : 'data/vision/coggan2024-fmri');
    const files = cow
      ? cowleyBundle(new Map([`images_${COWLEY_SESSION}.zip`, `responses_avg_${COWLEY_SESSION}.npy`, `responses_raw_${COWLEY_SESSION}.npy`].map((f) => [f, new Uint8Array(readFileSync(join(dataDir, f)))])), COWLEY_SESSION)
      : cogganBundle(readFolder(dataDir));
    const bench = readBundle(files);
    const defs = (cow ? ['Cowley2023.V4-pls'] : ['Coggan2024.V1-rdm', 'Coggan2024.V2-rdm', 'Coggan2024.V4-rdm', 'Coggan2024.IT-rdm']).map((id) => findBenchmark(id)!);
    const layers = (only ?? (cow ? COWLEY_CHECK_LAYERS : model.layers.filter((l) => l.kind !== 'logits').map((l) => l.tensor)));
    const labels = new Map(model.layers.map((l) => [l.tensor, l.label]));
    // 1. Features: full layers, images placed as the definitions say, one float32 .npy per layer.
    const featureDir = join(tmp, 'features');
    mkdirSync(featureDir);
    const images = bench.manifest.stimuli.map((s) => ({ name: s.id, bytes: stimulusBytes(bench, s) }));
    const index: { images: string[]; layers: { layer: string; file: string }[] } = { images: images.map((i) => i.name), layers: [] };
    const t0 = performance.now();
    for (let start = 0; start < layers.length; start += 8) {
      const acts = await recordImages(await loadOrtNode(), model.bytes, images, {
        layers: layers.slice(start, start + 8), preprocess: model.preprocess, batchSize: 16, maxFeatures: undefined, prepare: placementPrepare(defs[0].placement, model.preprocess),
      });
      for (const a of acts) {
        const file = `${index.layers.length}.npy`;
        writeFileSync(join(featureDir, file), writeNpy(a.data, [a.dims[0], a.data.length / a.dims[0]], 'f4'));
        index.layers.push({ layer: a.layer, file });
      }
    }
    writeFileSync(join(featureDir, 'index.json'), JSON.stringify(index));
    process.stderr.write(`features of ${layers.length} layers recorded in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    // 2. The independent reference (Python): features + the shared data folder, nothing else.
    const t1 = performance.now();
    // REFERENCE_SEED=2 (say) gives the reference other splits and ceiling halves than Brain-Score's random_state=1: the split noise.
    const seed = process.env.REFERENCE_SEED ?? '1';
    const py = spawnSync(PYTHON, [REFERENCE, part, '--features', featureDir, '--data', dataDir, '--session', COWLEY_SESSION, '--seed', seed], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] });
    if (py.status !== 0) throw new Error(`brainscore_reference.py failed (${py.status ?? py.signal})`);
    const ref = JSON.parse(py.stdout.replace(/\bNaN\b/g, 'null')) as { layers: Record<string, Record<string, { raw: number; ceiling: number; ceiled: number }>> };
    process.stderr.write(`reference: ${((performance.now() - t1) / 1000).toFixed(0)} s\n`);
    // 3. silico score on the same bundle, full layers (it records its own features).
    const bundleDir = join(tmp, 'bundle');
    writeBundleFolder(files, bundleDir);
    const scores = join(tmp, 'scores.json');
    const t2 = performance.now();
    const code = await silicoMain(['score', '--model', modelPath, '--bundle', bundleDir, '--metric', cow ? 'pls' : 'rsa', '--benchmark', defs.map((d) => d.id).join(','), '--layers', layers.join(','), '--max-features', 'none', '--out', scores, '--quiet']);
    if (code !== 0) throw new Error(`silico score exited with ${code}`);
    process.stderr.write(`silico score: ${((performance.now() - t2) / 1000).toFixed(0)} s\n`);
    const rows = JSON.parse(readFileSync(scores, 'utf8')) as { layer: string; region: string; raw: number; ceiling: number; ceiled: number }[];
    const out: CheckRow[] = [];
    for (const r of rows) {
      const x = ref.layers[r.layer]?.[r.region];
      if (!x) throw new Error(`the reference has no score for ${r.layer} ${r.region}`);
      const diff = Math.max(Math.abs(r.raw - x.raw), Math.abs(r.ceiling - x.ceiling), Math.abs((r.ceiled ?? NaN) - x.ceiled));
      out.push({ layer: r.layer, label: labels.get(r.layer) ?? r.layer, region: r.region, silico: { raw: r.raw, ceiling: r.ceiling, ceiled: r.ceiled }, reference: { raw: x.raw, ceiling: x.ceiling, ceiled: x.ceiled }, diff });
    }
    for (const r of out) process.stdout.write(`${r.label.padEnd(32)} ${r.region.padEnd(3)} silico ceiled ${f3(r.silico.ceiled)} raw ${r.silico.raw.toFixed(4)} | reference ceiled ${f3(r.reference.ceiled)} raw ${r.reference.raw.toFixed(4)} | max |diff| ${r.diff.toExponential(2)}\n`);
    const worst = out.reduce((a, b) => (b.diff > a.diff || !Number.isFinite(b.diff) ? b : a));
    process.stdout.write(`${part}: ${out.length} layer × region scores; max |difference| (raw, ceiling, ceiled) ${worst.diff.toExponential(2)} at ${worst.label} ${worst.region}; acceptance bound 0.02 → ${worst.diff <= 0.02 ? 'PASS' : 'FAIL'}${seed === '1' ? '' : ` (reference splits random_state=${seed})`}\n`);
    const file = join(OUT, `independent-${part}${only ? `-${only.length === 1 ? only[0] : `${only.length}-layers`}` : ''}${seed === '1' ? '' : `-seed${seed}`}.json`);
    writeFileSync(file, JSON.stringify(out, null, 1));
    process.stderr.write(`wrote ${file}\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ report

type Row = LayerRegionScore & { label?: string; reduction?: string };
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—');

function load(name: string): Row[] {
  const file = join(OUT, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Row[]) : [];
}

/** Rows shown for all-layer RSA tables (the full per-layer numbers are in the JSON): the Cowley subset. */
const SHOWN_LAYERS = new Set([...MOBILENET_COWLEY_LAYERS, 'S1', 'C1', 'S2', 'C2']);

function table(rows: Row[], regions: string[], value: (r: Row) => number, header: string, subset = false): string {
  const layers = [...new Set(rows.map((r) => r.layer))].filter((l) => !subset || SHOWN_LAYERS.has(l));
  const out = [`| layer | ${regions.join(' | ')} |`, `|---|${regions.map(() => '---:').join('|')}|`];
  const best = regions.map((reg) => Math.max(...rows.filter((r) => r.region === reg).map(value).filter(Number.isFinite)));
  for (const layer of layers) {
    const label = rows.find((r) => r.layer === layer)?.label ?? layer;
    out.push(`| ${label} | ${regions.map((reg, i) => {
      const r = rows.find((x) => x.layer === layer && x.region === reg);
      const v = r ? value(r) : NaN;
      return v === best[i] ? `**${f3(v)}**` : f3(v);
    }).join(' | ')} |`);
  }
  const bestRows = regions.map((reg, i) => {
    const r = rows.find((x) => x.region === reg && value(x) === best[i]);
    return r ? `${reg}: ${r.label ?? r.layer} (${f3(best[i])})` : `${reg}: —`;
  });
  return `${header}\n\n${out.join('\n')}\n\nBest of all ${new Set(rows.map((r) => r.layer)).size} layers — ${bestRows.join('; ')}.\n`;
}

function report(): void {
  const sections: string[] = [];
  for (const model of ['mobilenetv2', 'hmax', 'untrained'] as const) {
    const order = new Map(MOBILENET_COWLEY_LAYERS.map((l, i) => [l, i]));
    const cow = [...load(`cowley-${model}`), ...load(`cowley-extra-${model}`)].sort((a, b) => (order.get(a.layer) ?? 0) - (order.get(b.layer) ?? 0));
    const rsa = load(`rsa-${model}`);
    if (cow.length) {
      const ridge = cow.filter((r) => r.metric === 'ridge');
      const pls = cow.filter((r) => r.metric === 'pls');
      const merged = ridge.map((r) => ({ ...r, region: 'ridge raw' }) as Row)
        .concat(ridge.map((r) => ({ ...r, region: 'ridge ceiled' }) as Row))
        .concat(pls.map((r) => ({ ...r, region: 'PLS raw' }) as Row))
        .concat(pls.map((r) => ({ ...r, region: 'PLS ceiled' }) as Row));
      sections.push(table(merged, ['ridge raw', 'ridge ceiled', 'PLS raw', 'PLS ceiled'], (r) => (r.region.endsWith('ceiled') ? r.ceiled : r.raw),
        `#### ${model}: Cowley V4 session ${COWLEY_SESSION} (split-half ceiling ${f3(ridge[0]?.ceiling ?? NaN)})`));
    }
    const all = load(`cowley-all-${model}`);
    const allPls = load(`cowley-all-pls-${model}`);
    if (all.length) {
      const columns: [string, Row[], (r: Row) => number][] = [
        ['ridge raw', all, (r) => r.raw], ['ridge ceiled', all, (r) => r.ceiled],
        ...(allPls.length ? ([['PLS raw', allPls, (r: Row) => r.raw], ['PLS ceiled', allPls, (r: Row) => r.ceiled]] as [string, Row[], (r: Row) => number][]) : []),
      ];
      const merged = columns.flatMap(([region, rows, value]) => rows.map((r) => ({ ...r, region, raw: value(r) }) as Row));
      sections.push(table(merged, columns.map(([c]) => c), (r) => r.raw,
        `#### ${model}: Cowley V4 session ${COWLEY_SESSION}, 10 folds, every layer (split-half ceiling ${f3(all[0]?.ceiling ?? NaN)})`));
    }
    const cog = rsa.filter((r) => r.benchmark === 'coggan2024-fmri');
    if (cog.length) sections.push(table(cog, ['V1', 'V2', 'V4', 'IT'], (r) => r.ceiled, `#### ${model}: Coggan 2024 fMRI RSA, ceiled (raw/ceiling)² (ceilings: ${['V1', 'V2', 'V4', 'IT'].map((g) => `${g} ${f3(cog.find((r) => r.region === g)?.ceiling ?? NaN)}`).join(', ')})`, true));
    const kr = rsa.filter((r) => r.benchmark === 'kriegeskorte2008-92');
    if (kr.length) sections.push(table(kr, ['IT (monkey)', 'IT (human)'], (r) => r.raw, `#### ${model}: Kriegeskorte 2008 92 images, RDM Pearson r (raw)`, true));
  }
  process.stdout.write(sections.join('\n'));
}

const [cmd, part, model] = process.argv.slice(2);
if (cmd === 'run') await run(part, model as ModelName);
else if (cmd === 'independent') await independent(part, model?.split(','));
else if (cmd === 'report') report();
else process.stderr.write('usage: acceptance.ts run cowley|cowley-extra|cowley-all|cowley-all-pls|rsa mobilenetv2|hmax|untrained  |  acceptance.ts report  |  acceptance.ts independent cowley|coggan [LAYERS]\n');
