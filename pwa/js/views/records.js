// 同步状态 (#/outbox): every local record with its badge, the queued mutations, photo uploads.
import { registerView, href } from '../router.js';
import { h, badge, fmtTime } from '../ui.js';
import { db } from '../db.js';
import { on } from '../bus.js';
import { syncNow, status } from '../sync-client.js';

const NAMES = { 'inspection.create': '新建检查记录', 'inspection.update': '修改检查记录', 'evidence.attach': '上传照片',
  'document.issue': '签发文书', 'case.transition': '案件流转', 'patrol.checkin': '巡查签到', 'followup.verify': '整改核查' };

export function recordRow(r) {
  // Records pulled from the server carry ids (party_id, vehicle_id), not the names typed on this phone.
  const title = r.data.party?.name || r.data.plate || r.data.title
    || (r.data.facts ? `检查：${r.data.facts.slice(0, 14)}` : `${r.type} ${String(r.id).slice(0, 8)}`);
  return h('li', { class: 'record', dataset: { key: r.key, sync: r.sync } },
    h('a', { href: r.type === 'inspection' ? href('inspection', { id: r.id }) : '#' }, title),
    badge(r.sync), h('small', { class: 'muted' }, fmtTime(r.data.occurred_at || r.updated_at)));
}

registerView('outbox', {
  title: '同步状态',
  async render(el) {
    const body = h('div');
    const draw = async () => {
      const [records, entries, blobs] = await Promise.all([db().getAll('records'), db().getAll('outbox'), db().getAll('blobs')]);
      const st = status();
      body.replaceChildren(
        h('p', {}, `待上传 ${entries.length} 条 · 状态：${{ idle: '空闲', syncing: '同步中', offline: '离线', error: '出错，稍后重试', revoked: '设备已注销' }[st.state] || st.state}`),
        st.error ? h('p', { class: 'warn' }, st.error) : null,
        st.last_sync ? h('p', { class: 'muted' }, `上次同步：${fmtTime(st.last_sync)}`) : null,
        h('h2', {}, '待上传'),
        h('ol', { class: 'queue' }, ...entries.map((e) => h('li', {}, `${NAMES[e.name] || e.name} · ${fmtTime(e.created_at_device)}`))),
        h('h2', {}, '照片'),
        h('ul', { class: 'queue' }, ...blobs.map((b) => h('li', { dataset: { sha256: b.sha256 } }, `${(b.bytes / 1024).toFixed(0)} KB `,
          h('progress', { max: b.bytes, value: b.uploaded ? b.bytes : 0 }), b.uploaded ? ' 已上传' : ' 待上传'))),
        h('h2', {}, '本机记录'),
        h('ul', { class: 'records' }, ...records.map(recordRow)));
    };
    // The button stays put while the list redraws on every sync event, so a tap is never lost to a redraw.
    el.append(h('h1', {}, '同步状态'), h('button', { class: 'btn btn-primary', name: 'sync-now', onclick: () => syncNow() }, '立即同步'), body);
    await draw();
    const offs = [on('sync-status', draw), on('records-changed', draw), on('outbox-changed', draw)];
    return () => offs.forEach((off) => off());
  },
});
