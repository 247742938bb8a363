// Boot: register the service worker (with the update prompt), wire session + sync to the shell
// (unsynced counter, officer name, tabs) and start the router. Feature views are imported here;
// plug-ins (documents, notifications) register their own views in their index modules.
import { start, setGuard, setContext, render, navViews, href, current } from './router.js';
import { on } from './bus.js';
import { h } from './ui.js';
import * as session from './session.js';
import * as sync from './sync-client.js';
import { outboxCount } from './db.js';
import './views/login.js';
import './views/today.js';
import './views/scan.js';
import './views/inspection.js';
import './views/inbox.js';
import './views/reviews.js';
import './views/statistics.js';
import './views/records.js';
import './views/account.js';

const PLUGINS = ['./documents/index.js', './notifications/index.js'];

function banner(text, onclick) {
  const el = document.getElementById('banner');
  el.replaceChildren(h('button', { class: 'banner-btn', onclick }, text));
  el.hidden = false;
}

async function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  const reg = await navigator.serviceWorker.register('/sw.js', { scope: '/', updateViaCache: 'none' });
  const offer = (worker) => banner('新版本可用，点击更新（未同步的数据会保留）', () => {
    // Data is in IndexedDB, untouched by the update; the reload asks for the PIN again.
    navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
    worker.postMessage('skip-waiting');
  });
  if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
  reg.addEventListener('updatefound', () => {
    const worker = reg.installing;
    worker.addEventListener('statechange', () => {
      if (worker.state === 'installed' && navigator.serviceWorker.controller) offer(worker);
    });
  });
  setInterval(() => reg.update().catch(() => {}), 30 * 60 * 1000);
}

async function updateCounter() {
  const el = document.getElementById('unsynced');
  const n = session.isUnlocked() ? await outboxCount() : 0;
  const st = sync.status().state;
  el.dataset.count = String(n);
  el.dataset.state = st;
  el.textContent = `未同步 ${n}${st === 'offline' ? ' · 离线' : st === 'syncing' ? ' · 同步中' : ''}`;
}

function renderChrome() {
  const account = session.currentOfficer();
  document.getElementById('who').textContent = account ? account.full_name || account.username : '';
  const tabs = document.getElementById('tabs');
  tabs.hidden = !account;
  const active = current().name;
  tabs.replaceChildren(...navViews().map((v) => h('a', { href: href(v.name), class: v.name === active ? 'tab active' : 'tab' },
    h('span', { class: 'tab-icon', 'aria-hidden': 'true' }, v.nav.icon || '•'), h('span', {}, v.nav.label))));
}

async function boot() {
  for (const path of PLUGINS) {
    try { await import(path); } catch (e) { if (!String(e).includes('Failed to fetch')) console.warn(path, e); }
  }
  setGuard((view) => (view.public || session.isUnlocked() ? null : 'login'));
  setContext({ session, sync });
  on('session', () => { renderChrome(); updateCounter(); });
  on('sync-status', updateCounter);
  on('outbox-changed', updateCounter);
  on('records-changed', updateCounter);  // results remove outbox entries before the sync status settles
  on('device-revoked', () => { render(); });
  on('auth-expired', ({ message }) => banner(`${message}：点此重新登录（本机数据保留）`, () => {
    document.getElementById('banner').hidden = true;
    session.lock();
    location.hash = '#/login';
  }));
  document.addEventListener('roadside:view', renderChrome);
  sync.startSync();
  await start(document.getElementById('view'));
  renderChrome();
  updateCounter();
  performance.mark('roadside-interactive');  // first view usable (benchmarks/bench_pwa.py reads this)
  registerWorker().catch((e) => console.warn('service worker', e));
  window.roadside = { session, sync };  // for the console and browser tests
}

boot();
