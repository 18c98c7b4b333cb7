/** Benchmark bundles built from ../shared as tests use them, and a bundle written out as a folder. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cogganBundle } from '../../src/core/data/loaders';
import { readFolder } from '../../src/cli/commands/pack';
import { sharedPath } from './shared';

/** The Coggan 2024 fMRI bundle packed from `../shared/data/vision/coggan2024-fmri`, as `silico report --data` packs it. */
export function sharedCogganBundle(): Map<string, Uint8Array> {
  return cogganBundle(readFolder(sharedPath('data/vision/coggan2024-fmri')));
}

/** Writes a bundle's files under `dir` (a temporary folder, never the repository); returns `dir`. */
export function writeBundleFolder(files: Map<string, Uint8Array>, dir: string): string {
  for (const [p, bytes] of files) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), bytes);
  }
  return dir;
}
