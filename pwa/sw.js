// Hand-written service worker. The server fills VERSION and PRECACHE from the files in pwa/ (see
// server/api/pwa_manifest.py), so any change to the app makes a new worker; it installs next to the
// old one and WAITS until the officer taps 新版本可用 (the page posts 'skip-waiting').
// Records and the outbox live in IndexedDB, which an update never touches.
const VERSION = 'dev'; // @version
const PRECACHE = ['/', '/index.html']; // @precache
const SHELL_CACHE = `roadside-shell-${VERSION}`;

try {
  importScripts('/sw-push.js');  // push + notificationclick handlers (patrol/push feature), if present
} catch (e) {
  // Not deployed (404) or not cached yet: the app works without push.
}

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(PRECACHE.map((u) => new Request(u, { cache: 'reload' })))));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('roadside-shell-') && name !== SHELL_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
  if (event.data === 'version' && event.ports[0]) event.ports[0].postMessage(VERSION);
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  if (req.mode === 'navigate') {
    // The app is one page: every navigation gets the cached shell so it opens offline.
    event.respondWith(caches.match('/index.html').then((hit) => hit || fetch(req)));
    return;
  }
  event.respondWith((async () => {
    const hit = await caches.match(req, { ignoreSearch: true });
    if (hit) return hit;
    const resp = await fetch(req);
    if (resp.ok) (await caches.open(SHELL_CACHE)).put(req, resp.clone());
    return resp;
  })());
});

// Background Sync where the browser has it: wake a page to push the outbox (tokens live in the page).
self.addEventListener('sync', (event) => {
  if (event.tag !== 'roadside-outbox') return;
  event.waitUntil(self.clients.matchAll({ type: 'window' }).then((list) => list.forEach((c) => c.postMessage('sync'))));
});
