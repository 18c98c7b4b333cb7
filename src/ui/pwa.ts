/**
 * Registers the service worker (built by tools/pwa/vite-pwa.ts) in production builds, so that after a
 * first visit the app shell, workers and ONNX Runtime WASM load from the cache and the app runs offline.
 * Never in dev: a cache-first worker would serve stale modules to Vite's dev server.
 */

export interface OfflineStatus {
  /** A service worker controls this page: it will load without the network next time. */
  ready: boolean;
  error?: string;
}

export function registerServiceWorker(onStatus?: (s: OfflineStatus) => void): void {
  if (!import.meta.env.PROD || typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  const sw = navigator.serviceWorker;
  const report = () => onStatus?.({ ready: sw.controller !== null });
  sw.addEventListener('controllerchange', report);
  sw.register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL })
    .then(() => sw.ready)
    .then(report)
    .catch((e: unknown) => onStatus?.({ ready: false, error: e instanceof Error ? e.message : String(e) }));
}
