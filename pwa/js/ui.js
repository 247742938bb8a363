// DOM helpers shared by all views: h() builds elements, toast() reports, badge() shows sync state.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const SYNC_LABELS = {
  pending: '待同步', synced: '已同步', merged: '已合并', conflict: '冲突', rejected: '被拒绝', waiting: '等待关联数据',
};

export function badge(state) {
  return h('span', { class: `badge badge-${state}`, 'data-sync': state }, SYNC_LABELS[state] || state);
}

export function toast(message, kind = 'info', ms = 4000) {
  const box = document.getElementById('toasts');
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
  box.append(el);
  setTimeout(() => el.remove(), ms);
  return el;
}

/** A modal confirmation; resolves true/false. Used where data could be lost, so wording must be exact. */
export function confirmDialog(title, body, okLabel = '确定', cancelLabel = '取消') {
  return new Promise((resolve) => {
    const close = (v) => { dlg.close(); dlg.remove(); resolve(v); };
    const dlg = h('dialog', { class: 'dialog' },
      h('h2', {}, title), h('p', { class: 'dialog-body' }, body),
      h('div', { class: 'row' },
        h('button', { class: 'btn', onclick: () => close(false) }, cancelLabel),
        h('button', { class: 'btn btn-danger', 'data-confirm': '1', onclick: () => close(true) }, okLabel)));
    document.body.append(dlg);
    dlg.showModal();
  });
}

export function fmtTime(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
}

export function field(label, input, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), input,
    hint ? h('small', { class: 'hint' }, hint) : null);
}
