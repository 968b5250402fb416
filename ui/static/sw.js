// Hearth's service worker: push notifications and an offline shell.
// It caches only the shell (the stylesheet, the offline page, the icon):
// never video, clips, thumbnails or API answers, which stay behind the
// login and the access policy on every request.
'use strict';

const SHELL = 'hearth-shell-v1';
const SHELL_FILES = ['/static/app.css', '/static/offline.html', '/static/icons/icon-192.png'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || req.method !== 'GET') return;
  if (req.mode === 'navigate') {
    // Pages always come from the network; the offline page only when it fails.
    event.respondWith(fetch(req).catch(() => caches.match('/static/offline.html')));
    return;
  }
  if (SHELL_FILES.includes(url.pathname)) {
    event.respondWith(fetch(req).catch(() => caches.match(url.pathname)));
  }
  // Everything else (API, live and recorded video, thumbnails) is left to
  // the network, uncached.
});

// A push names the camera and the time; the picture stays on the
// appliance, behind the login.
self.addEventListener('push', (event) => {
  let p = {};
  try { p = event.data ? event.data.json() : {}; } catch { p = { body: event.data.text() }; }
  const when = p.at ? new Date(p.at).toLocaleString() : '';
  event.waitUntil(self.registration.showNotification(p.title || 'Hearth', {
    body: p.body || when,
    tag: p.event || p.camera || 'hearth',
    icon: '/static/icons/icon-192.png',
    data: { url: p.url || '/' },
  }));
});

// A click opens the camera at the moment, on this appliance only: the
// path and query of the link, never another origin.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const link = new URL((event.notification.data && event.notification.data.url) || '/', self.location.origin);
  const target = self.location.origin + link.pathname + link.search;
  event.waitUntil(self.clients.openWindow(target));
});
