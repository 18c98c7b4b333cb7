import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { Plugin } from 'vite';

/**
 * onnxruntime-web loads its WASM binary and glue module at run time from `env.wasm.wasmPaths`.
 * We serve them same-origin under /ort/ (so they work offline and under COEP) by copying them
 * from the installed package into public/ort/ (git-ignored) before dev or build.
 */
export function ortAssets(): Plugin {
  return {
    name: 'silico-ort-assets',
    configResolved(config) {
      const require = createRequire(import.meta.url);
      const dist = dirname(require.resolve('onnxruntime-web'));
      const target = join(config.publicDir, 'ort');
      if (!existsSync(target)) mkdirSync(target, { recursive: true });
      for (const f of readdirSync(dist)) {
        if (/^ort-wasm-simd-threaded\.(jsep\.)?(wasm|mjs)$/.test(f)) cpSync(join(dist, f), join(target, f));
      }
    },
  };
}
