// 今日: my inspections, then cards other features register with registerSlot('today', ...)
// (documents issued, corrections due, patrol status).
import { registerView, registerSlot, slotItems, href } from '../router.js';
import { h } from '../ui.js';
import { myInspections } from '../inspections.js';
import { me } from '../reference.js';
import { recordRow } from './records.js';

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
    if (slotItems('today').length === 1) {
      el.append(h('section', { class: 'card muted' }, h('h2', {}, '文书、整改期限、巡查'),
        h('p', {}, '文书签发、整改期限和带班巡查功能未安装时，这里不显示数据。')));
    }
  },
});
