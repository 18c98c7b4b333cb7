import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { prerequisite } from './ci';

/** Where ../shared lives (real data and models, read in place, never committed). */
export const SHARED = resolve(process.env.SILICO_SHARED ?? resolve(import.meta.dirname, '../../../shared'));

/** Message for tests skipped when ../shared is missing (under CI a missing ../shared fails instead). */
export const NO_SHARED = `../shared not found at ${SHARED}: set SILICO_SHARED to the shared data folder`;

/**
 * True when ../shared is there. Outside CI false means "skip"; under CI (CI=true) a missing ../shared throws
 * when this module is imported, so every test that reads real data fails loudly instead of skipping.
 */
export const hasShared = prerequisite('Real data (../shared)', existsSync(resolve(SHARED, 'README.md')) ? null : `${SHARED}/README.md not found`, 'Set SILICO_SHARED to the shared data folder.');

export function sharedPath(...parts: string[]): string {
  return resolve(SHARED, ...parts);
}

/**
 * True when every listed file or folder (relative to ../shared) exists: for `describe.skipIf(!hasSharedFiles(...))`.
 * Outside CI a missing one skips (with a warning); under CI it throws (the test file fails).
 */
export function hasSharedFiles(...paths: string[]): boolean {
  if (!hasShared) return false;
  const missing = paths.filter((p) => !existsSync(sharedPath(p)));
  return prerequisite('Dataset files in ../shared', missing.length ? `missing ${missing.join(', ')} under ${SHARED}` : null, 'Restore the shared data folder.');
}
