// 文书 plug-in: list of documents on this phone, and issuing one offline from an inspection — eligibility
// and reasons shown as the officer fills the form, the document previewed exactly as it will print, the
// party's signature captured (or the refusal recorded with a witness), then queued for sync.
import { registerView, navigate, href } from '../router.js';
import { h, toast, badge, fmtTime, field } from '../ui.js';
import { on } from '../bus.js';
import { getRecord, listRecords, mutate, putPendingRecord, uuid } from '../db.js';
import { request } from '../api.js';
import { isUnlocked } from '../session.js';
import { PROCEDURE_NAMES, yuan } from '../domain/eligibility.js';
import { DOC_TYPES } from './context.js';
import * as store from './store.js';
import { publicationCard } from './publication.js';

document.head.append(h('link', { rel: 'stylesheet', href: '/js/documents/documents.css' }));

// Top up the bundle and number blocks whenever the phone is online and unlocked.
const refresh = () => { if (isUnlocked() && navigator.onLine) store.prepare().catch((e) => console.warn('documents', e)); };
on('session', refresh);
on('sync-status', ({ state } = {}) => { if (state === 'idle') refresh(); });
window.addEventListener('online', refresh);

registerView('documents', {
  title: '文书',
  nav: { label: '文书', icon: '▤', order: 40 },
  async render(el) {
    refresh();
    const [docs, inspections] = [await listRecords('document'), await listRecords('inspection')];
    docs.sort((a, b) => (b.data.issued_at || '').localeCompare(a.data.issued_at || ''));
    el.append(h('h1', {}, '执法文书'), h('a', { class: 'btn', href: href('followups') }, '整改核查'),
      h('h2', {}, '本机签发的文书'),
      docs.length ? h('ul', { class: 'records doc-list' }, ...docs.map((d) => h('li', { class: 'record', dataset: { key: d.key, sync: d.sync } },
        h('a', { href: href('document', { id: d.id }) }, `${d.data.title} ${d.data.number}`), badge(d.sync),
        h('small', { class: 'muted' }, fmtTime(d.data.issued_at))))) : h('p', { class: 'muted' }, '还没有签发文书'),
      h('h2', {}, '从检查记录签发'),
      h('ul', { class: 'records' }, ...inspections.filter((r) => r.data.catalog_code).map((r) => h('li', { class: 'record' },
        h('span', {}, `${r.data.party?.name || r.data.plate || '检查记录'} · ${r.data.catalog_name || r.data.catalog_code}`),
        h('a', { class: 'btn', href: href('document-issue', { inspection: r.id }), dataset: { inspection: r.id } }, '签发文书')))));
  },
});

registerView('document', {
  title: '文书',
  async render(el, params) {
    let rec = await getRecord('document', params.id);
    if (!rec) {
      // Opened from a reminder about a document of this unit issued on another phone.
      try {
        const d = await request(`/api/documents/${encodeURIComponent(params.id)}`);
        rec = { id: d.id, sync: 'synced', data: { title: d.title, number: d.number, html: d.html, doc_type: d.doc_type } };
      } catch (e) {
        el.append(h('p', { class: 'error' }, '本机没有这份文书，联网后可查看'));
        return undefined;
      }
    }
    const paper = h('div', { class: 'doc-paper' });
    if (!rec.data.html) {
      // Issued on another phone (pulled as a summary): the server has the full text.
      try { rec.data.html = (await request(`/api/documents/${encodeURIComponent(rec.id)}`)).html; } catch (e) {
        paper.append(h('p', { class: 'muted' }, '这份文书由其他设备签发，联网后可查看全文'));
      }
    }
    if (rec.data.html) paper.innerHTML = rec.data.html;  // nunjucks/Jinja output, autoescaped
    const state = h('p', { class: 'sync-state' });
    const drawState = async () => {
      const now = (await getRecord('document', params.id)) || rec;
      state.replaceChildren(badge(now.sync), now.message ? ` ${now.message}` : '');
    };
    el.append(h('h1', {}, rec.data.title), state, h('p', { class: 'doc-number' }, rec.data.number),
      await publicationCard(rec.id, rec.data.doc_type), paper);
    await drawState();
    return on('records-changed', drawState);
  },
});

function signaturePadBox() {
  const canvas = h('canvas', { class: 'signature', width: 320, height: 160, 'aria-label': '当事人签名区' });
  const refused = h('input', { type: 'checkbox', name: 'refused' });
  const witness = h('input', { name: 'witness', placeholder: '见证人姓名（或录像编号）' });
  const note = h('input', { name: 'refusal-note', placeholder: '说明（可选）' });
  let pad = null;
  const ready = import('../../vendor/signature_pad/signature_pad.js').then(({ default: SignaturePad }) => {
    pad = new SignaturePad(canvas, { minWidth: 1, maxWidth: 2.5, penColor: '#000', backgroundColor: '#fff' });
  });
  const box = h('fieldset', { class: 'signature-box' }, h('legend', {}, '当事人签名'), canvas,
    h('button', { type: 'button', class: 'btn', onclick: () => pad && pad.clear() }, '清除重签'),
    h('label', { class: 'check' }, refused, '当事人拒绝签名'), field('见证人', witness), field('说明', note));
  return {
    box, ready,
    async value() {
      if (refused.checked) {
        if (!witness.value.trim()) throw new Error('当事人拒绝签名时，请填写见证人或录像记录');
        return { blob: null, witness: witness.value.trim(), note: note.value.trim() || null };
      }
      if (!pad || pad.isEmpty()) throw new Error('请当事人在签名区签名，或勾选“当事人拒绝签名”并填写见证人');
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
      return { blob };
    },
  };
}

registerView('document-issue', {
  title: '签发文书',
  async render(el, params) {
    const rec = await getRecord('inspection', params.inspection);
    if (!rec) { el.append(h('p', { class: 'error' }, '本机没有这条检查记录')); return; }
    const photos = (rec.data.photos || []).length;
    const docType = h('select', { name: 'doc-type' }, ...Object.entries(DOC_TYPES).map(([k, [title]]) => h('option', { value: k }, title)));
    docType.value = 'commitment_letter';
    const harm = h('select', { name: 'harm' }, h('option', { value: 'none' }, '无危害后果'),
      h('option', { value: 'slight' }, '危害后果轻微'), h('option', { value: 'serious' }, '危害后果较重'));
    const corrected = h('input', { type: 'checkbox', name: 'corrected', checked: true });
    const first = h('input', { type: 'checkbox', name: 'first', checked: true });
    const fine = h('input', { name: 'fine', type: 'number', min: 0, step: 1, placeholder: '留空按裁量基准下限' });
    const evidence = h('textarea', { name: 'evidence', rows: 2 }, photos ? `现场照片${photos}张` : '现场检查情况');
    const correction = h('input', { name: 'correction', placeholder: '如：拆除违法设置的标志' });
    const statement = h('textarea', { name: 'statement', rows: 2, placeholder: '当事人陈述（可选）' });
    const verdict = h('div', { class: 'verdict', 'aria-live': 'polite' });
    const preview = h('div', { class: 'doc-paper', hidden: true });
    const sig = signaturePadBox();
    const issueBtn = h('button', { type: 'submit', class: 'btn btn-primary', name: 'issue' }, '签发并保存');

    const form = () => ({
      doc_type: docType.value, harm: harm.value, corrected_on_spot: corrected.checked, first_violation: first.checked,
      fine_fen: fine.value === '' ? null : Math.round(Number(fine.value) * 100),
      evidence: evidence.value.split('\n').map((s) => s.trim()).filter(Boolean),
      correction: correction.value.trim(), statement: statement.value.trim(),
    });
    const evaluate = async () => {
      try {
        const { decision } = await store.prepareData(rec.id, form());
        const procedure = store.DOC_PROCEDURE[docType.value] || decision.outcome;
        const caseRec = (await listRecords('case')).find((c) => c.data.inspection_id === rec.id) || null;
        const gate = store.reviewGate((await store.bundle())?.doc_types, docType.value, procedure, caseRec);
        const ok = decision.allowed.includes(procedure) && !gate;
        issueBtn.disabled = !ok;
        verdict.replaceChildren(...[
          h('p', { class: ok ? 'ok' : 'warn', dataset: { outcome: decision.outcome } },
            `适用：${PROCEDURE_NAMES[decision.outcome]}${decision.fine_fen ? `，罚款${yuan(decision.fine_fen)}` : ''}`),
          ok ? null : h('p', { class: 'error refusal' }, gate || store.refusal(procedure, decision)),
          h('ul', { class: 'reasons' }, ...decision.reasons.map((r) => h('li', { dataset: { code: r.code } }, r.text)))]
          .filter(Boolean));
      } catch (e) {
        issueBtn.disabled = true;
        verdict.replaceChildren(h('p', { class: 'error' }, e.message));
      }
    };
    const showPreview = async () => {
      try {
        const { data } = await store.prepareData(rec.id, form());
        data.number_text = '（签发时编号）';
        preview.innerHTML = await store.render(data);
        preview.hidden = false;
      } catch (e) { toast(e.message, 'error', 8000); }
    };
    const submit = async (ev) => {
      ev.preventDefault();
      issueBtn.disabled = true;
      try {
        const id = await store.issue(rec.id, form(), await sig.value());
        toast('文书已签发，联网后自动同步', 'info');
        navigate('document', { id });
      } catch (e) {
        toast(e.message, 'error', 8000);
        issueBtn.disabled = false;
      }
    };
    for (const input of [docType, harm, corrected, first, fine]) input.addEventListener('change', evaluate);
    el.append(h('h1', {}, '签发文书'),
      h('p', { class: 'muted' }, `${rec.data.party?.name || ''} · ${rec.data.catalog_name || rec.data.catalog_code} · ${rec.data.place || ''}`),
      h('form', { class: 'document-form', onsubmit: submit },
        field('文书种类', docType), field('危害后果', harm),
        h('label', { class: 'check' }, corrected, '当场改正'), h('label', { class: 'check' }, first, '初次违法（本机未见同类记录）'),
        field('罚款（元）', fine), field('证据（每行一项）', evidence), field('责令改正内容', correction), field('当事人陈述', statement),
        verdict,
        h('button', { type: 'button', class: 'btn', name: 'preview', onclick: showPreview }, '预览文书'), preview,
        sig.box, issueBtn));
    await sig.ready;
    await evaluate();
  },
});

// 整改核查: verify a commitment letter's or correction notice's follow-up (corrected / not corrected →
// the case goes to 普通程序). Works offline; the server re-checks the certificate and the case status.
registerView('followups', {
  title: '整改核查',
  async render(el) {
    const open = (await listRecords('followup')).filter((r) => r.data.status === 'open')
      .sort((a, b) => (a.data.due_date || '').localeCompare(b.data.due_date || ''));
    const verify = async (r, result) => {
      const note = el.querySelector(`textarea[data-followup="${r.id}"]`).value.trim();
      await mutate({
        name: 'followup.verify', entity: { type: 'followup', id: r.id },
        args: { id: uuid(), followup_id: r.id, result, note, evidence_ids: [] },
        apply: (tx) => putPendingRecord(tx, 'followup', r.id, { status: result, result_note: note }),
      });
      toast(result === 'corrected' ? '已记录：已改正' : '已记录：未改正，案件将转普通程序');
      el.replaceChildren();
      await this.render(el);
    };
    el.append(h('h1', {}, '整改核查'), open.length ? h('ul', { class: 'records' }, ...open.map((r) => h('li', { class: 'record followup' },
      h('strong', {}, `${r.data.kind === 'commitment' ? '告知承诺' : '责令改正'} · ${r.data.due_date} 到期`),
      h('textarea', { rows: 2, placeholder: '核查情况', dataset: { followup: r.id } }),
      h('button', { class: 'btn', onclick: () => verify(r, 'corrected') }, '已改正'),
      h('button', { class: 'btn btn-danger', onclick: () => verify(r, 'not_corrected') }, '未改正')))) : h('p', { class: 'muted' }, '没有待核查的整改'));
  },
});
