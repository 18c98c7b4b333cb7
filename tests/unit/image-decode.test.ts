/**
 * The one image decoder (libjpeg-turbo / libpng in WebAssembly) against PIL (Debian python3-pil, libjpeg-turbo):
 * every pixel of the shared Cowley V4 JPEGs and fLoc JPEGs within 1 grey level; oversized images refused from
 * their header, before any decoding.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { declaredImageSize, decodeImage, decodeImageAsync, listZipImages } from '../../src/core/image';
import { UserFacingError } from '../../src/core/types';
import { hasPythonModules, runPythonScript } from '../support/python';
import { hasShared, sharedPath } from '../support/shared';

/** PIL's RGB pixels of every file in `paths` (zip members as "zip::member"), concatenated, written to `out`. */
const PIL_DUMP = `
import sys, zipfile, io, numpy as np
from PIL import Image
paths, out = sys.argv[1].split('\\n'), sys.argv[2]
zips = {}
with open(out, 'wb') as f:
    for p in paths:
        if '::' in p:
            z, m = p.split('::', 1)
            zips.setdefault(z, zipfile.ZipFile(z))
            im = Image.open(io.BytesIO(zips[z].read(m)))
        else:
            im = Image.open(p)
        f.write(np.asarray(im.convert('RGB'), dtype=np.uint8).tobytes())
`;
import { describeIf } from '../support/ci';

function compareWithPil(files: { key: string; bytes: Uint8Array }[]): { maxDiff: number; meanDiff: number; differing: number; pixels: number } {
  const dir = mkdtempSync(join(tmpdir(), 'silico-pil-'));
  runPythonScript(PIL_DUMP, { args: [files.map((f) => f.key).join('\n'), join(dir, 'ref.bin')] });
  const ref = readFileSync(join(dir, 'ref.bin'));
  let offset = 0, maxDiff = 0, sum = 0, differing = 0, pixels = 0;
  for (const f of files) {
    const img = decodeImage(f.bytes, f.key);
    for (let i = 0; i < img.width * img.height; i++) {
      for (let c = 0; c < 3; c++) {
        const d = Math.abs(img.data[i * 4 + c] - ref[offset + i * 3 + c]);
        if (d > maxDiff) maxDiff = d;
        sum += d;
        if (d) differing++;
      }
    }
    offset += img.width * img.height * 3;
    pixels += img.width * img.height;
  }
  expect(offset).toBe(ref.length); // same sizes throughout
  return { maxDiff, meanDiff: sum / (pixels * 3), differing, pixels };
}

describeIf(hasShared && hasPythonModules('PIL', 'numpy'), 'pixels equal PIL\'s', () => {
  test('Cowley V4 JPEGs: one whole session and every 10th image of the other nine', () => {
    const dir = sharedPath('data/vision/cowley2023-v4');
    const files: { key: string; bytes: Uint8Array }[] = [];
    for (const zip of readdirSync(dir).filter((f) => f.startsWith('images_')).sort()) {
      const entries = listZipImages(readFileSync(join(dir, zip)));
      entries.forEach((e, i) => (zip === 'images_210325.zip' || i % 10 === 0) && files.push({ key: `${join(dir, zip)}::${e.name}`, bytes: e.bytes }));
    }
    const r = compareWithPil(files);
    console.log(`Cowley: ${files.length} JPEGs, ${r.pixels} pixels: max |ours - PIL| ${r.maxDiff}, mean ${r.meanDiff.toExponential(2)}, ${r.differing} channel values differ`);
    expect(files.length).toBeGreaterThan(1500);
    expect(r.maxDiff).toBeLessThanOrEqual(1);
  }, 120_000);

  test('fLoc JPEGs (grayscale): every 6th image of each category', () => {
    const dir = sharedPath('data/vision/floc');
    const files = readdirSync(dir).sort().flatMap((cat) =>
      readdirSync(join(dir, cat)).sort().filter((_, i) => i % 6 === 0).map((f) => ({ key: join(dir, cat, f), bytes: new Uint8Array(readFileSync(join(dir, cat, f))) })),
    );
    const r = compareWithPil(files);
    console.log(`fLoc: ${files.length} JPEGs: max |ours - PIL| ${r.maxDiff}, mean ${r.meanDiff.toExponential(2)}, ${r.differing} channel values differ`);
    expect(files.length).toBeGreaterThan(200);
    expect(r.maxDiff).toBeLessThanOrEqual(1);
  }, 120_000);
});

/** A PNG signature and an IHDR chunk declaring w×h (no image data). */
function pngHeader(w: number, h: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const v = new DataView(b.buffer);
  v.setUint32(16, w);
  v.setUint32(20, h);
  b.set([8, 2, 0, 0, 0], 24);
  return b;
}

describe('oversized images are refused before decoding', () => {
  test('a PNG declaring 25000×25000 fails fast with a clear message', async () => {
    const bytes = pngHeader(25000, 25000);
    expect(declaredImageSize(bytes)).toEqual({ width: 25000, height: 25000 });
    const t0 = performance.now();
    expect(() => decodeImage(bytes, 'huge.png')).toThrow(UserFacingError);
    expect(() => decodeImage(bytes, 'huge.png')).toThrow(/"huge.png" declares 25000×25000 pixels \(625 megapixels\), more than the 50 megapixels/);
    await expect(decodeImageAsync(bytes, 'huge.png')).rejects.toThrow(/declares 25000×25000/);
    expect(performance.now() - t0).toBeLessThan(100);
  });

  test.skipIf(!hasShared)('a JPEG whose frame header declares 60000×60000 (the real file patched)', () => {
    const bytes = new Uint8Array(readFileSync(sharedPath('models/test-images/imagenet_finch.jpeg')));
    expect(declaredImageSize(bytes)).toEqual({ width: 500, height: 416 });
    let sof = 2;
    while (!(bytes[sof] === 0xff && bytes[sof + 1] >= 0xc0 && bytes[sof + 1] <= 0xc2)) sof += 2 + ((bytes[sof + 2] << 8) | bytes[sof + 3]);
    const v = new DataView(bytes.buffer, bytes.byteOffset);
    v.setUint16(sof + 5, 60000);
    v.setUint16(sof + 7, 60000);
    expect(() => decodeImage(bytes, 'big.jpg')).toThrow(/"big.jpg" declares 60000×60000 pixels/);
    // A caller's own, lower limit applies too.
    expect(() => decodeImage(new Uint8Array(readFileSync(sharedPath('models/test-images/imagenet_finch.jpeg'))), 'f.jpg', 100_000)).toThrow(/more than the 0.1 megapixels/);
  });

  test('a real small PNG still decodes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'silico-png-'));
    runPythonScript(`import sys\nfrom PIL import Image\nImage.new('RGB', (3, 2), (10, 20, 30)).save(sys.argv[1])`, { args: [join(dir, 'a.png')] });
    const img = decodeImage(readFileSync(join(dir, 'a.png')));
    expect([img.width, img.height, ...img.data.subarray(0, 4)]).toEqual([3, 2, 10, 20, 30, 255]);
    writeFileSync(join(dir, 'b.png'), readFileSync(join(dir, 'a.png')).subarray(0, 40));
    expect(() => decodeImage(readFileSync(join(dir, 'b.png')), 'b.png')).toThrow(/"b.png" could not be decoded as PNG/);
  });
});
