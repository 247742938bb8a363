// 巡查签到: scan the point's poster, take a GPS fix, queue `patrol.checkin` through the outbox (works offline;
// the server judges radius, accuracy and duty shift when it arrives, and a refusal lands in 需要处理).
import { registerView, registerSlot, href } from '../router.js';
import { h, toast, badge, fmtTime } from '../ui.js';
import { decodeFile, verifyToken } from '../qr.js';
import { getReference } from '../reference.js';
import { getFix, accuracyNote } from '../geo.js';
import { db, mutate, putPendingRecord, uuid } from '../db.js';
import { on } from '../bus.js';
import { request } from '../api.js';

const MAX_ACCURACY_M = 100;  // server GPS_MAX_ACCURACY_M default: a coarser fix is refused, so say so now

async function myCheckins() {
  const all = await db().getAll('records');
  return all.filter((r) => r.type === 'patrol_checkin').sort((a, b) => (b.data.at || '').localeCompare(a.data.at || ''));
}

function checkinRow(r) {
  return h('li', { class: 'record', dataset: { key: r.key, sync: r.sync } },
    h('span', {}, r.data.point_name || r.id), badge(r.sync),
    h('small', { class: 'muted' }, `${fmtTime(r.data.at)} · ±${r.data.accuracy_m} 米`));
}

export async function checkIn(token) {
  const verdict = await verifyToken(token, await getReference());
  if (verdict.state === 'invalid' || !verdict.payload || verdict.payload.k !== 'patrol_point') {
    throw new Error(verdict.state === 'invalid' ? `巡查点二维码无效：${verdict.reason}` : '这不是巡查点二维码');
  }
  const fix = await getFix();
  if (fix.accuracy_m > MAX_ACCURACY_M) {
    throw new Error(`定位精度 ±${fix.accuracy_m} 米，超过 ${MAX_ACCURACY_M} 米，不能签到：请到开阔处重试`);
  }
  const id = uuid();
  const at = new Date().toISOString();
  await mutate({
    name: 'patrol.checkin', args: { id, point_qr: token, gps: fix, at }, entity: { type: 'patrol_checkin', id }, gps: fix,
    apply: (tx) => putPendingRecord(tx, 'patrol_checkin', id,
      { point_id: verdict.payload.id, point_name: verdict.payload.n, at, accuracy_m: fix.accuracy_m }),
  });
  return { point: verdict.payload.n, fix };
}

registerView('patrol', {
  title: '巡查签到', nav: { label: '巡查', icon: '⚑', order: 55 },
  async render(el) {
    const list = h('ul', { class: 'records patrol-log' });
    const status = h('p', { class: 'muted', 'aria-live': 'polite' }, '到达巡查点后扫描张贴的二维码，签到需 GPS 定位在巡查点范围内。');
    const input = h('input', { type: 'file', accept: 'image/*', capture: 'environment', id: 'patrol-qr-photo', hidden: true,
      onchange: async () => {
        const file = input.files[0];
        input.value = '';
        if (!file) return;
        status.textContent = '正在识别二维码并定位…';
        try {
          const token = await decodeFile(file);
          if (!token) throw new Error('未识别到二维码，请对准海报重拍');
          const { point, fix } = await checkIn(token);
          status.textContent = `已在“${point}”签到（${accuracyNote(fix)}），联网后自动上传核验`;
          toast('巡查签到已保存');
        } catch (e) {
          status.textContent = e.message;
          toast(e.message, 'error');
        }
      } });
    const draw = async () => list.replaceChildren(...(await myCheckins()).slice(0, 30).map(checkinRow));
    el.append(h('h1', {}, '巡查签到'), status,
      h('label', { class: 'btn btn-primary btn-big', for: 'patrol-qr-photo' }, '扫描巡查点二维码'), input,
      h('h2', {}, '我的签到'), list);
    await draw();
    complianceCard().then((card) => { if (card) el.append(h('h2', {}, '本周带班巡查考核'), card); });
    const offs = [on('records-changed', draw), on('outbox-changed', draw)];
    return () => offs.forEach((off) => off());
  },
});

/** 带班巡查考核 for leaders and admins (the server answers 403 to officers: then nothing is shown). */
async function complianceCard() {
  let rows;
  try { rows = await request('/api/patrol/compliance'); } catch (e) { return null; }
  if (!rows.length) return h('p', { class: 'muted' }, '本周没有带班班次');
  return h('table', { class: 'compliance' },
    h('thead', {}, h('tr', {}, ...['带班领导', '单位', '班次', '应签到', '已签到', ''].map((t) => h('th', {}, t)))),
    h('tbody', {}, ...rows.map((r) => h('tr', { class: r.met ? 'met' : 'unmet' },
      h('td', {}, r.leader_name), h('td', {}, r.unit_name), h('td', {}, String(r.shifts)), h('td', {}, String(r.required)),
      h('td', {}, String(r.done)), h('td', {}, r.met ? '达标' : '未达标')))));
}

registerSlot('today', {
  order: 40,
  async render(el) {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const mine = (await myCheckins()).filter((r) => (r.data.at || '').length &&
      new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(r.data.at)) === today);
    el.append(h('h2', {}, `巡查签到（今日 ${mine.length} 次）`), h('a', { class: 'btn', href: href('patrol') }, '去签到'));
  },
});
