import type { Progress, ProgressFn } from '../core/types';

/**
 * Progress lines on stderr (stdout stays clean for data). On a terminal the line is redrawn in place;
 * otherwise (pipes, tests) one line per phase change or per 10 % step, so logs stay short.
 */
export function stderrProgress(label: string, stream: NodeJS.WriteStream = process.stderr, quiet = false): ProgressFn & { end(): void } {
  let lastPhase: string | undefined;
  let lastDecile = -1;
  let drawn = false;
  const fn = ((p: Progress) => {
    if (quiet) return;
    const phase = p.phase ?? label;
    const pct = p.total > 0 ? Math.min(100, Math.floor((100 * p.done) / p.total)) : 0;
    const text = `${label}: ${phase} ${p.done}/${p.total} (${pct}%)`;
    if (stream.isTTY) {
      stream.write(`\r\x1b[2K${text}`);
      drawn = true;
    } else {
      const decile = Math.floor(pct / 10);
      if (phase !== lastPhase || decile !== lastDecile) stream.write(`${text}\n`);
      lastDecile = decile;
    }
    lastPhase = phase;
  }) as ProgressFn & { end(): void };
  fn.end = () => {
    if (drawn) stream.write('\n');
    drawn = false;
  };
  return fn;
}

/** An informational line on stderr. */
export function note(message: string, quiet = false): void {
  if (!quiet) process.stderr.write(`${message}\n`);
}
