// 扫码核验: camera QR → offline signature/validity/revocation check → banner; photo and manual fallbacks.
// With ?pick=officer|credential&back=<view> the verified result is handed back to that view.
import { registerView, navigate } from '../router.js';
import { h, field, toast, fmtTime } from '../ui.js';
import { decodeFrame, decodeFile, verifyToken, STATES, KIND_LABELS } from '../qr.js';
import { getReference, cacheLookup, cachedLookup } from '../reference.js';
import { api, ApiError, isOnline } from '../api.js';
import { put } from '../handoff.js';

const CAMERA_ERRORS = {
  NotAllowedError: '未获得摄像头权限：请在浏览器设置中允许使用摄像头，或用“拍照识别”“手动输入号码”核验',
  NotFoundError: '未找到摄像头：请用“拍照识别”或“手动输入号码”核验',
  NotReadableError: '摄像头被其他应用占用：请关闭其他应用后重试',
};

export function resultView(result) {
  const tone = STATES[result.state] || STATES.unknown;
  const p = result.payload || {};
  const rows = [
    ['证件', KIND_LABELS[p.k] || p.k], ['号码', p.n], ['持证人', p.h], ['车牌', p.v], ['单位', p.u],
    ['有效期', p.vf || p.vu ? `${p.vf || '?'} 至 ${p.vu || '?'}` : null], ['说明', result.reason], ['来源', result.source],
  ].filter(([, v]) => v);
  return h('section', { class: `result result-${tone.tone}`, 'data-state': result.state, 'aria-live': 'assertive' },
    h('div', { class: 'result-banner' }, tone.label),
    h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
}

/** Offline verification, then (if online) the live status, which may be newer than the code. */
async function check(token) {
  const local = await verifyToken(token, await getReference());
  local.source = '本机离线核验';
  if (local.payload) await cacheLookup(`n:${local.payload.n}`, local);
  if (local.state === 'invalid' || !isOnline()) return local;
  try {
    const live = await api.scan(token);
    const r = live.result;
    const state = r.state === 'review_overdue' ? 'expired' : r.state in STATES ? r.state : 'unknown';
    const merged = { ...local, state, source: '在线核验（实时状态）', reason: r.state_label };
    await cacheLookup(`n:${local.payload.n}`, merged);
    return merged;
  } catch (e) {
    return local;  // offline or server down: the offline verdict stands
  }
}

async function manualLookup(number, kind) {
  if (isOnline()) {
    try {
      const body = kind === 'enforcement_cert' ? await api.officerCertificate(number) : await api.credential(number);
      const token = body.qr;
      if (token) {
        const result = await verifyToken(token, await getReference());
        const state = body.state === 'review_overdue' ? 'expired' : body.state in STATES ? body.state : 'unknown';
        const out = { ...result, state, source: '在线查询', reason: body.state_label };
        await cacheLookup(`n:${number}`, out);
        return out;
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return { state: 'unknown', payload: { n: number }, reason: e.message, source: '在线查询' };
      if (!(e instanceof ApiError) || e.code !== 'offline') throw e;
    }
  }
  const hit = await cachedLookup(`n:${number}`);
  if (hit) return { ...hit.result, source: `本机缓存（${fmtTime(hit.fetched_at)} 核验）` };
  return { state: 'unknown', payload: { n: number }, reason: '离线且本机无此证件的核验记录，请联网后核查', source: '离线' };
}

registerView('scan', {
  title: '扫码核验', nav: { label: '扫码', icon: '▣', order: 20 },
  async render(el, params) {
    const out = h('div', { class: 'scan-result' });
    const video = h('video', { class: 'camera', playsinline: true, muted: true, hidden: true });
    const msg = h('p', { class: 'error', role: 'alert' });
    let stream = null;
    let stopped = false;
    const stop = () => { stopped = true; if (stream) stream.getTracks().forEach((t) => t.stop()); video.hidden = true; };

    const show = (result) => {
      out.replaceChildren(resultView(result));
      if (params.pick && result.payload && result.state !== 'invalid') {
        out.append(h('button', { class: 'btn btn-primary', onclick: () => {
          put(`pick:${params.pick}`, result);
          navigate(params.back || 'inspection', params.id ? { id: params.id } : {});
        } }, params.pick === 'officer' ? '作为第二名执法人员' : '加入检查记录'));
      }
    };
    const handle = async (token) => { stop(); show(await check(token)); };

    const startCamera = async () => {
      msg.textContent = '';
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
      } catch (e) {
        msg.textContent = CAMERA_ERRORS[e.name] || `无法打开摄像头：${e.message}`;
        return;
      }
      stopped = false;
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      while (!stopped) {
        if (video.readyState >= 2) {
          const bitmap = await createImageBitmap(video);
          const text = await decodeFrame(bitmap).finally(() => bitmap.close());
          if (text) { await handle(text); return; }
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    };

    const photo = h('input', { type: 'file', accept: 'image/*', capture: 'environment', class: 'visually-hidden',
      id: 'qr-photo', onchange: async () => {
        const file = photo.files[0];
        if (!file) return;
        // The previous verdict must not stay on screen while the new photo is read: an officer glancing at
        // the phone would take it for this credential's.
        msg.textContent = '';
        out.replaceChildren(h('p', { class: 'muted scan-pending' }, '正在识别…'));
        const text = await decodeFile(file).catch(() => null);
        if (text) await handle(text);
        else { out.replaceChildren(); msg.textContent = '照片中未识别到二维码，请靠近并对准后重拍'; }
        photo.value = '';
      } });
    const number = h('input', { name: 'number', placeholder: '证件号码 / 执法证号', autocomplete: 'off' });
    const kind = h('select', { name: 'kind' }, ...Object.entries(KIND_LABELS).map(([k, v]) => h('option', { value: k }, v)));
    if (params.pick === 'officer') kind.value = 'enforcement_cert';
    const manual = h('form', { class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      if (!number.value.trim()) return;
      msg.textContent = '';
      out.replaceChildren(h('p', { class: 'muted scan-pending' }, '正在查询…'));
      try { stop(); show(await manualLookup(number.value.trim(), kind.value)); } catch (err) { out.replaceChildren(); msg.textContent = err.message; }
    } }, h('div', { class: 'card-title' }, '手动输入号码'), field('证件类型', kind), field('号码', number),
    h('button', { class: 'btn', type: 'submit' }, '查询'));

    el.append(h('h1', {}, params.pick === 'officer' ? '扫描第二名执法人员执法证' : '扫码核验证件'),
      h('div', { class: 'row' },
        h('button', { class: 'btn btn-primary btn-big', id: 'start-camera', onclick: startCamera }, '打开摄像头扫码'),
        h('label', { class: 'btn btn-big', for: 'qr-photo' }, '拍照识别')),
      photo, video, msg, out, manual);
    if (params.auto === '1') startCamera().catch((e) => toast(e.message, 'error'));
    return stop;
  },
});
