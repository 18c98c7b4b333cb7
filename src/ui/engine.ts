/**
 * Main-thread client of the model worker: a typed comlink proxy, plus helpers to pass callbacks and
 * read errors. One worker per page, created lazily.
 */
import * as Comlink from 'comlink';
import type { ModelEngineApi } from '../../workers/model-api';
import type { Progress } from '../core/types';
import type { DownloadProgress } from '../core/download/download';

export type { ModelEngineApi, BackendInfo, LoadedModel, EpPreference, InputTensor } from '../../workers/model-api';

let engine: Comlink.Remote<ModelEngineApi> | null = null;

export function getEngine(): Comlink.Remote<ModelEngineApi> {
  if (!engine) {
    const worker = new Worker(new URL('../../workers/model.worker.ts', import.meta.url), { type: 'module', name: 'silico-model' });
    engine = Comlink.wrap<ModelEngineApi>(worker);
  }
  return engine;
}

/** Wrap a progress callback so the worker can call it across the boundary. */
export function progressProxy(fn: (p: Progress) => void): (p: Progress) => void {
  return Comlink.proxy(fn);
}

export function downloadProgressProxy(fn: (p: DownloadProgress) => void): (p: DownloadProgress) => void {
  return Comlink.proxy(fn);
}

export function newJobId(): string {
  return `job-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A message for the error banner; `hint` is the second line of user-facing errors. */
export interface ErrorMessage {
  message: string;
  hint?: string;
  cancelled: boolean;
}

export function describeError(e: unknown): ErrorMessage {
  const err = e instanceof Error ? e : new Error(String(e));
  if (err.name === 'CancelledError') return { message: 'Cancelled.', cancelled: true };
  if (err.name === 'UserFacingError') {
    // From a worker the hint arrives as the message's second line (comlink keeps only name and message).
    const [message, ...rest] = err.message.split('\n');
    const hint = (err as { hint?: string }).hint ?? (rest.join(' ') || undefined);
    return { message, hint, cancelled: false };
  }
  return { message: `Something went wrong: ${err.message}`, hint: 'This is a bug; the browser console has details.', cancelled: false };
}
