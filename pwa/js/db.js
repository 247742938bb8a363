// The one IndexedDB wrapper (over vendored idb). Each officer has a separate database
// `roadside-officer-<id>` so officers sharing a phone never see each other's records; the small
// `roadside-accounts` database only holds who may unlock (PIN-wrapped tokens), never records.
import { openDB, deleteDB } from '../vendor/idb/idb.js';
import { emit } from './bus.js';

const OFFICER_DB_VERSION = 1;
let current = null;
let currentOfficer = null;
const upgrades = [];  // plug-ins add their own stores: registerStore('documents', {keyPath: 'id'})

export function registerStore(name, options = { keyPath: 'id' }, indexes = []) {
  upgrades.push({ name, options, indexes });
}

export function accountsDB() {
  return openDB('roadside-accounts', 1, {
    upgrade(db) {
      db.createObjectStore('accounts', { keyPath: 'officer_id' });
      db.createObjectStore('device');
    },
  });
}

export function officerDbName(officerId) { return `roadside-officer-${officerId}`; }

export async function openOfficerDB(officerId) {
  if (current && currentOfficer === officerId) return current;
  closeOfficerDB();
  // The version grows with registered plug-in stores so adding one upgrades existing phones.
  const version = OFFICER_DB_VERSION * 100 + upgrades.length;
  current = await openDB(officerDbName(officerId), version, {
    upgrade(db) {
      const make = (name, options, indexes = []) => {
        if (db.objectStoreNames.contains(name)) return;
        const store = db.createObjectStore(name, options);
        for (const [idx, path, opts] of indexes) store.createIndex(idx, path, opts || {});
      };
      make('records', { keyPath: 'key' }, [['type', 'type'], ['sync', 'sync']]);
      make('outbox', { keyPath: 'seq' }, [['entity', 'entity_key']]);
      make('blobs', { keyPath: 'sha256' }, [['uploaded', 'uploaded']]);
      make('reference', { keyPath: 'name' });
      make('lookups', { keyPath: 'key' });
      make('inbox', { keyPath: 'id' });
      make('meta');
      for (const u of upgrades) make(u.name, u.options, u.indexes);
    },
    blocking() { closeOfficerDB(); },  // another tab upgrades: let it
  });
  currentOfficer = officerId;
  return current;
}

export function closeOfficerDB() {
  if (current) current.close();
  current = null;
  currentOfficer = null;
}

export function db() {
  if (!current) throw new Error('未解锁：本地数据库未打开');
  return current;
}

export async function wipeOfficerDB(officerId) {
  if (currentOfficer === officerId) closeOfficerDB();
  await deleteDB(officerDbName(officerId));
}

export function uuid() { return crypto.randomUUID(); }

export function recordKey(type, id) { return `${type}:${id}`; }

export async function getRecord(type, id) { return db().get('records', recordKey(type, id)); }

export async function listRecords(type) {
  return db().getAllFromIndex('records', 'type', type);
}

export async function getMeta(key, fallback = null) {
  const v = await db().get('meta', key);
  return v === undefined ? fallback : v;
}

export async function setMeta(key, value) { return db().put('meta', value, key); }

/**
 * Write a local change and its outbox entries in ONE transaction (a crash leaves all or nothing).
 * `mutations`: [{name, args, entity: {type, id}, gps}] — or pass name/args/entity/gps for one.
 * `apply(tx)` must only touch IndexedDB (awaiting anything else would auto-commit the transaction).
 * Resolves to the outbox entries; rejects with the browser's error (e.g. QuotaExceededError), nothing written.
 */
export async function mutate({ mutations, name, args, entity, gps = null, apply, stores = [] }) {
  const list = mutations || [{ name, args, entity, gps }];
  const names = Array.from(new Set(['records', 'outbox', 'meta', ...stores]));
  const tx = db().transaction(names, 'readwrite');
  let seq = (await tx.objectStore('meta').get('next_seq')) || 1;
  if (apply) await apply(tx);
  const entries = [];
  for (const m of list) {
    const entry = {
      seq, id: uuid(), name: m.name, args: m.args, gps: m.gps || null, created_at_device: new Date().toISOString(),
      entity_key: m.entity ? recordKey(m.entity.type, m.entity.id) : null,
    };
    tx.objectStore('outbox').put(entry);
    entries.push(entry);
    seq += 1;
  }
  tx.objectStore('meta').put(seq, 'next_seq');
  await tx.done;
  emit('outbox-changed', { entries });
  return entries;
}

/** Put a record with sync state `pending` inside a mutate() transaction. */
export async function putPendingRecord(tx, type, id, data, extra = {}) {
  const store = tx.objectStore('records');
  const key = recordKey(type, id);
  const old = (await store.get(key)) || {};
  const record = { ...old, ...extra, key, type, id, data: { ...(old.data || {}), ...data },
    sync: 'pending', message: null, updated_at: new Date().toISOString() };
  await store.put(record);
  return record;
}

export async function outboxCount() { return db().count('outbox'); }

export async function outboxEntries(limit = 100) {
  return db().getAll('outbox', null, limit);
}
