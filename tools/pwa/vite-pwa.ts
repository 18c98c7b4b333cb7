import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';

/**
 * Offline support for production builds:
 * - writes dist/sw.js from tools/pwa/sw.js with the list of every built file and public file to precache
 *   (the app shell, worker chunks, /ort/ WASM) and a version derived from their contents;
 * - adds the web app manifest link and theme colour to index.html.
 * The service worker is registered by src/ui/pwa.ts, in production builds only.
 */
export const SW_TEMPLATE = resolve(import.meta.dirname, 'sw.js');
export const THEME_COLOUR = '#0550ae';

/**
 * Files never precached: source maps, the service worker itself, and the copies of onnxruntime-web's WASM binaries
 * that Vite emits under assets/ because the package names them with `new URL(…, import.meta.url)`. The workers
 * load the runtime from /ort/ (ort.env.wasm.wasmPaths), so those copies are never fetched, and precaching them
 * would put 14–28 MB per copy into every offline install.
 */
function precacheable(path: string): boolean {
  return !path.endsWith('.map') && path !== 'sw.js' && !path.startsWith('.') && !/^assets\/ort-wasm[^/]*\.wasm$/.test(path);
}

function listFiles(dir: string, root = dir): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out = out.concat(listFiles(full, root));
    else out.push(relative(root, full).split(sep).join('/'));
  }
  return out;
}

/** The service worker source for a build: template with base, file list and version filled in. */
export function serviceWorkerSource(template: string, base: string, outDir: string, files: string[]): string {
  const urls = files.filter(precacheable).sort().map((f) => `${base}${f}`);
  const hash = createHash('sha256');
  for (const f of files.filter(precacheable).sort()) hash.update(f).update(readFileSync(join(outDir, f)));
  const version = hash.digest('hex').slice(0, 16);
  return template
    .replace('__SILICO_VERSION__', version)
    .replace('__SILICO_BASE__', base)
    .replace('/* __SILICO_PRECACHE__ */ []', JSON.stringify([base, ...urls], null, 1));
}

export function pwa(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'silico-pwa',
    apply: 'build',
    configResolved(c) {
      config = c;
    },
    transformIndexHtml() {
      return [
        { tag: 'link', attrs: { rel: 'manifest', href: `${config.base}manifest.webmanifest` }, injectTo: 'head' },
        { tag: 'meta', attrs: { name: 'theme-color', content: THEME_COLOUR }, injectTo: 'head' },
        { tag: 'link', attrs: { rel: 'apple-touch-icon', href: `${config.base}icons/icon-192.png` }, injectTo: 'head' },
      ];
    },
    // After everything (bundle and public/) is on disk, list it and write sw.js.
    writeBundle: {
      sequential: true,
      order: 'post',
      handler() {
        const outDir = resolve(config.root, config.build.outDir);
        const files = listFiles(outDir);
        writeFileSync(join(outDir, 'sw.js'), serviceWorkerSource(readFileSync(SW_TEMPLATE, 'utf8'), config.base, outDir, files));
      },
    },
  };
}
