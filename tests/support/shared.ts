import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** Where ../shared lives (real data and models, read in place, never committed). */
export const SHARED = resolve(process.env.SILICO_SHARED ?? resolve(import.meta.dirname, '../../../shared'));

export const hasShared = existsSync(resolve(SHARED, 'README.md'));

export function sharedPath(...parts: string[]): string {
  return resolve(SHARED, ...parts);
}

/** Message for tests skipped when ../shared is missing (it is always present on CI). */
export const NO_SHARED = `../shared not found at ${SHARED}: set SILICO_SHARED to the shared data folder`;
