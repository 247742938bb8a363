// 现场检查 form (new) and detail/edit (?id=...). Every capture goes into the draft in IndexedDB at
// once, so a failed save (quota, crash, navigation to scan) never loses what was captured.
import { registerView, navigate } from '../router.js';
import { h, field, toast, badge, fmtTime } from '../ui.js';
import { take } from '../handoff.js';
import { getReference } from '../reference.js';
import { getFix, accuracyNote, WARN_ACCURACY_M } from '../geo.js';
import { resizePhoto } from '../blobs.js';
import { uuid, getRecord } from '../db.js';
import { currentOfficer } from '../session.js';
import * as store from '../inspections.js';
import { photoStrip } from './photos.js';
import { on } from '../bus.js';

const STATE_LABEL = { valid: '有效', expired: '已过期', suspended: '已暂停', revoked: '已吊销', missing: '无证', review_overdue: '逾期未年审' };

function quotaMessage(e) {
  return e && e.name === 'QuotaExceededError'
    ? '手机存储空间不足，本次未保存：已填写的内容和已拍照片仍在表单中。请先同步或清理手机空间后再点保存'
    : `保存失败：${e.message}`;
}

function catalogPicker(draft, catalog, onPick) {
  const search = h('input', { type: 'search', name: 'catalog-search', placeholder: '搜索违法行为（名称或编码）' });
  const list = h('ul', { class: 'picker' });
  const chosen = h('div', { class: 'chosen' }, draft.catalog_name ? `已选：${draft.catalog_name}` : '未选择（仅检查，无违法）');
  const draw = () => {
    const q = search.value.trim();
    const hits = catalog.filter((c) => !q || c.name.includes(q) || c.code.includes(q)).slice(0, 8);
    list.replaceChildren(...hits.map((c) => h('li', {}, h('button', { type: 'button', class: 'pick', dataset: { code: c.code },
      onclick: () => { onPick(c); chosen.textContent = `已选：${c.name}`; search.value = ''; draw(); } },
    h('strong', {}, c.name), h('small', {}, `${c.code} · ${c.violated_article || ''}`)))));
  };
  search.addEventListener('input', draw);
  draw();
  return h('div', {}, chosen, search, list);
}

async function renderNew(el) {
  const draft = await store.loadDraft();
  const ref = (await getReference()) || { officers: [], catalog: [] };
  const me = currentOfficer();
  const save = () => store.saveDraft(draft).catch((e) => toast(quotaMessage(e), 'error', 8000));
  const officerPick = take('pick:officer');
  if (officerPick && officerPick.payload) {
    const p = officerPick.payload;
    draft.second_officer = { id: p.id, full_name: p.h, certificate_number: p.n, state: officerPick.state,
      state_label: STATE_LABEL[officerPick.state] };
  }
  const credPick = take('pick:credential');
  if (credPick && credPick.payload) {
    const p = credPick.payload;
    if (!draft.credentials.some((c) => c.number === p.n)) {
      draft.credentials.push({ id: p.id, kind: p.k, number: p.n, holder: p.h, state: credPick.state });
    }
    if (!draft.party.name && p.h) draft.party.name = p.h;
    if (!draft.plate && p.v) draft.plate = p.v;
  }
  if (officerPick || credPick) await save();

  const bind = (input, get, set) => { input.value = get() || ''; input.addEventListener('input', () => { set(input.value); save(); }); return input; };
  const partyName = bind(h('input', { name: 'party-name' }), () => draft.party.name, (v) => { draft.party.name = v; });
  const partyKind = h('select', { name: 'party-kind' }, h('option', { value: 'person' }, '个人'), h('option', { value: 'organisation' }, '单位'));
  partyKind.value = draft.party.kind;
  partyKind.addEventListener('change', () => { draft.party.kind = partyKind.value; save(); });
  const idNumber = bind(h('input', { name: 'party-id' }), () => draft.party.id_number, (v) => { draft.party.id_number = v; });
  const plate = bind(h('input', { name: 'plate', autocapitalize: 'characters' }), () => draft.plate, (v) => { draft.plate = v.toUpperCase(); });
  const facts = bind(h('textarea', { name: 'facts', rows: 4 }), () => draft.facts, (v) => { draft.facts = v; });
  const place = bind(h('input', { name: 'place' }), () => draft.place, (v) => { draft.place = v; });

  const second = h('select', { name: 'second-officer' }, h('option', { value: '' }, '请选择或扫码'),
    ...ref.officers.filter((o) => o.id !== me.officer_id).map((o) => h('option', { value: o.id, disabled: o.state !== 'valid' },
      `${o.full_name} ${o.certificate_number || ''}${o.state !== 'valid' ? `（${STATE_LABEL[o.state] || o.state}）` : ''}`)));
  if (draft.second_officer) {
    if (![...second.options].some((o) => o.value === String(draft.second_officer.id))) {
      second.append(h('option', { value: draft.second_officer.id }, `${draft.second_officer.full_name} ${draft.second_officer.certificate_number}`));
    }
    second.value = String(draft.second_officer.id);
  }
  second.addEventListener('change', () => {
    const o = ref.officers.find((x) => String(x.id) === second.value);
    draft.second_officer = o ? { id: o.id, full_name: o.full_name, certificate_number: o.certificate_number, state: o.state } : null;
    save();
  });

  const gpsLine = h('p', { class: 'gps', 'data-gps': draft.gps ? 'fixed' : 'none' }, draft.gps ? accuracyNote(draft.gps) : '尚未定位');
  const gpsButton = h('button', { type: 'button', class: 'btn', name: 'gps' }, draft.gps ? '重新定位' : '获取定位');
  gpsButton.addEventListener('click', async () => {
    gpsButton.disabled = true;
    gpsLine.textContent = '正在定位…';
    try {
      const fix = await getFix();
      draft.gps = fix;
      gpsLine.textContent = `${fix.lat.toFixed(5)}, ${fix.lon.toFixed(5)} · ${accuracyNote(fix)}`;
      gpsLine.className = fix.accuracy_m > WARN_ACCURACY_M ? 'gps warn' : 'gps ok';
      gpsLine.dataset.gps = 'fixed';
      gpsButton.textContent = '重新定位';
      await save();
    } catch (e) {
      gpsLine.textContent = e.message + (draft.gps ? `（保留上次定位：${accuracyNote(draft.gps)}）` : '');
      gpsLine.className = 'gps warn';
    } finally { gpsButton.disabled = false; }
  });

  const photoMsg = h('p', { class: 'error', role: 'alert' });
  const strip = photoStrip(draft.photos);
  const camera = h('input', { type: 'file', accept: 'image/*', capture: 'environment', name: 'photo', multiple: true, class: 'visually-hidden', id: 'photo-input' });
  camera.addEventListener('change', async () => {
    photoMsg.textContent = '';
    for (const file of [...camera.files]) {
      try {
        const { blob, thumb, sha256 } = await resizePhoto(file);
        if (draft.photos.some((p) => p.sha256 === sha256)) continue;
        const photo = { id: uuid(), sha256, blob, thumb, taken_at: new Date().toISOString(), gps: draft.gps };
        draft.photos.push(photo);
        try {
          await store.saveDraft(draft);
        } catch (e) {
          draft.photos.pop();
          photoMsg.textContent = quotaMessage(e);
          continue;
        }
        strip.add(photo);
      } catch (e) {
        photoMsg.textContent = e.message;
      }
    }
    camera.value = '';
  });

  const problemsBox = h('ul', { class: 'error problems', role: 'alert' });
  const submit = h('button', { class: 'btn btn-primary btn-big', type: 'submit' }, '保存检查记录');
  const form = h('form', { class: 'inspection-form' },
    h('h1', {}, '现场检查'),
    h('fieldset', {}, h('legend', {}, '当事人与车辆'), field('当事人类型', partyKind), field('当事人', partyName),
      field('证件号码', idNumber), field('车牌号', plate),
      h('div', { class: 'chips' }, ...draft.credentials.map((c) => h('span', { class: `chip chip-${c.state}` }, `${c.holder || ''} ${c.number}`))),
      h('a', { class: 'btn', href: '#/scan?pick=credential&back=inspection' }, '扫码核验证件')),
    h('fieldset', {}, h('legend', {}, '执法人员（两人）'), h('p', {}, `本人：${me.full_name}`), field('第二名执法人员', second),
      h('a', { class: 'btn', href: '#/scan?pick=officer&back=inspection' }, '扫描执法证')),
    h('fieldset', {}, h('legend', {}, '违法行为'), catalogPicker(draft, ref.catalog || [], (c) => {
      draft.catalog_code = c.code; draft.catalog_name = c.name; save();
    })),
    h('fieldset', {}, h('legend', {}, '现场情况'), field('检查情况（事实）', facts), field('地点', place), gpsLine, gpsButton),
    h('fieldset', {}, h('legend', {}, '照片'), h('label', { class: 'btn', for: 'photo-input' }, '拍照'), camera, strip.el, photoMsg),
    problemsBox, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const issues = store.problems(draft);
    problemsBox.replaceChildren(...issues.map((t) => h('li', {}, t)));
    if (issues.length) return;
    submit.disabled = true;
    try {
      const id = await store.createInspection(draft);
      toast('已保存到本机，待同步', 'ok');
      navigate('inspection', { id });
    } catch (err) {
      problemsBox.replaceChildren(h('li', {}, quotaMessage(err)));
    } finally { submit.disabled = false; }
  });
  el.append(form);
}

async function renderDetail(el, id) {
  const record = await getRecord('inspection', id);
  if (!record) { el.append(h('p', {}, '本机没有这条检查记录')); return; }
  const d = record.data;
  const ref = (await getReference()) || { officers: [] };
  const nameOf = (id) => (ref.officers.find((o) => o.id === id) || {}).full_name || '';
  const officers = `${d.officer_name || nameOf(d.officer_id)} ${d.second_officer_name || nameOf(d.second_officer_id)}`;
  const facts = h('textarea', { name: 'facts', rows: 4 }, d.facts || '');
  const place = h('input', { name: 'place', value: d.place || '' });
  const msg = h('p', { class: 'muted' });
  const form = h('form', { class: 'card' }, field('检查情况（事实）', facts), field('地点', place),
    h('button', { class: 'btn btn-primary', type: 'submit' }, '保存修改'), msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const changed = await store.updateInspection(id, { facts: facts.value, place: place.value });
      msg.textContent = changed ? '修改已保存到本机，待同步' : '没有修改';
      if (changed) navigate('inspection', { id });
    } catch (err) { msg.textContent = quotaMessage(err); }
  });
  const state = h('div', { class: 'sync-state' });
  const drawState = (r) => state.replaceChildren(badge(r.sync), r.message ? h('p', { class: 'warn' }, r.message) : '');
  drawState(record);
  el.append(h('h1', {}, '检查记录'),
    h('div', { class: 'card', dataset: { inspection: id } }, h('strong', {}, d.party?.name || d.plate || '现场检查'), state,
      h('p', { class: 'facts' }, d.facts || ''),
      h('p', {}, `时间：${fmtTime(d.occurred_at)}`), h('p', {}, `车牌：${d.plate || '—'}`),
      h('p', {}, `违法行为：${d.catalog_name || d.catalog_code || '无'}`),
      h('p', {}, `执法人员：${officers}`),
      h('p', {}, d.gps ? `定位：${accuracyNote(d.gps)}` : d.accuracy_m ? `定位精度 ±${Math.round(d.accuracy_m)} 米` : '定位：无'),
      (d.photos || []).length ? photoStrip(d.photos, { fromStore: true }).el : null),
    form);
  // Badges and pulled values change while the page is open (sync in the background); the form is left alone.
  return on('records-changed', async () => {
    const now = await getRecord('inspection', id);
    if (!now) return;
    drawState(now);
    el.querySelector('.facts').textContent = now.data.facts || '';
  });
}

registerView('inspection', {
  title: '现场检查', nav: { label: '检查', icon: '✎', order: 30 },
  render(el, params) { return params.id ? renderDetail(el, params.id) : renderNew(el); },
});
