/**
 * Exports for every plot and table: SVG (computed styles inlined so it looks the same outside the app),
 * PNG (the SVG drawn on a canvas at 2×), CSV and JSON.
 */
import Papa from 'papaparse';

/** A table as exported: column keys in order and one record per row. */
export interface TableData {
  columns: string[];
  rows: Record<string, unknown>[];
}

/** Presentation properties copied from the computed style onto each SVG element. */
export const INLINED_STYLE_PROPERTIES = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
  'visibility',
] as const;

/** Minimal element interface the serializer needs (a real DOM Element satisfies it). */
export interface StylableElement {
  readonly children: ArrayLike<StylableElement>;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
}

/** Write the given computed style values into each element's style attribute (clone and original walk in step). */
export function inlineStyles(
  clone: StylableElement,
  original: StylableElement,
  computed: (el: StylableElement) => { getPropertyValue(p: string): string },
): void {
  const style = computed(original);
  const declarations: string[] = [];
  for (const p of INLINED_STYLE_PROPERTIES) {
    const v = style.getPropertyValue(p);
    if (v && v !== 'normal' && v !== 'auto') declarations.push(`${p}:${v}`);
  }
  const own = clone.getAttribute('style');
  clone.setAttribute('style', [own, ...declarations].filter(Boolean).join(';'));
  const n = Math.min(clone.children.length, original.children.length);
  for (let i = 0; i < n; i++) inlineStyles(clone.children[i], original.children[i], computed);
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** Standalone SVG document text for a rendered plot. */
export function svgToString(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  inlineStyles(clone, svg, (el) => getComputedStyle(el as unknown as Element));
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('xmlns:xlink', 'http://www.w3.org/1999/xlink');
  const [w, h] = svgSize(svg);
  clone.setAttribute('width', String(w));
  clone.setAttribute('height', String(h));
  return XML_DECLARATION + new XMLSerializer().serializeToString(clone);
}

/** Intrinsic size of a plot from its viewBox (falls back to its layout size). */
export function svgSize(svg: SVGSVGElement): [number, number] {
  const vb = svg.viewBox?.baseVal;
  if (vb && vb.width > 0 && vb.height > 0) return [vb.width, vb.height];
  const r = svg.getBoundingClientRect();
  return [Math.round(r.width) || 640, Math.round(r.height) || 400];
}

/** PNG of a plot at `scale`× its intrinsic size, on a white background. */
export async function svgToPngBlob(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const [w, h] = svgSize(svg);
  const url = URL.createObjectURL(new Blob([svgToString(svg)], { type: 'image/svg+xml;charset=utf-8' }));
  try {
    const img = new Image();
    img.decoding = 'sync';
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('The plot could not be drawn as an image.'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('No 2D canvas available to draw the PNG.');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed.'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Numbers as plain decimals (full precision), typed arrays/arrays joined with spaces, objects as JSON. */
function cellValue(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? v : '';
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (ArrayBuffer.isView(v) || Array.isArray(v)) return Array.from(v as ArrayLike<unknown>).join(' ');
  return JSON.stringify(v);
}

/** RFC 4180 CSV with a header row (papaparse does quoting of commas, quotes and newlines). */
export function tableToCsv(table: TableData): string {
  return Papa.unparse(
    { fields: table.columns, data: table.rows.map((r) => table.columns.map((c) => cellValue(r[c]))) },
    { newline: '\n', quotes: false },
  );
}

/** JSON array of records in column order; non-finite numbers become null, typed arrays plain arrays. */
export function tableToJson(table: TableData): string {
  const rows = table.rows.map((r) => {
    const o: Record<string, unknown> = {};
    for (const c of table.columns) {
      const v = r[c];
      o[c] = ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : typeof v === 'number' && !Number.isFinite(v) ? null : v ?? null;
    }
    return o;
  });
  return JSON.stringify(rows, null, 2);
}

/** A safe file name stem: letters, digits, dot, dash, underscore. */
export function fileStem(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[^\w.-]+/g, '-')
      .replace(/-+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 80) || 'silico-export'
  );
}

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadText(text: string, filename: string, type: string): void {
  downloadBlob(new Blob([text], { type }), filename);
}

export async function exportSvg(svg: SVGSVGElement, name: string): Promise<void> {
  downloadText(svgToString(svg), `${fileStem(name)}.svg`, 'image/svg+xml');
}

export async function exportPng(svg: SVGSVGElement, name: string): Promise<void> {
  downloadBlob(await svgToPngBlob(svg, 2), `${fileStem(name)}.png`);
}

export function exportCsv(table: TableData, name: string): void {
  downloadText(tableToCsv(table), `${fileStem(name)}.csv`, 'text/csv');
}

export function exportJson(table: TableData, name: string): void {
  downloadText(tableToJson(table), `${fileStem(name)}.json`, 'application/json');
}
