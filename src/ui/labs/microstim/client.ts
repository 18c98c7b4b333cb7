/** Main-thread side of the Microstimulation lab worker (comlink), created lazily once per page load. */
import * as Comlink from 'comlink';
import type { MicrostimWorkerApi } from '../../../../workers/microstim.worker';

let microstim: Comlink.Remote<MicrostimWorkerApi> | null = null;

export function microstimWorker(): Comlink.Remote<MicrostimWorkerApi> {
  microstim ??= Comlink.wrap<MicrostimWorkerApi>(new Worker(new URL('../../../../workers/microstim.worker.ts', import.meta.url), { type: 'module', name: 'silico-microstim' }));
  return microstim;
}

/** Reads files picked in an <input type=file> as bytes (folder picks keep their relative path as name). */
export async function readFiles(list: FileList | null | undefined): Promise<{ name: string; bytes: Uint8Array }[]> {
  const files = Array.from(list ?? []);
  return Promise.all(files.map(async (f) => ({ name: f.webkitRelativePath || f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
}
