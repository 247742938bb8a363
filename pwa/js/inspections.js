// Inspection (现场检查) records: the draft being filled in, saving it with its photos as ONE
// transaction (record + blobs + inspection.create + evidence.attach in the outbox), and field edits
// as inspection.update with the base values seen (three-way merge on the server).
import { db, mutate, putPendingRecord, getMeta, setMeta, getRecord, listRecords, uuid } from './db.js';
import { putBlob } from './blobs.js';
import { currentOfficer } from './session.js';

const DRAFT_KEY = 'draft:inspection';
export const EDITABLE = ['facts', 'place', 'plate', 'catalog_code'];

export function emptyDraft() {
  return { id: uuid(), party: { kind: 'person', name: '', id_number: '', phone: '' }, plate: '', credentials: [],
    second_officer: null, catalog_code: '', catalog_name: '', facts: '', place: '', gps: null, photos: [],
    occurred_at: new Date().toISOString() };
}

/** The draft survives navigation (scanning the second officer) and reloads, photos included. */
export async function loadDraft() { return (await getMeta(DRAFT_KEY)) || emptyDraft(); }
export async function saveDraft(draft) { await setMeta(DRAFT_KEY, draft); }
export async function discardDraft() { await db().delete('meta', DRAFT_KEY); }

/** What the form must have before saving; zh-CN reasons. */
export function problems(draft) {
  const out = [];
  if (!draft.second_officer) out.push('需要第二名执法人员（两人执法）：请扫描或选择其执法证');
  else if (draft.second_officer.state !== 'valid') out.push(`第二名执法人员的执法证状态为“${draft.second_officer.state_label || draft.second_officer.state}”，不能执法`);
  if (!draft.facts.trim()) out.push('请填写现场检查情况（事实）');
  // The server requires a fix with its accuracy on every inspection (evidence of place); a poor one is flagged.
  if (!draft.gps) out.push('还没有GPS定位：请点“获取定位”（允许定位权限，到开阔处重试）；已填写的内容会保留');
  return out;
}

export async function createInspection(draft) {
  const me = currentOfficer();
  const id = draft.id;
  const args = {
    id, second_officer_id: draft.second_officer.id, party: draft.party.name ? draft.party : undefined,
    plate: draft.plate || undefined, credential_ids: draft.credentials.map((c) => c.id).filter(Boolean),
    catalog_code: draft.catalog_code || undefined, facts: draft.facts, place: draft.place,
    occurred_at: draft.occurred_at, gps: draft.gps || undefined,
  };
  const mutations = [{ name: 'inspection.create', args, entity: { type: 'inspection', id }, gps: draft.gps }];
  for (const p of draft.photos) {
    mutations.push({ name: 'evidence.attach', entity: { type: 'inspection', id }, gps: p.gps || draft.gps, args: {
      id: p.id, inspection_id: id, kind: 'photo', sha256: p.sha256, bytes: p.blob.size, mime: 'image/jpeg',
      taken_at: p.taken_at, gps: p.gps || draft.gps || undefined } });
  }
  const display = { ...args, officer_id: me.officer_id, officer_name: me.full_name,
    second_officer_name: draft.second_officer.full_name, catalog_name: draft.catalog_name,
    credentials: draft.credentials, photos: draft.photos.map(({ id: pid, sha256, taken_at, thumb }) => ({ id: pid, sha256, taken_at, thumb })) };
  await mutate({
    mutations, stores: ['blobs'],
    async apply(tx) {
      await putPendingRecord(tx, 'inspection', id, display, { local: true });
      for (const p of draft.photos) await putBlob(tx, { sha256: p.sha256, blob: p.blob });
      tx.objectStore('meta').delete(DRAFT_KEY);
    },
  });
  return id;
}

/** Edit fields of an inspection: sends only what changed, with the values this phone saw. */
export async function updateInspection(id, changes) {
  const record = await getRecord('inspection', id);
  const base = {};
  const changed = {};
  for (const [k, v] of Object.entries(changes)) {
    if ((record.data[k] ?? '') !== v) { base[k] = record.data[k] ?? null; changed[k] = v; }
  }
  if (!Object.keys(changed).length) return false;
  await mutate({
    name: 'inspection.update', entity: { type: 'inspection', id },
    args: { id, base_version: record.version || 1, base, changes: changed },
    apply: (tx) => putPendingRecord(tx, 'inspection', id, changed),
  });
  return true;
}

export async function myInspections() {
  const me = currentOfficer();
  const all = await listRecords('inspection');
  return all.filter((r) => !me || r.data.officer_id === me.officer_id || r.data.second_officer_id === me.officer_id || r.local)
    .sort((a, b) => String(b.data.occurred_at).localeCompare(String(a.data.occurred_at)));
}
