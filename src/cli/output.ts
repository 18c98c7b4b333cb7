/**
 * Where CLI commands write results. `--out` is checked before any work (so a typo does not cost a model run),
 * and every file is written to a temporary name beside its target and renamed when complete: a full disk or an
 * interrupted run leaves the old file (or nothing), never a truncated .npy/.csv.
 */
import * as fs from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserFacingError } from '../core/types';

/** What an `--out` names: one file (value FILE) or a folder that will hold several (value DIR). */
export type OutKind = 'file' | 'dir';

const REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  ENOENT: 'the folder does not exist',
};

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code ? `${REASONS[code] ?? (e as Error).message}${REASONS[code] ? ` (${code})` : ''}` : String((e as Error)?.message ?? e);
}

/** Throws unless a file can be created in `dir` (tries one: permission bits do not tell for root or read-only mounts). */
function assertWritableFolder(dir: string, option: string): void {
  const probe = join(dir, `.silico-write-test-${process.pid}-${Date.now()}`);
  try {
    fs.writeFileSync(probe, '');
  } catch (e) {
    throw new UserFacingError(`--${option}: cannot write in ${dir}: ${reason(e)}.`, 'Choose a folder you can write to.');
  } finally {
    fs.rmSync(probe, { force: true });
  }
}

function stat(path: string): fs.Stats | undefined {
  try {
    return fs.statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new UserFacingError(`--out ${path}: ${reason(e)}.`);
    throw e;
  }
}

/**
 * Checks an output path before any work: for a file, its folder must exist and be writable and the path must
 * not be a folder; for a folder, the path must not be a file, and it (or, when it does not exist yet, its
 * nearest existing parent, where it will be created) must be writable.
 */
export function checkOutputPath(path: string, kind: OutKind, option = 'out'): void {
  const full = resolve(path);
  const st = stat(full);
  if (kind === 'file') {
    if (st?.isDirectory()) throw new UserFacingError(`--${option} ${path} is a folder; give a file name (e.g. ${join(path, 'scores.csv')}).`);
    const dir = dirname(full);
    const dst = stat(dir);
    if (!dst) throw new UserFacingError(`--${option} ${path}: the folder ${dirname(path)} does not exist.`, 'Create it first, or write somewhere else.');
    if (!dst.isDirectory()) throw new UserFacingError(`--${option} ${path}: ${dirname(path)} is a file, not a folder.`);
    assertWritableFolder(dir, option);
    return;
  }
  if (st && !st.isDirectory()) throw new UserFacingError(`--${option} ${path} is a file; give a folder (it is created when missing).`);
  let existing = full;
  while (!stat(existing)) existing = dirname(existing);
  if (!fs.statSync(existing).isDirectory()) throw new UserFacingError(`--${option} ${path}: ${existing} is a file, not a folder.`);
  assertWritableFolder(existing, option);
}

/** Creates an output folder (and its parents) with a clear message when that fails. */
export function makeOutputFolder(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UserFacingError(`Cannot create the folder ${dir}: ${reason(e)}.`);
  }
}

/** The file-system calls writeOutputFile makes (tests substitute a full disk). */
export interface OutputFs {
  writeFileSync(path: string, data: string | Uint8Array): void;
  renameSync(from: string, to: string): void;
  rmSync(path: string, options: { force: boolean }): void;
}

/**
 * Writes `data` to `path` atomically: first to a hidden temporary file in the same folder, renamed over `path`
 * only once complete. On failure the temporary file is removed, `path` is untouched, and the error is a
 * UserFacingError that says why (e.g. "the disk is full (ENOSPC)").
 */
export function writeOutputFile(path: string, data: string | Uint8Array, io: OutputFs = fs): void {
  const tmp = join(dirname(path), `.${basename(path)}.partial-${process.pid}`);
  try {
    io.writeFileSync(tmp, data);
    io.renameSync(tmp, path);
  } catch (e) {
    try {
      io.rmSync(tmp, { force: true });
    } catch {
      // Nothing more to clean.
    }
    throw new UserFacingError(`Could not write ${path}: ${reason(e)}. Nothing was left half-written.`);
  }
}
