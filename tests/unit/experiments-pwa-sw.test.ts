/**
 * The service worker generated for a build: every built file is precached except source maps and sw.js,
 * under the app's base; the version changes exactly when a file's bytes change; the result is valid JS.
 */
import { describe, expect, test } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SW_TEMPLATE, serviceWorkerSource } from '../../tools/pwa/vite-pwa';

function fakeDist(): { dir: string; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'silico-sw-'));
  mkdirSync(join(dir, 'assets'));
  mkdirSync(join(dir, 'ort'));
  const files = ['index.html', 'assets/index-abc.js', 'assets/index-abc.js.map', 'assets/model.worker-x.js', 'ort/ort-wasm-simd-threaded.wasm', 'assets/ort-wasm-simd-threaded.jsep-MDYUKy93.wasm', 'sw.js'];
  for (const f of files) writeFileSync(join(dir, f), `content of ${f}`);
  return { dir, files };
}

function parse(src: string): { version: string; urls: string[] } {
  const version = /const VERSION = '([^']+)'/.exec(src)![1];
  const urls = JSON.parse(/const PRECACHE_URLS = (\[[\s\S]*?\]);/.exec(src)![1]) as string[];
  return { version, urls };
}

describe('generated service worker', () => {
  const template = readFileSync(SW_TEMPLATE, 'utf8');

  test('precache list, base path and a content-derived version', () => {
    const { dir, files } = fakeDist();
    const src = serviceWorkerSource(template, '/', dir, files);
    const { version, urls } = parse(src);
    // Vite's unused copy of the onnxruntime binary under assets/ is left out; the runtime loads from /ort/.
    expect(urls).toEqual(['/', '/assets/index-abc.js', '/assets/model.worker-x.js', '/index.html', '/ort/ort-wasm-simd-threaded.wasm']);
    expect(version).toMatch(/^[0-9a-f]{16}$/);
    expect(src).toContain("const BASE = '/'");
    expect(() => new Function(src)).not.toThrow(); // syntactically valid script

    // Same bytes → same version; one changed byte → new version; a change in a source map does not count.
    expect(parse(serviceWorkerSource(template, '/', dir, files)).version).toBe(version);
    writeFileSync(join(dir, 'assets/index-abc.js.map'), 'changed');
    expect(parse(serviceWorkerSource(template, '/', dir, files)).version).toBe(version);
    writeFileSync(join(dir, 'ort/ort-wasm-simd-threaded.wasm'), 'content of ort/ort-wasm-simd-threaded.wasX');
    expect(parse(serviceWorkerSource(template, '/', dir, files)).version).not.toBe(version);

    const sub = parse(serviceWorkerSource(template, '/silico/', dir, files));
    expect(sub.urls[0]).toBe('/silico/');
    expect(sub.urls).toContain('/silico/ort/ort-wasm-simd-threaded.wasm');
  });
});
