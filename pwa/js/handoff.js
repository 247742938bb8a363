// Passes a result from one view to the next (e.g. a scanned 执法证 back to the inspection form).
const slots = new Map();
export function put(key, value) { slots.set(key, value); }
export function take(key) { const v = slots.get(key); slots.delete(key); return v; }
