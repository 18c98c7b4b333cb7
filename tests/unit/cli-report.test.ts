import { describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalise, findBenchmark } from '../../src/core/benchmarks';
import { SHARED } from '../support/shared';
import { silicoInProcess as silico } from '../support/cli';
import { sharedCogganBundle, writeBundleFolder } from '../support/bundles';

const CI = process.env.CI === 'true';
const cogganDir = join(SHARED, 'data/vision/coggan2024-fmri');
const run = existsSync(join(cogganDir, 'rsm.json')) || CI ? test : test.skip;

describe('silico report', () => {
  test('--list names every definition with its version, formula and placement', async () => {
    const r = await silico(['report', '--list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Coggan2024.IT-rdm@1 (Brain-Score tong.Coggan2024_fMRI.IT-rdm)');
    expect(r.stdout).toContain('MajajHong2015public.IT-pls@1');
    expect(r.stdout).toContain('ceiled = r² / ceiling');
    const bad = await silico(['report', '--model', 'hmax']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Give --data DIR or --bundles LIST');
  });

  run('a report card for HMAX on Coggan2024: committed layers on held-out subjects, optimistic beside, published numbers apart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'silico-cli-report-'));
    try {
      const bundleDir = writeBundleFolder(sharedCogganBundle(), join(dir, 'coggan'));
      const out = join(dir, 'card.json');
      const svg = join(dir, 'card.svg');
      const r = await silico(['report', '--model', 'hmax', '--bundles', bundleDir, '--baselines', 'untrained', '--max-features', 'none', '--out', out, '--svg', svg]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('untrained baseline skipped');
      const card = JSON.parse(readFileSync(out, 'utf8'));
      expect(card.format).toBe('silico-report-card/1');
      expect(card.models).toHaveLength(1);
      const entries = card.models[0].entries;
      expect(entries.map((e: { benchmark: string }) => e.benchmark)).toEqual(['Coggan2024.V1-rdm', 'Coggan2024.V2-rdm', 'Coggan2024.V4-rdm', 'Coggan2024.IT-rdm']);
      for (const e of entries) {
        expect(['S1', 'C1', 'S2', 'C2']).toContain(e.committedLabel);
        expect(e.provenance.layerChoice).toMatch(/chosen on 4 of 9 subjects .* scored on the other 5/);
        expect(e.formula).toBe('(r / ceiling)², clipped to [0, 1]');
        // The ceiled score follows from raw and ceiling by the definition's formula.
        const n = normalise(e.raw, e.ceiling, findBenchmark(e.benchmark)!.normalisation);
        expect(e.ceiled ?? NaN).toBeCloseTo(n.ceiled, 12);
        expect(e.clipped).toBe(n.clipped);
        expect(e.optimisticCeiled).toBeGreaterThanOrEqual(e.ceiled);
      }
      // Published numbers: labelled with source and date, never among the live models.
      expect(card.published.length).toBeGreaterThan(0);
      for (const p of card.published) expect(p.source && p.date && p.formula).toBeTruthy();
      expect(card.models.some((m: { model: string }) => /alexnet/i.test(m.model))).toBe(false);
      const text = readFileSync(svg, 'utf8');
      expect(text.startsWith('<svg')).toBe(true);
      expect(text).toContain('Published reference numbers (not computed here');
      expect(text).toContain('Coggan2024.IT-rdm @1');
      // Each live model is named with what it is (e.g. the untrained baseline's re-draw), apart from the published list.
      expect(text).toContain('Live models (computed here, same recipe and committed layers):');
      expect(text.indexOf('Live models')).toBeLessThan(text.indexOf('Published reference numbers'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
