import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { sharedPath } from './shared';

/**
 * Test server on 127.0.0.1 (random port):
 * - serves the built app (dist/) with COOP/COEP so the page is cross-origin isolated, SPA fallback to index.html;
 * - mimics the Hugging Face hub layout `/{org}/{repo}/resolve/main/{file}` backed by files in shared/models;
 * - `/truncated/{org}/{repo}/resolve/main/{file}` announces the full Content-Length but sends only half the bytes;
 * - `/corrupt/...` sends the right length of bytes that are not an ONNX model.
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
