// 事后公示 on the document page: for a penalty decision, leaders, legal reviewers and admins see the masked text
// to publish (server/domain/publication.py), copy it, and record where it was published, which ends the
// 7-working-day reminder. Online only: it is office work against the server's record.
import { h, toast, fmtTime, field } from '../ui.js';
import { request, isOnline } from '../api.js';
import { me } from '../reference.js';
import { bundle } from './store.js';

const ROLES = ['leader', 'legal_reviewer', 'admin'];

export async function publicationCard(docId, docType) {
  const [profile, docs] = [await me(), await bundle()];
  const publishable = Boolean(docs?.doc_types?.[docType]?.publishable);  // the server's table, cached with the bundle
  if (!publishable || !(profile?.officer.roles || []).some((r) => ROLES.includes(r))) return null;
  const card = h('section', { class: 'card publication', id: 'publication' }, h('div', { class: 'card-title' }, '事后公示'));
  if (!isOnline()) { card.append(h('p', { class: 'muted' }, '联网后可查看公示文本并登记公示')); return card; }
  const draw = async () => {
    const info = await request(`/api/documents/${encodeURIComponent(docId)}/publication`);
    const text = h('textarea', { name: 'publication-text', rows: 10, readonly: true }, info.text);
    const url = h('input', { name: 'published-url', type: 'url', placeholder: 'https://（政务网站公示页面地址）',
      value: info.published_url || '' });
    const record = async () => {
      try {
        await request(`/api/documents/${encodeURIComponent(docId)}/publication`, { method: 'PUT', json: { url: url.value.trim() } });
        toast('已登记公示，公示提醒随之结束', 'ok');
        await draw();
      } catch (e) { toast(e.message, 'error', 6000); }
    };
    card.replaceChildren(h('div', { class: 'card-title' }, '事后公示'),
      h('p', { class: info.published_at ? 'ok published' : 'warn' },
        info.published_at ? `已于 ${fmtTime(info.published_at)} 公示` : '尚未公示：处罚决定须在7个工作日内公示'),
      h('p', { class: 'hint' }, '以下文本已按规定隐去个人信息（自然人“姓+某”，身份证号、电话、住址、车牌等已删除）。'),
      text,
      h('button', { class: 'btn', type: 'button', name: 'copy',
        onclick: () => navigator.clipboard.writeText(info.text).then(() => toast('已复制', 'ok'), () => { text.select(); }) }, '复制公示文本'),
      field('公示网址', url),
      h('button', { class: 'btn btn-primary', type: 'button', name: 'record-publication', onclick: record },
        info.published_at ? '更新公示网址' : '登记公示'));
  };
  try { await draw(); } catch (e) { card.append(h('p', { class: 'error' }, e.message)); }
  return card;
}
