/**
 * THE image decoder of the app, the CLI and every worker: libjpeg-turbo (mozjpeg's decoder) and libpng compiled
 * to WebAssembly (@jsquash/jpeg, @jsquash/png), so every path sees the pixels Python's PIL (and so Brain-Score)
 * sees. No DOM and no canvas: it runs in web workers and in Node alike. The format is detected from magic bytes,
 * not the file name, and the size the header declares is checked BEFORE decoding (a tiny file can declare a
 * gigapixel image).
 *
 * The codecs are WebAssembly, loaded once:
 * - Node (CLI, tests): the .wasm files are read with fs and compiled synchronously on first use, so
 *   decodeImage works right away.
 * - Browser and workers: call `await loadImageCodecs()` once (decodeImageAsync does it); the .wasm files are
 *   fetched from the URLs the packages give (`new URL('x.wasm', import.meta.url)`, which vite build turns into
 *   hashed assets).
 */
import mozjpegFactory from '@jsquash/jpeg/codec/dec/mozjpeg_dec.js';
import * as squooshPng from '@jsquash/png/codec/pkg/squoosh_png.js';
import { UserFacingError } from '../types';

/** 8-bit RGBA pixels, row-major, 4 bytes per pixel. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type ImageFormat = 'png' | 'jpeg';

/** Largest image we decode, in pixels (protects the worker's memory from huge or malicious files: 200 MB of RGBA). */
export const MAX_IMAGE_PIXELS = 50_000_000;

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

/** Width and height the file's header declares (PNG IHDR, JPEG SOFn); undefined when not found. */
export function declaredImageSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const format = detectImageFormat(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === 'png') {
    if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return undefined;
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (format === 'jpeg') {
    let i = 2;
    while (i + 9 < bytes.length) {
      if (bytes[i] !== 0xff) return undefined;
      const marker = bytes[i + 1];
      if (marker === 0xff) { i++; continue; }
      // SOF0-3, 5-7, 9-11, 13-15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: view.getUint16(i + 5), width: view.getUint16(i + 7) };
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { i += 2; continue; }
      i += 2 + view.getUint16(i + 2);
    }
  }
  return undefined;
}

interface JpegModule {
  decode(data: Uint8Array | ArrayBuffer, preserveOrientation: boolean): { width: number; height: number; data: Uint8ClampedArray } | null;
}
interface PngModule {
  decode(data: Uint8Array): { width: number; height: number; data: Uint8ClampedArray };
}
/** libjpeg's warnings ("Premature end of JPEG file") go nowhere: a failed decode is reported as a UserFacingError. */
const QUIET = { noInitialRun: true, print: () => {}, printErr: () => {} };
let jpegModule: JpegModule | undefined;
let pngModule: PngModule | undefined;
let loading: Promise<void> | undefined;

type NodeRequire = { resolve(id: string): string };
type NodeBuiltins = { fs: { readFileSync(path: string): Uint8Array }; module: { createRequire(from: string): NodeRequire } };

/** Node's built-ins when running under Node (process.getBuiltinModule, Node >= 20.16), else undefined. */
function nodeBuiltins(): NodeBuiltins | undefined {
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  if (!proc?.versions?.node || typeof proc.getBuiltinModule !== 'function') return undefined;
  return { fs: proc.getBuiltinModule('fs') as NodeBuiltins['fs'], module: proc.getBuiltinModule('module') as NodeBuiltins['module'] };
}

/** Under Node: reads and compiles both codecs synchronously. Returns false elsewhere. */
function loadCodecsSync(): boolean {
  if (jpegModule && pngModule) return true;
  const node = nodeBuiltins();
  if (!node) return false;
  const require = node.module.createRequire(import.meta.url);
  const wasm = (id: string) => new WebAssembly.Module(node.fs.readFileSync(require.resolve(id)) as Uint8Array<ArrayBuffer>);
  if (!jpegModule) {
    const compiled = wasm('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm');
    // With a synchronous instantiateWasm the Emscripten module is ready when the factory returns (its promise
    // resolves to the very object we pass in).
    const moduleArg: Record<string, unknown> = {
      ...QUIET,
      instantiateWasm: (imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance) => void) => {
        const instance = new WebAssembly.Instance(compiled, imports);
        done(instance);
        return instance.exports;
      },
    };
    void (mozjpegFactory as (arg: unknown) => Promise<unknown>)(moduleArg);
    if (typeof moduleArg.decode !== 'function') throw new Error('The JPEG decoder (libjpeg-turbo WebAssembly) did not initialise.');
    jpegModule = moduleArg as unknown as JpegModule;
  }
  if (!pngModule) {
    squooshPng.initSync(wasm('@jsquash/png/codec/pkg/squoosh_png_bg.wasm'));
    pngModule = squooshPng as unknown as PngModule;
  }
  return true;
}

/** Loads the WebAssembly codecs once (in browsers and workers: fetched; under Node: read from node_modules). */
export function loadImageCodecs(): Promise<void> {
  if (jpegModule && pngModule) return Promise.resolve();
  loading ??= (async () => {
    if (loadCodecsSync()) return;
    const [jpeg] = await Promise.all([
      (mozjpegFactory as (arg: unknown) => Promise<JpegModule>)({ ...QUIET }),
      (squooshPng.default as () => Promise<unknown>)(),
    ]);
    jpegModule = jpeg;
    pngModule = squooshPng as unknown as PngModule;
  })().catch((e: unknown) => {
    loading = undefined;
    throw new UserFacingError(
      'The image decoders (WebAssembly) could not be loaded.',
      `Reload the page; if you are offline, open the app once online first. (${e instanceof Error ? e.message : String(e)})`,
    );
  });
  return loading;
}

/** Refuses what we do not decode, and images whose header declares more than `maxPixels`, before decoding. */
function checkDecodable(bytes: Uint8Array, name: string, maxPixels: number): ImageFormat {
  const format = detectImageFormat(bytes);
  if (!format) {
    throw new UserFacingError(`"${name}" is ${describe(bytes)}; only PNG and JPEG images are supported.`, 'Convert the images to PNG or JPEG.');
  }
  const size = declaredImageSize(bytes);
  if (size && size.width * size.height > maxPixels) {
    throw new UserFacingError(
      `"${name}" declares ${size.width}×${size.height} pixels (${(size.width * size.height / 1e6).toFixed(0)} megapixels), more than the ${maxPixels / 1e6} megapixels we decode.`,
      'Resize the image first; stimuli are usually a few hundred pixels wide.',
    );
  }
  return format;
}

/**
 * Decodes PNG or JPEG bytes to 8-bit RGBA. Synchronous: under Node the codecs load on first use; in browsers and
 * workers `await loadImageCodecs()` first (or use decodeImageAsync).
 */
export function decodeImage(bytes: Uint8Array, name = 'image', maxPixels = MAX_IMAGE_PIXELS): RgbaImage {
  const format = checkDecodable(bytes, name, maxPixels);
  if (!loadCodecsSync() && !(jpegModule && pngModule)) {
    throw new Error('decodeImage: the WebAssembly image codecs are not loaded yet; await loadImageCodecs() first.');
  }
  let img: { width: number; height: number; data: Uint8ClampedArray } | null;
  try {
    img = format === 'jpeg' ? jpegModule!.decode(bytes, false) : pngModule!.decode(bytes);
  } catch (e) {
    img = null;
    if (e instanceof RangeError) throw new UserFacingError(`"${name}" is too large to decode here.`, e.message);
  }
  if (!img || img.width * img.height === 0 || img.data.length !== img.width * img.height * 4) {
    throw new UserFacingError(`"${name}" could not be decoded as ${format === 'png' ? 'PNG' : 'JPEG'}: the file is corrupt or truncated.`);
  }
  if (img.width * img.height > maxPixels) {
    throw new UserFacingError(`"${name}" has ${img.width}×${img.height} pixels, more than the ${maxPixels / 1e6} megapixels we decode.`);
  }
  return { width: img.width, height: img.height, data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength) };
}

/** decodeImage after making sure the codecs are loaded: the call for browser code and workers. */
export async function decodeImageAsync(bytes: Uint8Array, name = 'image', maxPixels = MAX_IMAGE_PIXELS): Promise<RgbaImage> {
  checkDecodable(bytes, name, maxPixels);
  await loadImageCodecs();
  return decodeImage(bytes, name, maxPixels);
}
