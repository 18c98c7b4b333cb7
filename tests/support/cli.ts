/**
 * The `silico` CLI as tests run it: in-process (no start-up cost; stdout/stderr captured) or as the real bin in a
 * child process (exit codes, signals and environment exactly as a user's shell sees them).
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { resolve } from 'node:path';
import { vi } from 'vitest';
import { main } from '../../src/cli/main';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The bin users run (`bin/silico.mjs`). */
export const SILICO_BIN = resolve(import.meta.dirname, '../../bin/silico.mjs');

/** Runs `silico <args>` in this process, capturing what it writes. */
export async function silicoInProcess(args: string[]): Promise<CliResult & { code: number }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** Runs the real bin in a child process. */
export function silicoBin(args: string[], options: Omit<SpawnSyncOptions, 'encoding'> = {}): CliResult {
  const r = spawnSync(process.execPath, [SILICO_BIN, ...args], { timeout: 100_000, ...options, encoding: 'utf8' });
  return { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}
