/**
 * Content keys for caches: a cache entry is found by WHAT produced it (the model's bytes, the benchmark's data,
 * every setting that changes the numbers), never by a name or id that two different things can share.
 * SHA-256 through WebCrypto (browsers, workers and Node alike).
 */

type Bytes = Uint8Array | ArrayBufferView;

function digestable(b: Bytes): Uint8Array<ArrayBuffer> {
  const u = b instanceof Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  // WebCrypto refuses views of SharedArrayBuffer: copy those.
  return (typeof SharedArrayBuffer !== 'undefined' && u.buffer instanceof SharedArrayBuffer ? u.slice() : u) as Uint8Array<ArrayBuffer>;
}

function hex(buf: ArrayBuffer): string {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Lower-case hex SHA-256 of bytes or a string (UTF-8). */
export async function sha256Hex(data: Bytes | string): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : digestable(data);
  return hex(await crypto.subtle.digest('SHA-256', bytes));
}

/**
 * SHA-256 over named parts, each hashed on its own (so a 500 MB model is never copied into one buffer) and
 * then combined with its name and length: the same parts in any order give the same hash, a renamed or
 * changed part a different one.
 */
export async function hashParts(parts: { name: string; data: Bytes | string }[]): Promise<string> {
  const lines = await Promise.all(
    parts.map(async (p) => `${JSON.stringify(p.name)}:${typeof p.data === 'string' ? p.data.length : p.data.byteLength}:${await sha256Hex(p.data)}`),
  );
  return sha256Hex(lines.sort().join('\n'));
}

/** The bytes that make a model: its .onnx, external data files and tokenizer (as loaded into an engine). */
export interface ModelContent {
  model: Bytes;
  externalData?: { path: string; data: Bytes }[];
  tokenizerJson?: Bytes;
}

/** Content hash of a model: two different files named model.onnx never share it; the same bytes always do. */
export function modelContentHash(m: ModelContent): Promise<string> {
  return hashParts([
    { name: 'model.onnx', data: m.model },
    ...(m.externalData ?? []).map((f) => ({ name: `data:${f.path}`, data: f.data })),
    ...(m.tokenizerJson ? [{ name: 'tokenizer.json', data: m.tokenizerJson }] : []),
  ]);
}

/**
 * JSON with object keys sorted (so {a, b} and {b, a} give one key), typed arrays as plain arrays, NaN/±Infinity
 * spelled out (JSON would make them null, merging settings that differ); keys whose value is undefined are left out.
 */
export function stableStringify(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (v === undefined) return '\u0000undefined';
    if (typeof v === 'number') return Number.isFinite(v) ? v : `\u0000${String(v)}`;
    if (typeof v === 'bigint') return `\u0000${v}n`;
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, norm);
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .sort()
          .map((k) => [k, norm((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(norm(value));
}

/** SHA-256 of a settings object (stable over key order). */
export function settingsHash(settings: unknown): Promise<string> {
  return sha256Hex(stableStringify(settings));
}
