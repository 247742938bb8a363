// A tiny hash router and view registry. Feature modules register views and "slots" (cards other
// views show, e.g. Today) without editing the shell:  registerView('documents', {...}).
const views = new Map();
const slots = new Map();
let root = null;
let cleanup = null;
let context = {};
let guard = () => null;

/**
 * registerView(name, {title, render(el, params, ctx) -> cleanup?, nav?: {label, icon, order}, public?: bool})
 * `public` views render without an unlocked officer (login). `nav` puts a tab in the bottom bar.
 */
export function registerView(name, view) { views.set(name, { name, ...view }); }

/** registerSlot('today', {order, render(el, ctx)}) — cards rendered by a host view in order. */
export function registerSlot(slot, item) {
  if (!slots.has(slot)) slots.set(slot, []);
  slots.get(slot).push(item);
  slots.get(slot).sort((a, b) => (a.order ?? 50) - (b.order ?? 50));
}

export function slotItems(slot) { return slots.get(slot) || []; }

export function navViews() {
  return [...views.values()].filter((v) => v.nav).sort((a, b) => (a.nav.order ?? 50) - (b.nav.order ?? 50));
}

export function href(name, params = {}) {
  const qs = new URLSearchParams(params).toString();
  return `#/${name}${qs ? `?${qs}` : ''}`;
}

export function navigate(name, params = {}) {
  const target = href(name, params);
  if (location.hash === target) render(); else location.hash = target;
}

export function current() {
  const [path, qs] = location.hash.replace(/^#\/?/, '').split('?');
  return { name: path || 'today', params: Object.fromEntries(new URLSearchParams(qs || '')) };
}

/** `setGuard(fn)`: fn(view) returns the name of a view to show instead (e.g. 'login' when locked). */
export function setGuard(fn) { guard = fn; }

export function setContext(ctx) { context = { ...context, ...ctx }; }

export async function render() {
  if (!root) return;
  const { name, params } = current();
  let view = views.get(name) || views.get('today');
  const redirect = guard(view);
  if (redirect && redirect !== view.name) view = views.get(redirect);
  if (typeof cleanup === 'function') cleanup();
  cleanup = null;
  root.replaceChildren();
  root.dataset.view = view.name;
  document.title = `${view.title || ''} · 路面执法`;
  document.dispatchEvent(new CustomEvent('roadside:view', { detail: { name: view.name } }));
  try {
    cleanup = await view.render(root, params, context);
  } catch (e) {
    console.error(e);
    const p = document.createElement('p');
    p.className = 'error';
    p.textContent = `页面出错：${e.message}`;
    root.append(p);
  }
}

export function start(el) {
  root = el;
  window.addEventListener('hashchange', render);
  return render();
}
