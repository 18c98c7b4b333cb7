import { CancelledError, UserFacingError, throwIfAborted } from '../types';
import { hubUrl, type HubModelEntry } from '../catalog/models';
import type { CachedModel, ModelCache } from '../store/cache';

/**
 * Streaming downloads with progress, cancel and integrity checks. A model is only written to the cache
 * after every file arrived complete and passed its checks (length, sha256 when known, ONNX structure).
 */

export interface DownloadProgress {
  /** File being fetched (role name, e.g. "model.onnx"). */
  file: string;
  /** Bytes received so far over all files of the job. */
  loaded: number;
  /** Expected bytes over all files (0 when unknown). */
  total: number;
  /** Smoothed rate in bytes per second. */
  bytesPerSec: number;
  /** Seconds left at the current rate; null when unknown. */
  etaSeconds: number | null;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Known size; checked against the bytes received when no Content-Length is sent. */
  expectedSize?: number;
  /** Lower-case hex sha256 to verify, when published. */
  sha256?: string;
  /** Lower-case hex SHA-1 to verify (Brain-Score's BrainIO files pin SHA-1). */
  sha1?: string;
  fetchImpl?: typeof fetch;
  /** Progress accounting across several files of one job. */
  progressBase?: { loaded: number; total: number; file: string; startedAt: number };
}

export async function sha256Hex(data: Uint8Array): Promise<string> {
  return digestHex('SHA-256', data);
}

export async function sha1Hex(data: Uint8Array): Promise<string> {
  return digestHex('SHA-1', data);
}

async function digestHex(algorithm: 'SHA-1' | 'SHA-256', data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest(algorithm, data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function readVarint(buf: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [value, pos];
    mul *= 128;
  }
  throw new Error('bad varint');
}

/** ModelProto top-level fields (onnx.proto3): ir_version, producer_*, domain, model_version, doc_string, graph, opset_import, metadata_props, training_info, functions. */
const MODEL_PROTO_FIELDS = new Set([1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25]);

/**
 * Cheap structural check that bytes are a serialized ONNX ModelProto: walks the top-level protobuf
 * fields without decoding the (possibly huge) graph, and requires an ir_version and a graph.
 * Catches HTML error pages, truncated files and random bytes.
 */
export function checkOnnxModelBytes(bytes: Uint8Array, name = 'The file'): void {
  const notOnnx = (why: string) =>
    new UserFacingError(`${name} is not a valid ONNX model (${why}).`, 'Check that you picked a .onnx file and that it downloaded completely.');
  if (bytes.length < 16) throw notOnnx('too small');
  let pos = 0;
  let sawIr = false;
  let sawGraph = false;
  try {
    while (pos < bytes.length) {
      const [tag, p1] = readVarint(bytes, pos);
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (!MODEL_PROTO_FIELDS.has(field)) throw notOnnx(`unexpected field ${field} at byte ${pos}`);
      if (wire === 0) {
        [, pos] = readVarint(bytes, p1);
        if (field === 1) sawIr = true;
      } else if (wire === 2) {
        const [len, p2] = readVarint(bytes, p1);
        if (p2 + len > bytes.length) throw notOnnx('it ends in the middle of a record: the file is truncated');
        if (field === 7) sawGraph = true;
        pos = p2 + len;
      } else {
        throw notOnnx(`unexpected wire type ${wire}`);
      }
    }
  } catch (e) {
    if (e instanceof UserFacingError) throw e;
    throw notOnnx('it ends in the middle of a record: the file is truncated');
  }
  if (!sawIr) throw notOnnx('no IR version');
  if (!sawGraph) throw notOnnx('no graph');
}

/** Fetch one URL as bytes, streaming, with progress, cancel and length / hash checks. */
export async function downloadBytes(url: string, options: DownloadOptions = {}): Promise<Uint8Array> {
  const { signal, onProgress, fetchImpl = fetch } = options;
  // Messages name the file; the full URL goes in the hint.
  const name = fileLabel(url);
  throwIfAborted(signal);
  let response: Response;
  try {
    response = await fetchImpl(url, { signal, cache: 'no-store' });
  } catch (e) {
    if (signal?.aborted) throw new CancelledError();
    throw new UserFacingError(`Could not download ${name}: ${(e as Error).message}.`, `Check your internet connection (${url}).`);
  }
  if (!response.ok) {
    throw new UserFacingError(`Download of ${name} failed: the server answered ${response.status} ${response.statusText}`.trim() + '.', url);
  }
  const header = response.headers.get('Content-Length');
  const contentLength = header !== null && /^\d+$/.test(header) ? Number(header) : null;
  const expected = contentLength ?? options.expectedSize ?? 0;
  const base = options.progressBase ?? { loaded: 0, total: expected, file: url, startedAt: Date.now() };

  const chunks: Uint8Array[] = [];
  let received = 0;
  let lastReport = 0;
  const report = (force: boolean) => {
    const now = Date.now();
    if (!onProgress || (!force && now - lastReport < 100)) return;
    lastReport = now;
    const loaded = base.loaded + received;
    const seconds = Math.max((now - base.startedAt) / 1000, 1e-3);
    const bytesPerSec = loaded / seconds;
    const total = Math.max(base.total, loaded);
    const etaSeconds = base.total > 0 && bytesPerSec > 0 ? Math.max(0, (base.total - loaded) / bytesPerSec) : null;
    onProgress({ file: base.file, loaded, total, bytesPerSec, etaSeconds });
  };

  const reader = response.body?.getReader();
  if (!reader) throw new UserFacingError(`Download of ${name} failed: the server sent no data.`, url);
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      throwIfAborted(signal);
      if (done) break;
      chunks.push(value);
      received += value.byteLength;
      report(false);
    }
  } catch (e) {
    if (signal?.aborted) throw new CancelledError();
    if (e instanceof CancelledError) throw e;
    throw new UserFacingError(
      `Download of ${name} broke off after ${formatBytes(received)}${expected ? ` of ${formatBytes(expected)}` : ''}.`,
      `The connection dropped. Try again; nothing was stored. (${url})`,
    );
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  report(true);

  if (contentLength !== null && received !== contentLength) {
    throw new UserFacingError(
      `Download of ${name} is incomplete: got ${formatBytes(received)} of ${formatBytes(contentLength)}.`,
      `Try again; nothing was stored. (${url})`,
    );
  }
  if (contentLength === null && options.expectedSize && received !== options.expectedSize) {
    throw new UserFacingError(`Download of ${name} has the wrong size: got ${received} bytes, expected ${options.expectedSize}.`, url);
  }
  const data = concat(chunks, received);
  if (options.sha256) {
    const actual = await sha256Hex(data);
    if (actual !== options.sha256.toLowerCase()) {
      throw new UserFacingError(`Download of ${name} is corrupted: its SHA-256 checksum does not match.`, `Try again; nothing was stored. (${url})`);
    }
  }
  if (options.sha1) {
    const actual = await sha1Hex(data);
    if (actual !== options.sha1.toLowerCase()) {
      throw new UserFacingError(`Download of ${name} is corrupted: its SHA-1 checksum does not match.`, `Try again; nothing was stored. (${url})`);
    }
  }
  return data;
}

function fileLabel(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').pop() || url);
  } catch {
    return url;
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

export interface ModelDownloadOptions {
  hubBase: string;
  cache: ModelCache;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  fetchImpl?: typeof fetch;
}

/**
 * Download every file of a catalog entry, check each, then store the entry in the cache in one
 * transaction. On any failure or cancel nothing is written.
 */
export async function downloadModel(entry: HubModelEntry, options: ModelDownloadOptions): Promise<CachedModel> {
  const total = entry.files.reduce((s, f) => s + f.size, 0);
  const startedAt = Date.now();
  let loaded = 0;
  const files: { path: string; data: Uint8Array }[] = [];
  const hashes: Record<string, string> = {};
  for (const f of entry.files) {
    const url = hubUrl(options.hubBase, entry.repo, f.file);
    const data = await downloadBytes(url, {
      signal: options.signal,
      onProgress: options.onProgress,
      fetchImpl: options.fetchImpl,
      expectedSize: f.approxSize ? undefined : f.size,
      sha256: f.sha256,
      progressBase: { loaded, total, file: f.path, startedAt },
    });
    if (f.path.endsWith('.onnx')) checkOnnxModelBytes(data, `The downloaded ${f.path} of ${entry.name}`);
    if (f.sha256) hashes[f.path] = f.sha256;
    loaded += data.byteLength;
    files.push({ path: f.path, data });
  }
  throwIfAborted(options.signal);
  return options.cache.put({ id: entry.id, name: entry.name, source: hubUrl(options.hubBase, entry.repo, '') }, files, hashes);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - m * 60)} s`;
}
