// Web Push handlers, loaded into the app's service worker by importScripts('/sw-push.js').
// A push carries {id, kind, title, body, url, created_at} (server/services/push.py payload_for).
// `url` is an in-app route such as "/#/document?id=…"; a click opens it in the open window, or a new one.

function sameOriginUrl(url) {
  const fallback = new URL('/#/notifications', self.location.origin);
  try {
    const u = new URL(url || fallback.href, self.location.origin);
    return u.origin === self.location.origin ? u.href : fallback.href;  // never open foreign pages from a push
  } catch (e) {
    return fallback.href;
  }
}

async function showPush(data) {
  await self.registration.showNotification(data.title || '路面执法提醒', {
    body: data.body || '',
    tag: `roadside-${data.id != null ? data.id : Date.now()}`,  // a re-delivered push replaces, not stacks
    lang: 'zh-CN',
    icon: '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
    timestamp: Date.parse(data.created_at) || Date.now(),
    data: { id: data.id, url: sameOriginUrl(data.url) },
  });
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  windows.forEach((c) => c.postMessage({ type: 'roadside-notification', notification: data }));
}

async function openTarget(data) {
  const url = sameOriginUrl(data && data.url);
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const client = windows.find((c) => new URL(c.url).origin === self.location.origin);
  if (client) {
    // The page routes by hash: tell it where to go (it also marks the notification read), then focus it.
    client.postMessage({ type: 'roadside-open', url, id: data && data.id });
    try { await client.focus(); } catch (e) { /* focus needs the click's user activation; the route still changes */ }
    return client;
  }
  return self.clients.openWindow(url);
}

async function onClick(notification) {
  notification.close();
  return openTarget(notification.data || {});
}

self.addEventListener('push', (event) => {
  let data = {};
  if (event.data) {
    try { data = event.data.json(); } catch (e) { data = { body: event.data.text() }; }
  }
  event.waitUntil(showPush(data));
});

self.addEventListener('notificationclick', (event) => {
  event.waitUntil(onClick(event.notification));
});

// Browser tests call onClick on a shown notification: a synthetic NotificationEvent cannot waitUntil.
self.roadsidePush = { showPush, openTarget, onClick };
