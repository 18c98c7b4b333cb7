import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { sharedPath } from './shared';
import { DATASETS, type DatasetFile } from '../../src/core/catalog/datasets';

/**
 * Test server on 127.0.0.1 (random port):
 * - serves the built app (dist/) with COOP/COEP so the page is cross-origin isolated, SPA fallback to index.html;
 * - mimics the Hugging Face hub layout `/{org}/{repo}/resolve/main/{file}` backed by files in shared/models;
 * - `/truncated/{org}/{repo}/resolve/main/{file}` announces the full Content-Length but sends only half the bytes;
 * - `/corrupt/...` sends the right length of bytes that are not an ONNX model.
 * - a dataset mirror: every file of the dataset catalog (src/core/catalog/datasets.ts) that has a copy in
 *   ../shared, under its real host's path (GitHub raw `<owner>/<repo>/<commit>/<path>`, S3
 *   `brainio-brainscore/<file>`, hub `<repo>/resolve/main/<file>`); the app/catalog take `mirror = url`.
 *   Tests add files with `addMirrorFile(path, bytes | absolute file)`. Fault modes under `/_fault/<mode>/`:
 *   `404`, `close` (promise the whole file, send half, drop the connection), `truncate` (a shorter file with
 *   a matching Content-Length), `corrupt` (right length, flipped bytes).
 */

// SILICO_DIST: test another build folder (e.g. two builds side by side).
export const DIST = resolve(import.meta.dirname, '../..', process.env.SILICO_DIST ?? 'dist');

/** Hub files: `{org}/{repo}/{file}` → path in shared/. */
export const HUB_FILES: Record<string, string> = {
  // The app's real catalog paths (src/core/catalog/models.ts), served from the local copies.
  'onnxmodelzoo/legacy_models/validated/vision/classification/mobilenet/model/mobilenetv2-12.onnx': sharedPath('models/mobilenetv2-12-fp32.onnx'),
  'Xenova/gpt2/tokenizer.json': sharedPath('models/gpt2-tokenizer/tokenizer.json'),
  // Test-only repositories.
  'silico-test/mobilenetv2/model.onnx': sharedPath('models/mobilenetv2-12-fp32.onnx'),
  'silico-test/mobilenetv2-int8/model.onnx': sharedPath('models/mobilenetv2-12-int8.onnx'),
  'silico-test/mnist/model.onnx': sharedPath('models/wonnx-opt-mnist.onnx'),
  'silico-test/tiny-random-gpt2/model.onnx': sharedPath('models/tiny-random-gpt2-fp32/past.onnx'),
  'silico-test/tiny-random-gpt2/tokenizer.json': sharedPath('models/gpt2-tokenizer/tokenizer.json'),
  'silico-test/tiny-random-llama/model.onnx': sharedPath('models/tiny-random-llama-fp16/model.onnx'),
  'silico-test/tiny-random-llama/model.onnx.data': sharedPath('models/tiny-random-llama-fp16/model.onnx.data'),
};

/** Where ../shared holds a copy of a catalog file (the shared folders use their own file names). */
function sharedCopy(file: DatasetFile): string | undefined {
  const p = file.path;
  let m: RegExpExecArray | null;
  if ((m = /V4_compact_models\/[0-9a-f]+\/data_V4_responses\/images\/(images_\d+\.zip)$/.exec(p))) return sharedPath('data/vision/cowley2023-v4', m[1]);
  if ((m = /V4_compact_models\/[0-9a-f]+\/data_V4_responses\/responses_repeat_averaged\/responses_(\d+)\.npy$/.exec(p))) return sharedPath('data/vision/cowley2023-v4', `responses_avg_${m[1]}.npy`);
  if ((m = /V4_compact_models\/[0-9a-f]+\/data_V4_responses\/responses_raw\/responses_(\d+)\.npy$/.exec(p))) return sharedPath('data/vision/cowley2023-v4', `responses_raw_${m[1]}.npy`);
  if ((m = /^VPNL\/fLoc\/[0-9a-f]+\/stimuli\/(.+\.jpg)$/.exec(p))) return sharedPath('data/vision/floc', m[1]);
  // The shared copy holds only the baseline (cond B) rows of this table; the packer keeps cond B either way.
  if (p.endsWith('/control/tuckute_averaged.csv')) return sharedPath('data/language/tuckute2024/baseline_responses.csv');
  if (p.endsWith('/pereira/pereira_averaged.csv')) return sharedPath('data/language/pereira2018/pereira_averaged.csv');
  if ((m = /fedorenko2010_localization\/(langloc_fmri_.+\.csv)$/.exec(p))) return sharedPath('data/language/fedorenko2010-localizer', m[1]);
  return undefined;
}

/** Catalog path → shared file, for every catalog file with a local copy. */
export const MIRROR_FILES: Map<string, string> = new Map(
  DATASETS.flatMap((d) => d.files).flatMap((f) => {
    const source = sharedCopy(f);
    return source && existsSync(source) ? [[f.path, source] as [string, string]] : [];
  }),
);

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.onnx': 'application/octet-stream',
};

export interface ServerOptions {
  /** Bytes per second for hub downloads (0 = unthrottled). */
  throttleBytesPerSec?: number;
  /** Folder with the built app; default dist/. */
  distDir?: string;
}

export interface TestServer {
  url: string;
  /** Base to give the dataset catalog as `mirror` (serves every host's layout). */
  mirror: string;
  /** Serve extra bytes (or a file) at a mirror path, e.g. "brainio-brainscore/assy_test.nc". */
  addMirrorFile(path: string, source: Uint8Array | string): void;
  /** Mirror requests seen, in order (path only). */
  mirrorRequests: string[];
  /** Base to give the app as `hubBase`. */
  hubBase: string;
  /** Hub requests seen, in order (path only). */
  hubRequests: string[];
  setThrottle(bytesPerSec: number): void;
  close(): Promise<void>;
}

function isolationHeaders(res: ServerResponse): void {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', 'Content-Length, ETag');
}

async function sendThrottled(res: ServerResponse, data: Buffer, bytesPerSec: number): Promise<void> {
  const chunk = Math.max(1024, Math.floor(bytesPerSec / 20));
  for (let i = 0; i < data.length; i += chunk) {
    if (res.destroyed) return;
    res.write(data.subarray(i, i + chunk));
    await new Promise((r) => setTimeout(r, 50));
  }
  res.end();
}

export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const dist = options.distDir ?? DIST;
  let throttle = options.throttleBytesPerSec ?? 0;
  const hubRequests: string[] = [];
  const mirrorRequests: string[] = [];
  const extraMirror = new Map<string, Uint8Array | string>();

  const handleMirror = (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    const m = /^\/(?:_fault\/(404|close|truncate|corrupt)\/)?(.+)$/.exec(path);
    if (!m) return false;
    const [, fault, rel] = m;
    const source = extraMirror.get(rel) ?? MIRROR_FILES.get(rel);
    if (source === undefined) return false;
    mirrorRequests.push(path);
    if (fault === '404') {
      res.statusCode = 404;
      res.end('<?xml version="1.0"?><Error><Code>NoSuchKey</Code></Error>');
      return true;
    }
    const data = typeof source === 'string' ? readFileSync(source) : Buffer.from(source);
    res.setHeader('Content-Type', 'application/octet-stream');
    if (fault === 'close') {
      res.setHeader('Content-Length', String(data.length));
      res.flushHeaders();
      res.write(data.subarray(0, Math.floor(data.length / 2)), () => setTimeout(() => res.destroy(), 20));
      return true;
    }
    let body = data;
    if (fault === 'truncate') body = data.subarray(0, Math.floor(data.length * 0.6));
    if (fault === 'corrupt') {
      body = Buffer.from(data);
      for (let i = 0; i < body.length; i += 97) body[i] ^= 0x5a;
    }
    res.setHeader('Content-Length', String(body.length));
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    if (throttle > 0) void sendThrottled(res, body, throttle);
    else res.end(body);
    return true;
  };

  const handleHub = (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    const m = /^\/(truncated\/|corrupt\/)?([^/]+)\/([^/]+)\/resolve\/main\/(.+)$/.exec(path);
    if (!m) return false;
    hubRequests.push(path);
    const [, mode, org, repo, file] = m;
    const source = HUB_FILES[`${org}/${repo}/${file}`];
    if (!source || !existsSync(source)) {
      res.statusCode = 404;
      res.end('Entry not found');
      return true;
    }
    const size = statSync(source).size;
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', String(size));
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    const data = readFileSync(source);
    if (mode === 'truncated/') {
      // Promise the whole file, send half, then drop the connection: what a broken download looks like.
      res.flushHeaders();
      res.write(data.subarray(0, Math.floor(size / 2)), () => setTimeout(() => res.destroy(), 20));
      return true;
    }
    const body = mode === 'corrupt/' ? Buffer.alloc(size, 0x41) : data;
    if (throttle > 0) void sendThrottled(res, body, throttle);
    else res.end(body);
    return true;
  };

  const server: Server = createServer((req, res) => {
    isolationHeaders(res);
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Headers', '*');
      res.statusCode = 204;
      res.end();
      return;
    }
    if (handleHub(req, res, path)) return;
    if (handleMirror(req, res, path)) return;
    let file = normalize(join(dist, path));
    if (!file.startsWith(dist)) {
      res.statusCode = 403;
      res.end();
      return;
    }
    if (!existsSync(file) || statSync(file).isDirectory()) {
      // SPA fallback for app routes; real missing assets (with an extension) are 404s.
      if (extname(path)) {
        res.statusCode = 404;
        res.end('not found');
        return;
      }
      file = join(dist, 'index.html');
    }
    res.setHeader('Content-Type', MIME[extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(statSync(file).size));
    createReadStream(file).pipe(res);
  });

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    hubBase: url,
    hubRequests,
    mirror: url,
    mirrorRequests,
    addMirrorFile: (path, source) => {
      extraMirror.set(path.replace(/^\/+/, ''), source);
    },
    setThrottle: (b) => {
      throttle = b;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
