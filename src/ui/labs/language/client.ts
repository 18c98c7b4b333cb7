/** Main-thread side of the Language lab worker (comlink), created lazily once per page load. */
import * as Comlink from 'comlink';
import type { LanguageWorkerApi } from '../../../../workers/language.worker';
import type { SearchStatus } from '../../../../workers/language-api';

let remote: Comlink.Remote<LanguageWorkerApi> | null = null;

export function languageWorker(): Comlink.Remote<LanguageWorkerApi> {
  remote ??= Comlink.wrap<LanguageWorkerApi>(new Worker(new URL('../../../../workers/language.worker.ts', import.meta.url), { type: 'module', name: 'silico-language' }));
  return remote;
}

/** Wrap the search's live-update callback so the worker can call it. */
export function searchProxy(fn: (s: SearchStatus) => void): (s: SearchStatus) => void {
  return Comlink.proxy(fn);
}
