// 我的: who is signed in, reference data age, switch officer, log out (wipes only what is synced, or
// after a confirmation naming what will be lost), and what to do when the device was revoked.
import { registerView, navigate } from '../router.js';
import { h, confirmDialog, toast, fmtTime } from '../ui.js';
import * as session from '../session.js';
import { referenceAge, refreshReference, me } from '../reference.js';
import { db, outboxCount } from '../db.js';
import { status, syncNow } from '../sync-client.js';
import { on } from '../bus.js';

let revokedMessage = null;
let wiping = false;
// A revoked device (lost, stolen, handed back) is wiped at once when nothing is waiting to be uploaded;
// otherwise the data stays and the account view explains what to do (export, or clear with confirmation).
on('device-revoked', async ({ message }) => {
  revokedMessage = message;
  if (wiping || !session.isUnlocked() || (await outboxCount()) > 0) return;
  wiping = true;
  try {
    await session.logout();
    toast('此设备已被注销；本机没有未同步的数据，已清除', 'warn', 8000);
    navigate('login');
  } finally { wiping = false; }
});

async function exportUnsynced() {
  const [outbox, records] = await Promise.all([db().getAll('outbox'), db().getAll('records')]);
  const blob = new Blob([JSON.stringify({ exported_at: new Date().toISOString(), officer: session.currentOfficer().username,
    outbox, records }, null, 1)], { type: 'application/json' });
  const a = h('a', { href: URL.createObjectURL(blob), download: `roadside-unsynced-${Date.now()}.json` });
  a.click();
}

async function logout() {
  const summary = await session.unsyncedSummary();
  let confirmed = false;
  if (summary.total > 0) {
    if (navigator.onLine) await syncNow({ wait: true });
    const again = await session.unsyncedSummary();
    if (again.total > 0) {
      confirmed = await confirmDialog('还有未同步的数据',
        `退出将清除本机数据，以下尚未上传的内容将永久丢失：${again.text}（共 ${again.total} 条）。建议先联网同步或导出。`,
        '仍然退出并清除', '取消');
      if (!confirmed) return;
    }
  }
  await session.logout({ confirmed });
  toast('已退出，本机数据已清除', 'ok');
  navigate('login');
}

/** 亮证执法: my 执法证 as a QR the party can open with any phone camera (public verification page) and a
 * colleague can scan as second officer. From the cached profile, so it works with no network. */
function certificateCard(profile) {
  const cert = profile?.officer?.certificate;
  if (!cert || !profile.qr_svg) return null;
  const code = h('div', { class: 'cert-qr', role: 'img', 'aria-label': `执法证 ${cert.number} 的二维码` });
  code.innerHTML = profile.qr_svg;  // segno's SVG from our own server, cached with the profile
  return h('section', { class: `card cert-card cert-${profile.state}`, id: 'my-certificate' },
    h('div', { class: 'card-title' }, '亮证 · 电子执法证'), code,
    h('dl', {}, h('dt', {}, '姓名'), h('dd', {}, profile.officer.full_name),
      h('dt', {}, '执法证号'), h('dd', { class: 'cert-number' }, cert.number),
      h('dt', {}, '状态'), h('dd', { class: 'cert-state' }, profile.state_label || profile.state),
      h('dt', {}, '有效期'), h('dd', {}, `${cert.valid_from} 至 ${cert.valid_until}`),
      h('dt', {}, '发证机关'), h('dd', {}, cert.issuing_authority || '')),
    h('p', { class: 'hint' }, '请当事人用手机相机扫码核验证件真伪和实时状态；同事可在“扫码”中扫此码作为第二名执法人员。'));
}

registerView('account', {
  title: '我的', nav: { label: '我的', icon: '☰', order: 90 },
  async render(el) {
    const account = session.currentOfficer();
    const age = await referenceAge();
    const st = status();
    if (revokedMessage || st.state === 'revoked') {
      el.append(h('section', { class: 'card result-bad', role: 'alert' }, h('h2', {}, '此设备已被注销'),
        h('p', {}, revokedMessage || st.error), h('p', {}, '未同步的数据仍保留在本机，不会自动清除。可导出后交给管理员。'),
        h('button', { class: 'btn', onclick: exportUnsynced }, '导出未同步数据')));
    }
    const profile = await me();
    const office = (profile?.officer.roles || []).some((r) => ['leader', 'legal_reviewer', 'admin'].includes(r));
    el.append(h('h1', {}, '我的'), certificateCard(profile),
      office ? h('a', { class: 'btn btn-big', href: '#/statistics', id: 'open-statistics' }, '执法统计（年度报表）') : null,
      h('section', { class: 'card' }, h('p', {}, `${account.full_name}（${account.username}）`), h('p', { class: 'muted' }, account.unit_name || ''),
        h('p', { class: 'muted' }, `参考数据更新于：${age ? fmtTime(age) : '从未'}`),
        h('button', { class: 'btn', onclick: () => refreshReference().then(() => navigate('account')).catch((e) => toast(e.message, 'error')) }, '更新参考数据')),
      h('button', { class: 'btn btn-big', name: 'lock', onclick: () => { session.lock(); navigate('login'); } }, '锁定 / 切换执法人员'),
      h('button', { class: 'btn btn-danger btn-big', name: 'logout', onclick: logout }, '退出登录并清除本机数据'));
  },
});
