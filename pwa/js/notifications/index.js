// 提醒: the in-app notification list (read state), the push permission card with its explanation, and the
// bridge from the service worker (a push arrived / a notification was clicked) to the router.
import { registerView, registerSlot, navigate } from '../router.js';
import { h, toast, fmtTime } from '../ui.js';
import { request } from '../api.js';
import { emit, on } from '../bus.js';
import { getMeta, setMeta } from '../db.js';
import { permission, enablePush, disablePush, currentSubscription } from './push.js';
import './patrol.js';  // 巡查签到 view (same plug-in: the shell loads only this index)

const CACHE_KEY = 'notifications';

document.head.append(h('link', { rel: 'stylesheet', href: '/js/notifications/notifications.css' }));

async function load() {
  try {
    const list = await request('/api/notifications?limit=100');
    await setMeta(CACHE_KEY, list);  // shown offline next time
    return { ...list, offline: false };
  } catch (e) {
    const cached = await getMeta(CACHE_KEY, { items: [], unread: 0 });
    return { ...cached, offline: true };
  }
}

async function markRead(id) {
  try { await request(`/api/notifications/${id}/read`, { method: 'POST' }); } catch (e) { /* offline: stays unread */ }
  emit('notifications-changed');
}

function openRoute(url) {
  const target = new URL(url, location.origin);
  if (target.origin !== location.origin) return;
  if (location.hash === target.hash) emit('notifications-changed'); else location.hash = target.hash;
}

function permissionCard(onDone) {
  const state = permission();
  if (state === 'unsupported') return h('p', { class: 'muted' }, '此浏览器不支持推送提醒，请在应用内查看提醒列表。');
  if (state === 'denied') {
    return h('div', { class: 'push-explain', 'data-push': 'denied' },
      h('p', {}, '已关闭通知权限，整改期限、带班巡查等提醒只能在此列表查看。'),
      h('p', { class: 'muted' }, '如需开启：在浏览器地址栏左侧的网站设置中允许“通知”，然后返回此页。'));
  }
  if (state === 'granted') {
    const box = h('div', { class: 'push-explain', 'data-push': 'granted' }, h('p', { class: 'muted' }, '推送提醒已开启。'));
    currentSubscription().then((sub) => {
      if (!sub) box.append(h('button', { class: 'btn', onclick: () => enable(box, onDone) }, '重新登记本机推送'));
      else box.append(h('button', { class: 'btn', onclick: async () => { await disablePush(); toast('已关闭本机推送'); onDone(); } }, '关闭本机推送'));
    }).catch(() => {});
    return box;
  }
  const box = h('div', { class: 'push-explain', 'data-push': 'default' },
    h('h2', {}, '开启提醒推送'),
    h('p', {}, '开启后，即使未打开执法终端，也能及时收到：'),
    h('ul', {},
      h('li', {}, '整改、承诺期限届满前和逾期的提醒'),
      h('li', {}, '带班巡查签到不足、处罚决定公示期限'),
      h('li', {}, '执法证到期、年审和培训学时提醒')),
    h('p', { class: 'muted' }, '提醒只发到本机，不含当事人身份证号等敏感信息；夜间（免打扰时段）的提醒会在早上推送。'));
  box.append(h('button', { class: 'btn btn-primary', 'data-action': 'enable-push', onclick: () => enable(box, onDone) }, '开启提醒'));
  return box;
}

async function enable(box, onDone) {
  try {
    const answer = await enablePush();
    if (answer === 'granted') toast('已开启推送提醒'); else toast('未获得通知权限，提醒仍可在列表中查看', 'warn');
  } catch (e) {
    toast(`开启推送失败：${e.message}`, 'error');
  }
  onDone();
}

function row(item) {
  const open = async () => { if (!item.read_at) await markRead(item.id); openRoute(item.url); };
  return h('li', { class: item.read_at ? 'notification' : 'notification unread', 'data-id': item.id },
    h('button', { class: 'notification-open', onclick: open },
      h('strong', {}, item.title), h('span', {}, item.body), h('small', { class: 'muted' }, fmtTime(item.created_at))));
}

async function renderList(el) {
  const { items, unread, offline } = await load();
  el.replaceChildren(
    h('h1', {}, `提醒${unread ? `（${unread} 条未读）` : ''}`),
    offline ? h('p', { class: 'muted' }, '离线：显示上次同步的提醒') : null,
    h('section', { class: 'card' }, permissionCard(() => renderList(el))),
    items.length ? h('ul', { class: 'notifications' }, ...items.map(row)) : h('p', { class: 'muted' }, '暂无提醒'),
    unread && !offline ? h('button', { class: 'btn', onclick: async () => {
      await request('/api/notifications/read-all', { method: 'POST' }); renderList(el);
    } }, '全部标为已读') : null);
}

registerView('notifications', {
  title: '提醒', nav: { label: '提醒', icon: '◉', order: 60 },
  render(el) {
    renderList(el);
    return on('notifications-changed', () => renderList(el));
  },
});

registerSlot('today', {
  order: 90,
  async render(el) {
    const { items, unread } = await load();
    el.append(h('h2', {}, `提醒（未读 ${unread}）`),
      items.length ? h('ul', { class: 'notifications' }, ...items.filter((i) => !i.read_at).slice(0, 3).map(row)) : null,
      h('a', { class: 'btn', href: '#/notifications' }, '查看全部提醒'));
    if (permission() === 'default') el.append(permissionCard(() => navigate('notifications')));
  },
});

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.addEventListener('message', (event) => {
    const msg = event.data || {};
    if (msg.type === 'roadside-notification') emit('notifications-changed');
    if (msg.type === 'roadside-open') {
      if (msg.id != null) markRead(msg.id);
      openRoute(msg.url);
    }
  });
}
