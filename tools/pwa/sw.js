/*
 * Silico service worker (template: the build fills in PRECACHE and VERSION; see tools/pwa/vite-pwa.ts).
 * - install: precache the built app shell, workers and the /ort/ WASM files;
 * - fetch: those are served cache-first (the app runs with the network off after one visit);
 *   navigations get the cached index.html (with its COOP/COEP headers, so the page stays
 *   cross-origin isolated); other GETs (model and bundle downloads) go to the network first and a
 *   copy is kept in a runtime cache, used when offline;
 * - activate: old caches of earlier builds are deleted.
 */
/* eslint-disable no-restricted-globals */
const VERSION = '__SILICO_VERSION__';
const BASE = '__SILICO_BASE__';
const PRECACHE_URLS = /* __SILICO_PRECACHE__ */ [];
const PRECACHE = `silico-precache-${VERSION}`;
const RUNTIME = 'silico-runtime';
/** Downloads larger than this are not copied into the runtime cache (the app keeps models in IndexedDB). */
const RUNTIME_MAX_BYTES = 64 * 1024 * 1024;

const precached = new Set(PRECACHE_URLS.map((u) => new URL(u, self.location.origin).href));
const INDEX = new URL(`${BASE}index.html`, self.location.origin).href;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(PRECACHE);
      // cache: 'reload' skips the HTTP cache so the precache holds exactly this build's files.
      await cache.addAll(PRECACHE_URLS.map((u) => new Request(u, { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key.startsWith('silico-precache-') && key !== PRECACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

async function fromPrecache(request, url) {
  const cache = await caches.open(PRECACHE);
  const hit = await cache.match(url, { ignoreSearch: true });
  return hit ?? fetch(request);
}

async function networkFirst(request) {
  const cache = await caches.open(RUNTIME);
  try {
    const response = await fetch(request);
    const size = Number(response.headers.get('Content-Length') ?? NaN);
    if (response.status === 200 && (response.type === 'basic' || response.type === 'cors') && size <= RUNTIME_MAX_BYTES) {
      cache.put(request, response.clone()).catch(() => {}); // a full disk or a broken download only skips the copy
    }
    return response;
  } catch (err) {
    const hit = await cache.match(request);
    if (hit) return hit;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || request.headers.has('range')) return;
  const url = new URL(request.url);
  if (!url.protocol.startsWith('http')) return;
  const sameOrigin = url.origin === self.location.origin;
  if (request.mode === 'navigate' && sameOrigin) {
    event.respondWith(fromPrecache(request, INDEX));
    return;
  }
  const bare = `${url.origin}${url.pathname}`;
  if (sameOrigin && precached.has(bare)) {
    event.respondWith(fromPrecache(request, bare));
    return;
  }
  event.respondWith(networkFirst(request));
});
