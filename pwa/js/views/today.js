// 今日: my inspections, then cards other features register with registerSlot('today', ...)
// (documents issued, corrections due, patrol status).
import { registerView, registerSlot, slotItems, href } from '../router.js';
import { h, badge } from '../ui.js';
import { listRecords } from '../db.js';
import { myInspections } from '../inspections.js';
import { me } from '../reference.js';
import { recordRow } from './records.js';

const FOLLOWUP_KINDS = { commitment: '承诺改正', correction: '责令改正' };

function shanghaiDay(iso) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(iso ? new Date(iso) : new Date());
}

registerSlot('today', {
  order: 10,
  async render(el) {
    const all = await myInspections();
    const today = all.filter((r) => shanghaiDay(r.data.occurred_at) === shanghaiDay());
    el.append(h('h2', {}, `我的检查（今日 ${today.length} 条）`),
      all.length ? h('ul', { class: 'records' }, ...all.slice(0, 20).map(recordRow)) : h('p', { class: 'muted' }, '今天还没有检查记录'),
      h('a', { class: 'btn btn-primary btn-big', href: href('inspection') }, '新建现场检查'));
  },
});

// Documents issued today and correction deadlines, from the records sync pulls for my unit
// (entity types `document` and `followup`, server/services/documents.py and cases.py).
registerSlot('today', {
  order: 15,
  async render(el) {
    const today = shanghaiDay();
    const docs = (await listRecords('document')).filter((r) => r.data.issued_at && shanghaiDay(r.data.issued_at) === today);
    const due = (await listRecords('followup')).filter((r) => r.data.status === 'open' && r.data.due_date)
      .sort((a, b) => a.data.due_date.localeCompare(b.data.due_date));
    const daysLeft = (d) => Math.round((Date.parse(d) - Date.parse(today)) / 86400000);
    const numbers = new Map((await listRecords('document')).map((r) => [r.id, r.data.number]));
    const cnDate = (d) => { const [, m, day] = d.split('-').map(Number); return `${m}月${day}日`; };
    el.append(h('h2', {}, `今日文书 ${docs.length} 份`),
      docs.length ? h('ul', { class: 'records' }, ...docs.map((r) => h('li', { class: 'record' },
        `${r.data.title || r.data.doc_type} ${r.data.number || ''}`, badge(r.sync)))) : null,
      h('h2', {}, `待核查整改 ${due.length} 项`),
      due.length ? h('ul', { class: 'records' }, ...due.slice(0, 10).map((r) => {
        const left = daysLeft(r.data.due_date);
        // Which promise is due matters on the road: the kind and the document number, then the date as documents say it.
        const what = `${FOLLOWUP_KINDS[r.data.kind] || '整改'} ${numbers.get(r.data.document_id) || ''}`.trim();
        return h('li', { class: `record ${left < 0 ? 'error' : left <= 1 ? 'warn' : ''}` },
          h('a', { href: href('followups') }, `${what} · ${cnDate(r.data.due_date)}到期`
            + `（${left < 0 ? `已逾期 ${-left} 天` : left === 0 ? '今天到期' : `还有 ${left} 天`}）`));
      })) : h('p', { class: 'muted' }, '没有待核查的整改期限'));
  },
});

registerView('today', {
  title: '今日', nav: { label: '今日', icon: '☀', order: 10 },
  async render(el, params, ctx) {
    const profile = await me();
    const cert = profile && profile.officer.certificate;
    el.append(h('h1', {}, '今日'),
      profile ? h('p', { class: `muted cert-${profile.state}` },
        `${profile.officer.unit_name} · 执法证 ${cert ? cert.number : '无'}（${profile.state_label}）`) : null);
    for (const item of slotItems('today')) {
      const card = h('section', { class: 'card' });
      el.append(card);
      try { await item.render(card, ctx); } catch (e) { card.append(h('p', { class: 'error' }, e.message)); }
    }
  },
});
