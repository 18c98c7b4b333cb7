/**
 * Importing a benchmark bundle whose brain data is a Brain-Score/BrainIO NetCDF assembly: xarray writes the
 * assembly (two regions, repetitions as separate presentations), the test zips it with benchmark.json and
 * the stimulus images, imports the zip in the built app, and scores HMAX's C2 with ridge. The heatmap must
 * equal a Node reference that never reads the .nc: responses from xarray's groupby(stimulus_id).mean(),
 * activations from onnxruntime-node, the core metric functions.
 */
import { afterAll, expect, test } from 'vitest';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasDist, useBrowser } from '../support/browser';
import { describeIf } from '../support/ci';
import { hasPythonModules, runPython } from '../support/python';
import { buildHmaxModel, hmaxSpec } from '../../src/core/onnx/hmax';
import { Recorder, type OrtModule } from '../../src/core/engine';
import { batchToTensor, preprocessBytes } from '../../src/core/image';
import { readBundle, stimulusBytes, zipBundle } from '../../src/core/data/bundle';
import { syntheticBundle } from '../../src/core/data/synthetic';
import { crossValidatedPredictivity } from '../../src/core/metrics/crossval';
import { ceiledScore, splitHalfReliability } from '../../src/core/metrics/ceiling';
import { matrix } from '../../src/core/metrics/linalg';

const NC_MODULES = ['numpy', 'pandas', 'netCDF4', 'xarray'];
const REGION_OF = ['V1', 'V1', 'V1', 'V4', 'V4', 'V1', 'V4', 'V4'];
const FOLDS = 5;

/** A BrainIO-style assembly (presentation × neuroid × time_bin, MultiIndexes reset) from [neuroids, stimuli, repeats]. */
const WRITE_ASSEMBLY = `
import netCDF4, pandas as pd, xarray as xr
rep = np.array(inp['repeats'], dtype=float)  # [neuroids, stimuli, repeats], NaN-padded
ids, regions = inp['stimuli'], inp['regions']
pres = [(s, r) for r in range(rep.shape[2]) for s in range(rep.shape[1]) if not np.isnan(rep[:, s, r]).all()]
values = np.stack([rep[:, s, r] for s, r in pres])[:, :, None]
p = pd.MultiIndex.from_arrays([[ids[s] for s, _ in pres], [r for _, r in pres]], names=['stimulus_id', 'repetition'])
n = pd.MultiIndex.from_arrays([['u%d' % i for i in range(rep.shape[0])], regions], names=['neuroid_id', 'region'])
t = pd.MultiIndex.from_arrays([[70], [170]], names=['time_bin_start', 'time_bin_end'])
a = xr.DataArray(values, coords={'presentation': p, 'neuroid': n, 'time_bin': t}, dims=['presentation', 'neuroid', 'time_bin'])
a = a.reset_index(list(a.indexes))
a.to_dataset(name='data').to_netcdf(inp['path'], engine='netcdf4')
one = a.isel(time_bin=0)
out = {}
for region in ['V1', 'V4']:
    r = one.isel(neuroid=np.flatnonzero(one.region.values == region))
    r = r.assign_coords(stimulus_id=('presentation', r.stimulus_id.values.astype(str)))
    out[region] = r.groupby('stimulus_id').mean('presentation').sel(stimulus_id=ids).transpose('stimulus_id', 'neuroid').values
`;

describeIf(hasDist && hasPythonModules(...NC_MODULES), 'importing a bundle whose region data is a NetCDF assembly', () => {
  const suite = useBrowser();
  const dir = mkdtempSync(join(tmpdir(), 'silico-nc-import-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the .nc bundle becomes selectable and HMAX C2 × {V1, V4} ridge scores equal the Node reference', async () => {
    const s = await suite.open('/#/predictivity');
    const { page } = s;
    // Stimuli and tuned responses from the synthetic generator; the brain data goes in only as the .nc.
    const synthetic = readBundle(syntheticBundle({ stimuli: 30, neuroids: REGION_OF.length, repeats: 4, seed: 5 }));
    const stimuli = synthetic.manifest.stimuli;
    const repeats = synthetic.regions[0].repeats!;
    const nested = Array.from({ length: repeats.neuroids }, (_, n) =>
      Array.from({ length: repeats.stimuli }, (_, st) => Array.from(repeats.data.subarray((n * repeats.stimuli + st) * repeats.repeats, (n * repeats.stimuli + st + 1) * repeats.repeats), (v) => (Number.isNaN(v) ? null : v))),
    );
    const ncPath = join(dir, 'gratings.nc');
    const xarrayMeans = runPython<Record<string, number[][]>>(WRITE_ASSEMBLY, { repeats: nested, stimuli: stimuli.map((x) => x.id), regions: REGION_OF, path: ncPath }, NC_MODULES);
    const files = new Map<string, Uint8Array>([['gratings.nc', new Uint8Array(readFileSync(ncPath))]]);
    for (const x of stimuli) files.set(x.file!, stimulusBytes(synthetic, x));
    const manifest = {
      id: 'netcdf-gratings',
      name: 'Synthetic demo · gratings from a NetCDF assembly',
      citation: 'Generated in the test (not brain data)',
      modality: 'vision',
      synthetic: true,
      stimuli: stimuli.map(({ id, file }) => ({ id, file })),
      regions: ['V1', 'V4'].map((name) => ({ name, kind: 'responses', data: 'gratings.nc', region: name })),
      metric: { method: 'ridge', folds: FOLDS, ceiling: 'split-half' },
    };
    files.set('benchmark.json', new TextEncoder().encode(JSON.stringify(manifest)));
    writeFileSync(join(dir, 'netcdf-gratings.zip'), zipBundle(files));
    // The same assembly without saying which region each bundle region takes.
    const ambiguous = new Map(files);
    ambiguous.set('benchmark.json', new TextEncoder().encode(JSON.stringify({ ...manifest, regions: [{ name: 'V1', kind: 'responses', data: 'gratings.nc' }] })));
    writeFileSync(join(dir, 'ambiguous.zip'), zipBundle(ambiguous));

    // Node reference: HMAX C2 on the same images, ridge against xarray's means, ceiling from the original repeats.
    const ort = createRequire(import.meta.url)('onnxruntime-node') as OrtModule;
    const spec = hmaxSpec(128);
    const rec = await Recorder.create(ort, buildHmaxModel(), { layers: ['C2'] });
    const [c2] = await rec.recordBatches(
      stimuli.map((x) => preprocessBytes(stimulusBytes(synthetic, x), spec)),
      (batch) => ({ image: batchToTensor(batch, spec) }),
      { batchSize: 10 },
    );
    await rec.dispose();
    const features = matrix(stimuli.length, c2.data.length / stimuli.length, c2.data);
    const reference = new Map(
      ['V1', 'V4'].map((region) => {
        const members = REGION_OF.flatMap((r, i) => (r === region ? [i] : []));
        const responses = matrix(stimuli.length, members.length, xarrayMeans[region].flat());
        const raw = crossValidatedPredictivity(features, responses, { method: 'ridge', folds: FOLDS, seed: 0 }).score;
        const data = new Float64Array(members.flatMap((n) => Array.from(repeats.data.subarray(n * repeats.stimuli * repeats.repeats, (n + 1) * repeats.stimuli * repeats.repeats))));
        const ceiling = splitHalfReliability({ neuroids: members.length, stimuli: repeats.stimuli, repeats: repeats.repeats, data }, { seed: 0 }).ceiling;
        return [region, { raw, ceiling, ceiled: ceiledScore(raw, ceiling) }];
      }),
    );

    await page.getByText('Import a benchmark bundle…').click();
    const picker = page.locator('input[type=file][accept=".zip"]');
    await picker.setInputFiles(join(dir, 'ambiguous.zip'));
    const banner = page.getByTestId('error-banner');
    await expect.poll(() => banner.textContent(), { timeout: 60_000 }).toContain('gratings.nc: The assembly holds 2 regions (V1, V4); say which one with "region".');
    await s.screenshot('bundle-import-netcdf-error');
    await page.getByRole('button', { name: 'Dismiss message' }).click();
    await picker.setInputFiles(join(dir, 'netcdf-gratings.zip'));
    await expect.poll(() => page.getByTestId('benchmark-select').inputValue(), { timeout: 60_000 }).toBe('netcdf-gratings');
    await expect.poll(() => page.locator('.setup').textContent()).toContain('30 stimuli');
    expect(await page.getByTestId('benchmark-select').locator('option:checked').textContent()).toContain('gratings from a NetCDF assembly');

    const summary = page.locator('summary', { hasText: 'HMAX' });
    await summary.waitFor({ timeout: 120_000 });
    await summary.click();
    for (const layer of ['S1', 'C1', 'S2']) await page.getByRole('checkbox', { name: layer, exact: true }).uncheck();
    await expect.poll(() => summary.textContent()).toContain('1 of 4 layers');
    expect(await page.getByRole('radio', { name: /Ridge regression/ }).isChecked()).toBe(true);
    await page.getByTestId('run').click();
    await page.getByTestId('run-summary').waitFor({ timeout: 300_000 });

    const cells = await page.locator('[data-plot="predictivity heatmap"] g.cell').evaluateAll((els) =>
      els.map((e) => ({ row: e.getAttribute('data-row')!, column: e.getAttribute('data-column')!, value: Number(e.getAttribute('data-value')), text: e.textContent ?? '' })),
    );
    expect(cells.map((c) => `${c.row}|${c.column}`).sort()).toEqual(['C2|V1', 'C2|V4']);
    for (const c of cells) {
      const r = reference.get(c.column)!;
      console.log(`C2 → ${c.column}: browser ceiled ${c.value.toFixed(5)}, Node ${r.ceiled.toFixed(5)} (raw ${r.raw.toFixed(4)}, ceiling ${r.ceiling.toFixed(4)})`);
      expect(r.ceiling).toBeGreaterThan(0.3); // the split-half ceiling came through the assembly's repetitions
      expect(Math.abs(c.value - r.ceiled)).toBeLessThan(1e-3);
      expect(c.text).toContain(c.value.toFixed(2));
    }
    await page.evaluate(() => window.scrollTo(0, 0));
    await s.screenshot('bundle-import-netcdf');
    expect(s.errors, s.log.join('\n')).toEqual([]);
  });
});
