// 需要处理: conflicts (server keeps its value until a person decides) and rejected mutations, each with
// the server's message and what the officer can do about it.
import { registerView, navigate } from '../router.js';
import { h, toast, fmtTime } from '../ui.js';
import { inboxItems, resolveConflict, dismissInbox, refreshInbox } from '../sync-client.js';
import { on } from '../bus.js';
import { isOnline } from '../api.js';
import { me } from '../reference.js';

// Who may settle a conflict (server/services/conflicts.py SETTLING_ROLES); others see it and are told who will.
const SETTLING_ROLES = ['legal_reviewer', 'leader', 'admin'];

const ENTITY_LABELS = { inspection: '检查记录', case: '案件', document: '文书' };
const FIELD_LABELS = { facts: '检查情况（事实）', place: '地点', plate: '车牌号', catalog_code: '违法行为' };
const show = (v) => (v === null || v === undefined || v === '' ? '（空）' : typeof v === 'string' ? v : JSON.stringify(v));

function conflictCard(item, canSettle) {
  const custom = h('textarea', { name: 'custom', rows: 2, placeholder: '或输入新的值' });
  const act = async (resolution, value) => {
    if (!isOnline()) { toast('处理冲突需要联网', 'warn'); return; }
    try {
      await resolveConflict(item.conflict_id, resolution, value);
      toast('已处理，结果将同步到所有设备', 'ok');
    } catch (e) { toast(`处理失败：${e.message}`, 'error'); }
  };
  return h('article', { class: 'card inbox-item conflict', dataset: { conflict: item.conflict_id } },
    h('div', { class: 'card-title' }, `冲突：${FIELD_LABELS[item.field] || item.field}`),
    h('p', { class: 'muted' }, `${ENTITY_LABELS[item.entity_type] || item.entity_type || ''} ${String(item.entity_id || '').slice(0, 8)} · ${fmtTime(item.created_at)}`),
    h('p', {}, item.message || '同一字段在两台设备上被改成了不同的值，服务器暂时保留服务器上的值。'),
    h('dl', {}, h('dt', {}, '原值'), h('dd', {}, show(item.base)),
      h('dt', {}, '服务器上的值'), h('dd', { class: 'server-value' }, show(item.server_value)),
      h('dt', {}, '设备提交的值'), h('dd', { class: 'device-value' }, show(item.device_value))),
    canSettle ? null : h('p', { class: 'hint' }, '此冲突由带班领导或法制审核人员处理；处理结果会自动同步到本机。如有补充情况请告知他们。'),
    ...(canSettle ? conflictActions(custom, act) : []));
}

function conflictActions(custom, act) {
  return [h('p', { class: 'hint' }, '您可以：保留服务器上的值、采用设备提交的值，或输入合并后的新值。'),
    h('div', { class: 'row' },
      h('button', { class: 'btn', name: 'keep_server', onclick: () => act('keep_server') }, '保留服务器值'),
      h('button', { class: 'btn', name: 'take_device', onclick: () => act('take_device') }, '采用设备值')),
    custom, h('button', { class: 'btn', name: 'custom', onclick: () => custom.value.trim() && act('custom', custom.value) }, '使用新值')];
}

function rejectedCard(item) {
  const [type, id] = (item.entity_key || '').split(':');
  return h('article', { class: 'card inbox-item rejected', dataset: { code: item.code || '' } },
    h('div', { class: 'card-title' }, '被拒绝'),
    h('p', {}, item.message || '服务器拒绝了这条记录'),
    h('p', { class: 'muted' }, `错误代码：${item.code || '—'} · ${fmtTime(item.at)}`),
    h('p', { class: 'hint' }, '您可以：打开记录按提示修改后重新保存；如有疑问请联系法制审核人员。原始内容保留在本机。'),
    h('div', { class: 'row' },
      type === 'inspection' ? h('button', { class: 'btn', onclick: () => navigate('inspection', { id }) }, '打开记录') : null,
      h('button', { class: 'btn', onclick: () => dismissInbox(item.id) }, '知道了')));
}

registerView('inbox', {
  title: '需要处理', nav: { label: '需处理', icon: '!', order: 40 },
  async render(el) {
    const list = h('div', { class: 'inbox' });
    const draw = async () => {
      const items = await inboxItems();
      const profile = await me();
      const canSettle = (profile?.officer.roles || []).some((r) => SETTLING_ROLES.includes(r));
      list.replaceChildren(...(items.length ? items.map((i) => (i.kind === 'conflict' ? conflictCard(i, canSettle) : rejectedCard(i)))
        : [h('p', { class: 'muted empty' }, '没有需要处理的事项')]));
    };
    el.append(h('h1', {}, '需要处理'),
      h('a', { class: 'btn', href: '#/reviews', id: 'open-reviews' }, '法制审核：待审案件与审核结论 →'), list);
    await draw();
    if (isOnline()) refreshInbox().catch(() => {});
    return on('inbox-changed', draw);
  },
});
