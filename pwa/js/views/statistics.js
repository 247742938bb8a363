// 执法统计: the year's figures per unit of my subtree (server/services/statistics.py), for leaders, legal
// reviewers and admins; the annual report is due by 31 January. Online only (it counts the server's records).
import { registerView, navigate } from '../router.js';
import { h, toast } from '../ui.js';
import { request, isOnline } from '../api.js';

const MONEY = new Set(['fines_fen']);
const cell = (key, value) => (MONEY.has(key) ? `${(Number(value || 0) / 100).toFixed(2)}` : String(value ?? ''));

async function download(year) {
  const resp = await request(`/api/statistics/annual?year=${year}&format=csv`, { raw: true });
  const a = h('a', { href: URL.createObjectURL(await resp.blob()), download: `执法统计-${year}.csv` });
  a.click();
}

registerView('statistics', {
  title: '执法统计',
  async render(el, params) {
    const thisYear = Number(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()));
    const year = Number(params.year) || thisYear;
    const pick = h('select', { name: 'year', onchange: () => navigate('statistics', { year: pick.value }) },
      ...[thisYear, thisYear - 1, thisYear - 2].map((y) => h('option', { value: y, selected: y === year }, `${y}年`)));
    const body = h('div', { class: 'statistics' });
    el.append(h('h1', {}, '执法统计'), h('div', { class: 'row' }, pick,
      h('button', { class: 'btn', name: 'csv', onclick: () => download(year).catch((e) => toast(e.message, 'error')) }, '下载表格（CSV）')),
    body);
    if (!isOnline()) { body.append(h('p', { class: 'muted' }, '执法统计需要联网')); return; }
    try {
      const report = await request(`/api/statistics/annual?year=${year}`);
      const cols = report.columns.filter((c) => c.key !== 'unit_code');
      const row = (r, cls) => h('tr', { class: cls || '' }, ...cols.map((c) => h('td', {}, cell(c.key, r[c.key]))));
      body.append(h('p', { class: 'muted' }, `${report.year}年 · 罚款金额单位：元`),
        h('div', { class: 'table-scroll' }, h('table', { class: 'stats' },
          h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', {}, c.label.replace('（分）', '（元）'))))),
          h('tbody', {}, ...report.units.map((r) => row(r)), row(report.total, 'total')))));
    } catch (e) { body.append(h('p', { class: 'error' }, e.message)); }
  },
});
