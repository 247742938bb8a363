// Push permission and subscription. The officer reads why first; the browser's permission prompt only
// appears after they tap 开启 (a prompt on page load is both rude and auto-blocked by browsers).
import { request } from '../api.js';

export function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** 'unsupported' | 'default' | 'denied' | 'granted' */
export function permission() {
  return pushSupported() ? Notification.permission : 'unsupported';
}

function keyBytes(b64url) {
  const b64 = b64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (b64url.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

export async function currentSubscription() {
  if (!pushSupported()) return null;
  const reg = await navigator.serviceWorker.ready;
  return reg.pushManager.getSubscription();
}

/** Ask the browser, subscribe with the server's VAPID key, register the subscription for this device. */
export async function enablePush() {
  const answer = await Notification.requestPermission();
  if (answer !== 'granted') return answer;
  const { public_key: key } = await request('/api/push/key', { authed: false });
  const reg = await navigator.serviceWorker.ready;
  let sub = await reg.pushManager.getSubscription();
  const current = sub && sub.options && sub.options.applicationServerKey;
  if (sub && current && btoa(String.fromCharCode(...new Uint8Array(current))) !== btoa(String.fromCharCode(...keyBytes(key)))) {
    await sub.unsubscribe();  // the server's key changed (new database): the old subscription is useless
    sub = null;
  }
  sub = sub || await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
  await request('/api/push/subscriptions', { method: 'POST', json: sub.toJSON() });
  return 'granted';
}

export async function disablePush() {
  const sub = await currentSubscription();
  if (!sub) return;
  await request('/api/push/subscriptions', { method: 'DELETE', json: { endpoint: sub.endpoint } });
  await sub.unsubscribe();
}
