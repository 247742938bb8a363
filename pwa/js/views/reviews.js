// 法制审核: legal reviewers see the unit's submitted cases and give the written opinion item by item
// (server/domain/legal_review.py); handling officers see how their submissions were judged. Online only:
// an opinion is an office decision made against the server's current file, never queued.
import { registerView } from '../router.js';
import { h, toast, fmtTime, field } from '../ui.js';
import { request, isOnline } from '../api.js';
import { me } from '../reference.js';

const STATUS = { pending: '待审核', approved: '审核通过', returned: '退回补充' };
const fen = (n) => `${(Number(n || 0) / 100).toFixed(2)}元`;

export const reviewsApi = {
  list: (status) => request(`/api/reviews?status=${encodeURIComponent(status)}`),
  decide: (review, body) => request(`/api/reviews/${review.id}/decision`, {
    method: 'POST', json: body, headers: { 'If-Match': `"${review.version}"` } }),
};

function summary(review) {
  const c = review.case || {};
  return h('dl', {},
    h('dt', {}, '案件'), h('dd', {}, `${c.id || review.case_id}（${c.status_label || ''}）`),
    h('dt', {}, '违法事实'), h('dd', { class: 'facts' }, c.facts || '（未填写）'),
    h('dt', {}, '时间地点'), h('dd', {}, `${fmtTime(c.occurred_at)} ${c.place || ''}`),
    h('dt', {}, '拟罚款'), h('dd', {}, fen(c.fine_fen)),
    h('dt', {}, '报审'), h('dd', {}, `${review.submitted_by_name || ''} · ${fmtTime(review.submitted_at)}`),
    review.note ? h('dt', {}, '报审说明') : null, review.note ? h('dd', {}, review.note) : null);
}

function opinionForm(review, done) {
  const rows = review.checks.map((c) => {
    const name = `check-${review.id}-${c.item}`;
    const choice = (value, label) => h('label', { class: 'choice' },
      h('input', { type: 'radio', name, value, checked: value === 'ok' }), label);
    return h('fieldset', { class: 'check', dataset: { item: c.item } },
      h('legend', {}, c.label), choice('ok', '无问题'), choice('problem', '有问题'));
  });
  const opinion = h('textarea', { name: 'opinion', rows: 4, placeholder: '书面审核意见（存在问题的，写明需补充或修改的内容）' });
  const send = async (result) => {
    if (!isOnline()) { toast('提交审核意见需要联网', 'warn'); return; }
    const checks = Object.fromEntries(rows.map((r) => [r.dataset.item, r.querySelector('input:checked').value]));
    try {
      await reviewsApi.decide(review, { result, opinion: opinion.value, checks });
      toast(result === 'approved' ? '已审核通过，承办人员将收到通知' : '已退回补充，承办人员将收到通知', 'ok');
      done();
    } catch (e) { toast(e.message, 'error', 6000); }
  };
  return h('form', { class: 'review-form', onsubmit: (e) => e.preventDefault() }, ...rows, field('审核意见', opinion),
    h('div', { class: 'row' },
      h('button', { class: 'btn btn-primary', type: 'button', name: 'approve', onclick: () => send('approved') }, '审核通过'),
      h('button', { class: 'btn', type: 'button', name: 'return', onclick: () => send('returned') }, '退回补充')));
}

function reviewCard(review, canDecide, redraw) {
  const problems = review.checks.filter((c) => c.result === 'problem').map((c) => c.label);
  return h('article', { class: `card review review-${review.status}`, dataset: { review: review.id } },
    h('div', { class: 'card-title' }, `法制审核 · ${STATUS[review.status] || review.status}`),
    summary(review),
    review.status !== 'pending' ? h('div', { class: 'review-result' },
      problems.length ? h('p', { class: 'problems' }, `存在问题：${problems.join('、')}`) : null,
      h('p', { class: 'opinion' }, `审核意见：${review.opinion}`),
      h('p', { class: 'muted' }, `${review.reviewer_name || ''} · ${fmtTime(review.decided_at)}`)) : null,
    review.status === 'pending' && canDecide ? opinionForm(review, redraw) : null,
    review.status === 'pending' && !canDecide ? h('p', { class: 'hint' }, '等待法制审核人员审核；结论会通知您。') : null);
}

registerView('reviews', {
  title: '法制审核',
  async render(el, params) {
    const list = h('div', { class: 'reviews' });
    const status = params.status || 'pending';
    const tabs = h('div', { class: 'row' }, ...Object.entries({ pending: '待审核', all: '全部' }).map(([k, v]) =>
      h('a', { class: `btn${k === status ? ' btn-primary' : ''}`, href: `#/reviews?status=${k}` }, v)));
    const draw = async () => {
      if (!isOnline()) { list.replaceChildren(h('p', { class: 'muted' }, '法制审核需要联网，请连接网络后再打开')); return; }
      const profile = await me();
      const canDecide = (profile?.officer.roles || []).includes('legal_reviewer');
      try {
        const rows = await reviewsApi.list(status);
        list.replaceChildren(...(rows.length ? rows.map((r) => reviewCard(r, canDecide && r.submitted_by !== profile.officer.id, draw))
          : [h('p', { class: 'muted empty' }, status === 'pending' ? '没有待审核的案件' : '没有审核记录')]));
      } catch (e) { list.replaceChildren(h('p', { class: 'error' }, e.message)); }
    };
    el.append(h('h1', {}, '法制审核'), tabs, list);
    await draw();
  },
});
