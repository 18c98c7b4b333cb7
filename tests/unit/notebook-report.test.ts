/**
 * A report card saved to the notebook reads back equal, through IndexedDB (fake-indexeddb) and through an export
 * file imported into another store; an entry without a card is refused with a plain message.
 */
import 'fake-indexeddb/auto';
import { afterEach, expect, test } from 'vitest';
import { ExperimentStore, type Experiment } from '../../src/core/experiments';
import { newCard, type CardEntry } from '../../src/core/benchmarks/card';
import { UserFacingError } from '../../src/core/types';
import { reportExperiment, savedReportCard } from '../../src/ui/notebook/report';

let n = 0;
const stores: ExperimentStore[] = [];
const fresh = () => {
  const s = new ExperimentStore({ dbName: `notebook-report-${process.pid}-${n++}` });
  stores.push(s);
  return s;
};
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function entry(benchmark: string, layer: string, ceiled: number): CardEntry {
  return {
    benchmark, version: 1, brainRegion: 'V4', region: 'V4', committedLayer: layer, committedLabel: layer,
    ceiled, sem: 0.011, raw: 0.398, ceiling: 0.747, clipped: false, optimisticLayer: layer, optimisticCeiled: ceiled,
    optimisticRaw: 0.398, formula: 'r² / ceiling',
    provenance: { benchmark, version: 1 } as unknown as CardEntry['provenance'],
  } as CardEntry;
}

test('a report card round-trips through the notebook and its export file', async () => {
  const card = newCard('test', [
    { model: 'mobilenetv2', role: 'model', description: 'ImageNet-trained', entries: [entry('Cowley2023.V4-pls', '531_quantized', 0.364), entry('Cowley2023.V4-ridge', '531_quantized', 0.368)] },
    { model: 'HMAX', role: 'baseline', description: 'built in', entries: [entry('Cowley2023.V4-pls', 'S2', 0.212)] },
  ]);
  const input = reportExperiment(card);
  expect(input.kind).toBe('report');
  expect(input.name).toBe('mobilenetv2 · report card · 2 benchmarks');
  expect(input.layers).toEqual(['531_quantized', 'S2']);
  const a = fresh();
  const saved = await a.save(input);
  const b = fresh();
  expect((await b.importJson(await a.exportJson([saved.id]))).added).toEqual([saved.id]);
  for (const store of [a, b]) expect(savedReportCard((await store.get(saved.id))!)).toEqual(card);
});

test('an entry holding no card is refused with a plain message', () => {
  const exp = { id: 'x', kind: 'report', name: 'old card', results: { rows: [] } } as unknown as Experiment;
  expect(() => savedReportCard(exp)).toThrow(UserFacingError);
  expect(() => savedReportCard(exp)).toThrow('“old card” holds no report card this page can show.');
});
