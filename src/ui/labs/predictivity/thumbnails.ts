/**
 * Small PNG data URLs of a benchmark's stimuli, for the RDM axes (data URLs, so an exported SVG keeps
 * them). Decoded by the browser; only for small stimulus sets (one thumbnail per matrix row).
 */

/** Most stimuli an RDM axis shows as images (beyond it a cell is too small to see one). */
export const MAX_THUMBNAILS = 48;

const cache = new WeakMap<Uint8Array[], Promise<string[] | undefined>>();

export function stimulusThumbnails(images: Uint8Array[] | undefined, px = 32): Promise<string[] | undefined> {
  if (!images?.length || images.length > MAX_THUMBNAILS || typeof document === 'undefined') return Promise.resolve(undefined);
  let p = cache.get(images);
  if (!p) {
    p = Promise.all(images.map((bytes) => thumbnail(bytes, px))).catch(() => undefined);
    cache.set(images, p);
  }
  return p;
}

async function thumbnail(bytes: Uint8Array, px: number): Promise<string> {
  const bitmap = await createImageBitmap(new Blob([bytes.slice().buffer as ArrayBuffer]));
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = px;
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, px, px);
  bitmap.close();
  return canvas.toDataURL('image/png');
}
