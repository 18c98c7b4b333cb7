import { describe, expect, test } from 'vitest';
import { fileStem, inlineStyles, INLINED_STYLE_PROPERTIES, tableToCsv, tableToJson, type StylableElement } from '../../src/ui/export';

import { hasPythonModules, runPythonScript } from '../support/python';

/** Parse CSV with Python's csv module (independent reference for the quoting rules). */
function pythonCsv(text: string): string[][] {
  return JSON.parse(runPythonScript('import sys,csv,json; print(json.dumps(list(csv.reader(sys.stdin))))', { input: text }));
}
const hasPy = hasPythonModules('numpy');

describe('CSV / JSON export of tables', () => {
  const table = {
    columns: ['model', 'layer', 'region', 'ceiled'],
    rows: [
      { model: 'HMAX', layer: 'S1, scale 1', region: 'V1', ceiled: 0.123456789, extra: 'not exported' },
      { model: 'my "best" net', layer: 'line1\nline2', region: 'IT', ceiled: NaN },
      { model: 'x', layer: 'y', region: 'V4', ceiled: -1e-7 },
    ],
  };
  test.skipIf(!hasPy)('round-trips through Python csv with quoting, full precision and empty NaN', () => {
    const parsed = pythonCsv(tableToCsv(table));
    expect(parsed).toEqual([
      ['model', 'layer', 'region', 'ceiled'],
      ['HMAX', 'S1, scale 1', 'V1', '0.123456789'],
      ['my "best" net', 'line1\nline2', 'IT', ''],
      ['x', 'y', 'V4', '-1e-7'],
    ]);
    expect(Number(parsed[3][3])).toBe(-1e-7);
  });
  test.skipIf(!hasPy)('typed arrays become space-separated cells in CSV and arrays in JSON', () => {
    const t = { columns: ['r'], rows: [{ r: new Float32Array([0.5, 0.25]) }] };
    expect(pythonCsv(tableToCsv(t))).toEqual([['r'], ['0.5 0.25']]);
    expect(JSON.parse(tableToJson(t))).toEqual([{ r: [0.5, 0.25] }]);
  });
  test('JSON keeps column order and turns NaN into null', () => {
    const json = JSON.parse(tableToJson(table));
    expect(json[1]).toEqual({ model: 'my "best" net', layer: 'line1\nline2', region: 'IT', ceiled: null });
    expect(Object.keys(json[0])).toEqual(table.columns);
  });
  test('file names are safe', () => {
    expect(fileStem('HMAX → synthetic: heatmap (ridge)')).toBe('HMAX-synthetic-heatmap-ridge');
    expect(fileStem('///')).toBe('silico-export');
  });
});

describe('SVG style inlining', () => {
  /** Fake minimal DOM: just what the serializer walks. */
  class FakeElement implements StylableElement {
    attrs = new Map<string, string>();
    constructor(
      readonly tag: string,
      readonly style: Record<string, string>,
      readonly children: FakeElement[] = [],
    ) {}
    getAttribute(n: string) {
      return this.attrs.get(n) ?? null;
    }
    setAttribute(n: string, v: string) {
      this.attrs.set(n, v);
    }
    clone(): FakeElement {
      const c = new FakeElement(this.tag, {}, this.children.map((k) => k.clone()));
      this.attrs.forEach((v, k) => c.attrs.set(k, v));
      return c;
    }
  }
  test('computed presentation styles are written on every element of the clone, original untouched', () => {
    const text = new FakeElement('text', { 'font-size': '13px', fill: 'rgb(27, 31, 36)', 'font-weight': 'normal' });
    const rect = new FakeElement('rect', { fill: 'rgb(68, 1, 84)', stroke: 'none', 'stroke-width': '1px', color: 'red' });
    rect.setAttribute('style', 'cursor:pointer');
    const root = new FakeElement('svg', { 'font-family': 'system-ui' }, [new FakeElement('g', {}, [rect, text])]);
    const clone = root.clone();
    inlineStyles(clone, root, (el) => ({ getPropertyValue: (p) => (el as FakeElement).style[p] ?? '' }));
    expect(clone.getAttribute('style')).toBe('font-family:system-ui');
    const [cr, ct] = clone.children[0].children;
    expect(cr.getAttribute('style')).toBe('cursor:pointer;fill:rgb(68, 1, 84);stroke:none;stroke-width:1px');
    expect(ct.getAttribute('style')).toBe('fill:rgb(27, 31, 36);font-size:13px'); // "normal" is the default: left out
    expect(rect.getAttribute('style')).toBe('cursor:pointer');
    expect(INLINED_STYLE_PROPERTIES).not.toContain('color');
  });
});
