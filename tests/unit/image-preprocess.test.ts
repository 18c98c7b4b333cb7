import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, test } from 'vitest';
import {
  batchToTensor, decodeImage, detectImageFormat, imagenetSpec, listZipImages, preprocessImage, type PreprocessSpec,
} from '../../src/core/image';
import { UserFacingError } from '../../src/core/types';
import { hasPythonModules, runPythonScript } from '../support/python';
import { hasShared, sharedPath } from '../support/shared';

/** Runs Python (Debian's, with numpy/scipy/PIL) as the independent reference, through the one guard. */
function python(code: string, args: string[], modules: string[]): string {
  return runPythonScript(code, { args, modules });
}

function constantImage(w: number, h: number, rgb: [number, number, number]): Uint8Array {
  const d = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) d.set([...rgb, 255], i * 4);
  return d;
}

describe('preprocessImage', () => {
  test('constant image gives exactly (c/255 - mean) / std per channel, CHW', () => {
    const out = preprocessImage(constantImage(300, 200, [10, 128, 250]), 300, 200, imagenetSpec);
    expect(out.length).toBe(3 * 224 * 224);
    const rgb = [10, 128, 250];
    for (let c = 0; c < 3; c++) {
      const expected = Math.fround((rgb[c] / 255 - imagenetSpec.mean[c]) / imagenetSpec.std[c]);
      const plane = out.subarray(c * 224 * 224, (c + 1) * 224 * 224);
      expect(Math.min(...plane)).toBeCloseTo(expected, 6);
      expect(Math.max(...plane)).toBeCloseTo(expected, 6);
    }
  });

  test('gray: BT.601 luma, one channel', () => {
    const spec: PreprocessSpec = { size: [8, 8], resize: 'exact', crop: 'none', channels: 'gray', scale: 1 / 255, mean: [0], std: [1], layout: 'nchw' };
    const out = preprocessImage(constantImage(16, 16, [255, 0, 0]), 16, 16, spec);
    expect(out.length).toBe(64);
    expect(out[0]).toBeCloseTo(0.299, 6);
    const gray3 = preprocessImage(constantImage(16, 16, [0, 0, 255]), 16, 16, { ...spec, channels: 'gray3' });
    expect(gray3.length).toBe(192);
    expect(gray3[150]).toBeCloseTo(0.114, 6);
  });

  test.skipIf(!hasPythonModules('numpy', 'scipy'))('bilinear resize + center crop match scipy map_coordinates (half-pixel centers)', () => {
    // A non-separable pattern on an odd-sized, non-square image, resized up on one axis and down on the other.
    const w = 37, h = 23;
    const rgba = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      rgba[i] = (x * 7 + y * 3) % 256;
      rgba[i + 1] = (x * y) % 256;
      rgba[i + 2] = Math.round(127 + 120 * Math.sin(x * 0.5) * Math.cos(y * 0.3));
      rgba[i + 3] = 255;
    }
    const spec: PreprocessSpec = { size: [20, 16], resize: 'shorter-side', resizeTo: 30, crop: 'center', channels: 'rgb', scale: 1, mean: [0], std: [1], layout: 'nchw' };
    const ours = preprocessImage(rgba, w, h, spec);
    const dir = mkdtempSync(join(tmpdir(), 'silico-img-'));
    writeFileSync(join(dir, 'img.bin'), rgba);
    const ref = python(
      `
import sys, json, numpy as np
from scipy.ndimage import map_coordinates
w, h = ${w}, ${h}
img = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(h, w, 4)[:, :, :3].astype(np.float64)
short = 30
nh, nw = (short, int(short * w / h)) if h <= w else (int(short * h / w), short)   # torchvision Resize(int)
top, left = int(round((nh - 20) / 2.0)), int(round((nw - 16) / 2.0))          # torchvision CenterCrop
ys = (np.arange(20) + top + 0.5) * (h / nh) - 0.5
xs = (np.arange(16) + left + 0.5) * (w / nw) - 0.5
yy, xx = np.meshgrid(np.clip(ys, 0, h - 1), np.clip(xs, 0, w - 1), indexing='ij')
out = np.stack([map_coordinates(img[:, :, c], [yy, xx], order=1, mode='nearest') for c in range(3)])
print(json.dumps(out.ravel().tolist()))
`,
      [join(dir, 'img.bin')],
      ['scipy'],
    );
    const expected = JSON.parse(ref) as number[];
    expect(ours.length).toBe(expected.length);
    let maxDiff = 0;
    for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - expected[i]));
    expect(maxDiff).toBeLessThan(1e-3);
  });

  test('bad specs and inputs give UserFacingErrors', () => {
    const img = constantImage(4, 4, [1, 2, 3]);
    expect(() => preprocessImage(img, 4, 4, { ...imagenetSpec, mean: [0, 0] })).toThrow(UserFacingError);
    expect(() => preprocessImage(img, 4, 4, { ...imagenetSpec, resizeTo: 100 })).toThrow(/smaller than the crop/);
    expect(() => preprocessImage(img, 5, 5, imagenetSpec)).toThrow(/does not match its size/);
  });

  test('batchToTensor stacks NCHW', () => {
    const spec: PreprocessSpec = { ...imagenetSpec, size: [2, 2], resizeTo: 2 };
    const a = preprocessImage(constantImage(2, 2, [0, 0, 0]), 2, 2, spec);
    const b = preprocessImage(constantImage(2, 2, [255, 255, 255]), 2, 2, spec);
    const t = batchToTensor([a, b], spec);
    expect(t.dims).toEqual([2, 3, 2, 2]);
    expect(t.data[12]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(() => batchToTensor([a, new Float32Array(3)], spec)).toThrow(UserFacingError);
  });
});

describe('decodeImage', () => {
  test.skipIf(!hasPythonModules('numpy', 'PIL'))('PNG written by PIL decodes to the same pixels (RGB and gray)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'silico-png-'));
    python(
      `
import sys, numpy as np
from PIL import Image
rng = np.random.default_rng(0)
a = rng.integers(0, 256, (13, 17, 3), dtype=np.uint8)
Image.fromarray(a).save(sys.argv[1] + '/rgb.png'); a.tofile(sys.argv[1] + '/rgb.bin')
g = rng.integers(0, 256, (5, 6), dtype=np.uint8)
Image.fromarray(g).save(sys.argv[1] + '/gray.png'); g.tofile(sys.argv[1] + '/gray.bin')
`,
      [dir],
      ['PIL'],
    );
    const rgb = decodeImage(readFileSync(join(dir, 'rgb.png')));
    const rgbRef = readFileSync(join(dir, 'rgb.bin'));
    expect([rgb.width, rgb.height]).toEqual([17, 13]);
    for (let i = 0; i < 17 * 13; i++) expect([...rgb.data.subarray(i * 4, i * 4 + 3)]).toEqual([...rgbRef.subarray(i * 3, i * 3 + 3)]);
    const gray = decodeImage(readFileSync(join(dir, 'gray.png')));
    const grayRef = readFileSync(join(dir, 'gray.bin'));
    for (let i = 0; i < 30; i++) expect([gray.data[i * 4], gray.data[i * 4 + 1], gray.data[i * 4 + 3]]).toEqual([grayRef[i], grayRef[i], 255]);
  });

  test.skipIf(!hasShared || !hasPythonModules('numpy', 'PIL'))('JPEG decodes to PIL\'s pixels (libjpeg)', () => {
    const path = sharedPath('models/test-images/imagenet_finch.jpeg');
    const img = decodeImage(readFileSync(path));
    const dir = mkdtempSync(join(tmpdir(), 'silico-jpg-'));
    const dims = python(
      `
import sys, numpy as np
from PIL import Image
im = Image.open(sys.argv[1]).convert('RGB')
np.asarray(im).tofile(sys.argv[2])
print(im.width, im.height)
`,
      [path, join(dir, 'ref.bin')],
      ['PIL'],
    ).trim().split(' ').map(Number);
    expect([img.width, img.height]).toEqual(dims);
    const ref = readFileSync(join(dir, 'ref.bin'));
    let sum = 0;
    for (let i = 0; i < img.width * img.height; i++) for (let c = 0; c < 3; c++) sum += Math.abs(img.data[i * 4 + c] - ref[i * 3 + c]);
    const meanAbs = sum / (img.width * img.height * 3);
    console.log(`finch ${img.width}x${img.height}: mean |ours - PIL| = ${meanAbs.toFixed(3)} levels`);
    expect(meanAbs).toBe(0);
  });

  test('unsupported and corrupt files give clear errors', () => {
    expect(detectImageFormat(new TextEncoder().encode('GIF89a.....'))).toBeUndefined();
    expect(() => decodeImage(new TextEncoder().encode('GIF89a.......'), 'a.gif')).toThrow(/"a.gif" is a GIF; only PNG and JPEG/);
    const brokenPng = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5]);
    expect(() => decodeImage(brokenPng, 'x.png')).toThrow(/could not be decoded as PNG/);
    const brokenJpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3]);
    expect(() => decodeImage(brokenJpeg, 'x.jpg')).toThrow(/could not be decoded as JPEG/);
  });
});

describe('listZipImages', () => {
  test('keeps PNG/JPEG entries in natural order, skips folders, metadata and other files', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const zip = zipSync({
      'set/img10.png': png,
      'set/img2.png': png,
      'set/img1.JPG': new Uint8Array([0xff, 0xd8, 0xff]),
      'set/.hidden.png': png,
      '__MACOSX/set/._img2.png': png,
      'set/notes.txt': new TextEncoder().encode('hi'),
    });
    expect(listZipImages(zip).map((e) => e.name)).toEqual(['set/img1.JPG', 'set/img2.png', 'set/img10.png']);
    expect(() => listZipImages(new Uint8Array([1, 2, 3, 4]))).toThrow(/not a readable zip/);
    expect(() => listZipImages(zipSync({ 'a.txt': new Uint8Array([1]) }))).toThrow(/no PNG or JPEG/);
  });
});
