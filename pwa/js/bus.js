// A tiny app-wide event bus so views, sync and session stay decoupled (no framework).
const target = new EventTarget();

export function on(name, fn) {
  const handler = (e) => fn(e.detail);
  target.addEventListener(name, handler);
  return () => target.removeEventListener(name, handler);
}

export function emit(name, detail = {}) {
  target.dispatchEvent(new CustomEvent(name, { detail }));
}
