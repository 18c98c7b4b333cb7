/** One line of the bench table. `ratio` is always "how many times slower/bigger silico is" (lower is better). */
export interface BenchRow {
  section: string;
  what: string;
  unit: string;
  silico: number;
  reference: number;
  refName: string;
  ratio: number;
  /** Pass when ratio ≤ target. */
  target?: number;
  note?: string;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/** Prints a Markdown table (pasteable into docs/results.md). */
export function printTable(rows: BenchRow[], meta: { threads: number; seconds: number }): void {
  const lines = [
    `| | measurement | silico | reference | unit | ratio (ref/silico speed or silico/ref size) | target |`,
    `|---|---|---:|---:|---|---:|---|`,
    ...rows.map((r) =>
      `| ${r.section} | ${r.what}${r.note ? ` (${r.note})` : ''} | ${fmt(r.silico)} | ${fmt(r.reference)} (${r.refName}) | ${r.unit} | ${fmt(r.ratio)}x | ${
        r.target === undefined ? '' : r.ratio <= r.target ? `≤ ${r.target}x ✓` : `≤ ${r.target}x ✗`
      } |`,
    ),
  ];
  process.stdout.write(`\n${lines.join('\n')}\n\n${meta.threads} threads per engine; total ${meta.seconds.toFixed(0)} s.\n`);
}
