/**
 * Image sets uploaded as a zip: list the PNG/JPEG entries in natural name order ("img2" before "img10"),
 * which is the stimulus order unless a manifest says otherwise. Folders, macOS metadata and hidden files
 * are skipped; only image entries are inflated.
 */
import { unzipSync } from 'fflate';
import { UserFacingError } from '../types';

export interface ZipEntry {
  /** Path inside the zip. */
  name: string;
  bytes: Uint8Array;
}

const IMAGE_NAME = /\.(png|jpe?g)$/i;

function isImageEntry(name: string): boolean {
  const base = name.split('/').pop() ?? '';
  return IMAGE_NAME.test(name) && !name.startsWith('__MACOSX/') && !base.startsWith('.');
}

const naturalOrder = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural-order comparison of file names (numbers compared by value). */
export function compareNatural(a: string, b: string): number {
  return naturalOrder.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

export function listZipImages(zipBytes: Uint8Array): ZipEntry[] {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zipBytes, { filter: (f) => isImageEntry(f.name) });
  } catch {
    throw new UserFacingError('This file is not a readable zip archive.', 'Create the zip again; it may be truncated.');
  }
  const entries = Object.entries(files)
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => compareNatural(a.name, b.name));
  if (entries.length === 0) throw new UserFacingError('The zip archive contains no PNG or JPEG images.');
  return entries;
}
