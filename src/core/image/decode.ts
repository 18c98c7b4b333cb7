/**
 * Decodes PNG and JPEG bytes to RGBA pixels in plain JS (jpeg-js, pngjs), so it runs in web workers
 * (no DOM, no OffscreenCanvas needed) and in Node alike. The format is detected from magic bytes, not
 * the file name. We use pngjs's self-contained browser build, which needs no Node built-ins.
 */
import jpeg from 'jpeg-js';
import pngjs from 'pngjs/browser.js';
import { UserFacingError } from '../types';

/** 8-bit RGBA pixels, row-major, 4 bytes per pixel. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type ImageFormat = 'png' | 'jpeg';

export function detectImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

function describe(bytes: Uint8Array): string {
  const head = String.fromCharCode(...bytes.subarray(0, 12));
  if (head.startsWith('GIF8')) return 'a GIF';
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP') return 'a WebP image';
  if (head.startsWith('BM')) return 'a BMP image';
  if (head.slice(4, 12).includes('ftyp')) return 'a HEIC/AVIF image';
  return 'not a PNG or JPEG image';
}

type PngBuffer = Parameters<typeof pngjs.PNG.sync.read>[0];
let pngBufferFrom: ((bytes: Uint8Array) => PngBuffer) | undefined;

/**
 * pngjs reads Node Buffers (readUInt32BE...). Its browser build carries a Buffer polyfill it does not
 * export; we borrow that class from a PNG it writes, so the same code runs without Node's Buffer.
 */
function toPngBuffer(bytes: Uint8Array): PngBuffer {
  if (!pngBufferFrom) {
    const probe = pngjs.PNG.sync.write(new pngjs.PNG({ width: 1, height: 1 }));
    const BufferClass = probe.constructor as unknown as { from(b: ArrayBufferLike, offset: number, length: number): PngBuffer };
    pngBufferFrom = (b) => BufferClass.from(b.buffer, b.byteOffset, b.byteLength);
  }
  return pngBufferFrom(bytes);
}

/** Largest image we decode, in pixels (protects the worker's memory from huge or malicious files). */
const MAX_PIXELS = 50_000_000;

export function decodeImage(bytes: Uint8Array, name = 'image'): RgbaImage {
  const format = detectImageFormat(bytes);
  if (!format) {
    throw new UserFacingError(`"${name}" is ${describe(bytes)}; only PNG and JPEG images are supported.`, 'Convert the images to PNG or JPEG.');
  }
  try {
    if (format === 'jpeg') {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
      return { width: img.width, height: img.height, data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength) };
    }
    const png = pngjs.PNG.sync.read(toPngBuffer(bytes));
    if (png.width * png.height > MAX_PIXELS) throw new Error('too large');
    return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  } catch (e) {
    throw new UserFacingError(
      `"${name}" could not be decoded as ${format === 'png' ? 'PNG' : 'JPEG'}: the file is corrupt, truncated or too large.`,
      e instanceof Error ? e.message : undefined,
    );
  }
}
