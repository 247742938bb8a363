// Owns sync: pushes the outbox (one tab at a time, Web Locks), uploads blobs resumably before the
// mutations that need them, pulls changes with the server cookie, and keeps per-record sync badges
// and the 需要处理 inbox. Protocol: docs/sync.md. Emits 'sync-status' on the bus.
import { api, ApiError, isOnline } from './api.js';
import { db, getMeta, setMeta, outboxCount, recordKey } from './db.js';
import { currentOfficer } from './session.js';
import { emit, on } from './bus.js';
import { uploadBlob, pruneBlob } from './blobs.js';

// Up to BATCH mutations per request (the server applies up to 250 in one transaction: a day's backlog is a
// couple of requests, not a dozen round trips on a mobile network). Photos upload before the push that needs
// them, so a batch is cut after MAX_BLOBS_AHEAD uploads: the first records do not wait for the whole day's photos.
export const BATCH = 250;
export const MAX_BLOBS_AHEAD = 12;
const MAX_BACKOFF_S = 300;
let backoff = 0;
let timer = null;
let state = { state: 'idle', pending: 0, error: null, last_sync: null };
const pullHandlers = new Map();   // entity type -> async (change, tx) => void  (plug-ins add theirs)

/** Plug-ins map server changes of their entity type into local records: onPull('document', fn). */
export function onPull(entityType, fn) { pullHandlers.set(entityType, fn); }

export function status() { return state; }

async function setState(patch) {
  state = { ...state, ...patch, pending: currentOfficer() ? await outboxCount() : 0 };
  emit('sync-status', state);
}

function schedule(seconds) {
  clearTimeout(timer);
  timer = setTimeout(() => syncNow(), seconds * 1000);
}

/**
 * Push then pull. Safe to call often: only the tab holding the lock pushes; others return at once —
 * unless `wait` (logout), which queues behind a running sync and then runs its own.
 */
export async function syncNow({ wait = false } = {}) {
  const account = currentOfficer();
  if (!account) return;
  if (!isOnline()) { await setState({ state: 'offline' }); return; }
  await navigator.locks.request(`roadside-push-${account.officer_id}`, { ifAvailable: !wait }, async (lock) => {
    if (!lock) return;  // another tab is pushing; it will emit status through its own UI
    try {
      await setState({ state: 'syncing', error: null });
      await pushAll(account);
      await pull();
      await refreshInbox();
      backoff = 0;
      await setState({ state: 'idle', last_sync: new Date().toISOString() });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'device-revoked') {
        await setState({ state: 'revoked', error: e.message });  // keep the outbox: never drop data
        return;
      }
      // A dropped connection while the phone says it is online is retried with backoff; a phone that is
      // really offline waits for the `online` event instead.
      const offline = !isOnline();
      backoff = e.retryAfter || Math.min(MAX_BACKOFF_S, backoff ? backoff * 2 : 5);
      await setState({ state: offline ? 'offline' : 'error', error: e.message });
      if (!offline) schedule(backoff);
    }
  });
}

async function pushAll(account) {
  for (;;) {
    const entries = cutBeforeTooManyBlobs(await db().getAll('outbox', null, BATCH));
    if (!entries.length) return;
    for (const entry of entries) {
      for (const sha of blobsOf(entry)) await uploadBlob(sha);
    }
    const mutations = entries.map(({ id, seq, name, args, created_at_device, gps, base_versions }) =>
      ({ id, seq, name, args, created_at_device, ...(gps ? { gps } : {}), ...(base_versions ? { base_versions } : {}) }));
    const resp = await api.push(account.device_id, mutations);
    await applyResults(entries, resp);
    const last = resp.last_seq ?? 0;
    if (last < entries[0].seq - 1) {
      // The server lost track of earlier mutations we no longer hold: report, do not loop forever.
      throw new ApiError(409, 'sync-gap', `同步序号不连续（服务器 ${last}，本机 ${entries[0].seq}），请联系管理员`);
    }
    if (!resp.results || !resp.results.length) return;
  }
}

/** The batch, cut after MAX_BLOBS_AHEAD blob uploads (never before its first entry). Exported for tests. */
export function cutBeforeTooManyBlobs(entries) {
  let blobs = 0;
  for (let i = 0; i < entries.length; i++) {
    blobs += blobsOf(entries[i]).length;
    if (blobs > MAX_BLOBS_AHEAD && i > 0) return entries.slice(0, i);
  }
  return entries;
}

function blobsOf(entry) {
  const a = entry.args || {};
  const list = [a.sha256, a.photo_sha256, ...(a.signatures || []).map((s) => s.blob_sha256)];
  return list.filter((s) => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s));
}

const STATUS = { applied: 'synced', merged: 'merged', conflict: 'conflict', rejected: 'rejected', waiting: 'waiting' };

function refVersion(r) {
  const ref = (r.entity_refs || [])[0];
  return ref && ref.version ? ref.version : null;
}

async function setRecordState(tx, key, r, stillPending) {
  const record = await tx.objectStore('records').get(key);
  if (!record) return;
  const next = STATUS[r.status] || r.status;
  // Another local edit of the same record still queued keeps the badge at 待同步.
  record.sync = stillPending && next !== 'conflict' && next !== 'rejected' ? 'pending' : next;
  record.message = r.message || null;
  const version = refVersion(r);
  if (version && (!record.version || version > record.version)) record.version = version;
  await tx.objectStore('records').put(record);
}

async function applyResults(entries, resp) {
  const bySeq = new Map(entries.map((e) => [e.seq, e]));
  const tx = db().transaction(['outbox', 'records', 'inbox', 'blobs'], 'readwrite');
  for (const r of resp.results || []) {
    const entry = bySeq.get(r.seq) || entries.find((e) => e.id === r.id);
    if (!entry) continue;
    if (entry.name === 'evidence.attach' && (r.status === 'applied' || r.status === 'merged')) {
      await pruneBlob(tx, entry.args.sha256);
    }
    // Any recorded result (even waiting = parked on the server) consumes the mutation: the server holds it
    // and never runs it twice, so it leaves the outbox.
    tx.objectStore('outbox').delete(entry.seq);
    if (r.status === 'rejected') {
      await tx.objectStore('inbox').put({ id: `rej-${entry.id}`, kind: 'rejected', entity_key: entry.entity_key,
        mutation: entry.name, code: r.code, message: r.message, details: r.details || null, args: entry.args,
        at: new Date().toISOString() });
    }
    if (!entry.entity_key) continue;
    const stillPending = await tx.objectStore('outbox').index('entity').count(entry.entity_key);
    await setRecordState(tx, entry.entity_key, r, stillPending);
  }
  // Parked mutations the server settled meanwhile (e.g. a photo whose bytes arrived): update their records.
  for (const r of resp.settled || []) {
    for (const ref of r.entity_refs || []) await setRecordState(tx, recordKey(ref.type, ref.id), r, 0);
  }
  await tx.done;
  emit('records-changed', {});
}

/** Pull server changes after our cookie; pages until `more` is false. */
export async function pull() {
  let cookie = await getMeta('pull_cookie', 0);
  for (let page = 0; page < 100; page += 1) {
    const resp = await api.pull(cookie);
    const tx = db().transaction(['records', 'outbox', 'meta', 'reference'], 'readwrite');
    for (const change of resp.changes || []) await applyChange(change, tx);
    tx.objectStore('meta').put(resp.cookie, 'pull_cookie');
    await tx.done;
    cookie = resp.cookie;
    if (!resp.more) break;
  }
  emit('records-changed', {});
}

async function applyChange(change, tx) {
  const type = change.entity_type || change.entity;
  const id = change.entity_id ?? change.id;
  const custom = pullHandlers.get(type);
  if (custom) { await custom(change, tx); return; }
  const key = recordKey(type, id);
  const store = tx.objectStore('records');
  const local = await store.get(key);
  if (change.tombstone || change.deleted) {
    if (local && local.sync !== 'pending') await store.delete(key);
    return;
  }
  const pending = await tx.objectStore('outbox').index('entity').count(key);
  const data = change.payload || change.data || {};
  if (local && pending) {
    // Our edit is still queued: keep it on screen, remember the server copy for the three-way merge.
    local.server = { data, version: change.version };
    await store.put(local);
    return;
  }
  // Payloads are full snapshots in sequence order, so an older version than we hold adds nothing.
  if (local && local.version && change.version && change.version < local.version) return;
  // The echo of our own push result keeps its badge (已合并/冲突); a newer version from elsewhere is 已同步.
  const keepState = local && ['conflict', 'rejected', 'merged'].includes(local.sync) && local.version === change.version;
  await store.put({ ...(local || {}), key, type, id, data: { ...(local ? local.data : {}), ...data },
    version: change.version, server: null, sync: keepState ? local.sync : 'synced',
    message: keepState ? local.message : null, updated_at: new Date().toISOString() });
}

/** The 需要处理 inbox: server conflicts of my unit + my rejected mutations (kept locally). */
export async function refreshInbox() {
  let conflicts = [];
  try {
    const resp = await api.conflicts();
    conflicts = Array.isArray(resp) ? resp : resp.conflicts || resp.items || [];
  } catch (e) {
    if (!(e instanceof ApiError) || e.code === 'device-revoked') throw e;
    return;  // offline: keep what we had
  }
  const tx = db().transaction('inbox', 'readwrite');
  for (const old of await tx.store.getAll()) if (old.kind === 'conflict') tx.store.delete(old.id);
  for (const c of conflicts) await tx.store.put({ ...c, id: `conflict-${c.id}`, conflict_id: c.id, kind: 'conflict' });
  await tx.done;
  emit('inbox-changed', {});
}

export async function inboxItems() { return db().getAll('inbox'); }

export async function dismissInbox(id) {
  await db().delete('inbox', id);
  emit('inbox-changed', {});
}

export async function resolveConflict(conflictId, resolution, value) {
  await api.resolveConflict(conflictId, resolution, value);
  await db().delete('inbox', `conflict-${conflictId}`);
  await syncNow();
}

/** Where the browser has Background Sync, the worker wakes a page when connectivity returns. */
function registerBackgroundSync() {
  if (!('serviceWorker' in navigator) || !('SyncManager' in window)) return;
  navigator.serviceWorker.ready.then((reg) => reg.sync.register('roadside-outbox')).catch(() => {});
}

/** Wire the triggers: app open, `online`, after every local change, and the backoff timer. */
export function startSync() {
  window.addEventListener('online', () => syncNow());
  window.addEventListener('offline', () => setState({ state: 'offline' }));
  on('outbox-changed', () => {
    setState({});
    if (isOnline()) syncNow();
    else registerBackgroundSync();
  });
  on('session', ({ state: s }) => { if (s === 'unlocked') syncNow(); else clearTimeout(timer); });
  navigator.serviceWorker?.addEventListener('message', (e) => { if (e.data === 'sync') syncNow(); });
}
