/** The fLoc localizer images as a labelled stimulus list (faces vs non-faces), from downloaded files. */
import { FLOC_FACE_CATEGORIES } from '../../catalog/datasets';
import { UserFacingError } from '../../types';

export interface FlocImage {
  /** "adult/adult-1.jpg" */
  name: string;
  category: string;
  face: boolean;
  bytes: Uint8Array;
}

const FACES = new Set<string>(FLOC_FACE_CATEGORIES);

/** Files named "<category>/<category>-<n>.jpg" (as fetchDataset returns them), in category then number order. */
export function flocImages(files: Map<string, Uint8Array>): FlocImage[] {
  const out: FlocImage[] = [];
  for (const [name, bytes] of files) {
    const m = /^([a-z]+)\/\1-(\d+)\.jpe?g$/i.exec(name);
    if (!m) continue;
    out.push({ name, category: m[1], face: FACES.has(m[1]), bytes });
  }
  if (!out.length) throw new UserFacingError('No fLoc images (<category>/<category>-<n>.jpg) among the files.');
  const num = (n: string) => Number(/-(\d+)\./.exec(n)![1]);
  return out.sort((a, b) => a.category.localeCompare(b.category) || num(a.name) - num(b.name));
}
