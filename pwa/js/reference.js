// Reference data cached for offline work (GET /api/reference): public key, revocations, catalog,
// own unit and its officers. Refreshed on unlock/sync when online; read from IndexedDB otherwise.
import { api, ApiError } from './api.js';
import { db } from './db.js';
import { on } from './bus.js';

export async function refreshReference() {
  try {
    const data = await api.reference();
    await db().put('reference', { name: 'bundle', data, fetched_at: new Date().toISOString() });
    return data;
  } catch (e) {
    if (e instanceof ApiError && e.code === 'offline') return getReference();
    throw e;
  }
}

export async function getReference() {
  const row = await db().get('reference', 'bundle');
  return row ? row.data : null;
}

export async function referenceAge() {
  const row = await db().get('reference', 'bundle');
  return row ? row.fetched_at : null;
}

export async function me() {
  const row = await db().get('reference', 'me');
  return row ? row.data : null;
}

/** Remember an online lookup so the same number can be checked offline later (manual entry). */
export async function cacheLookup(key, result) {
  await db().put('lookups', { key, result, fetched_at: new Date().toISOString() });
}

export async function cachedLookup(key) { return db().get('lookups', key); }

on('sync-status', ({ state }) => { if (state === 'idle') refreshReference().catch(() => {}); });
