// Offline documents: the cached bundle (templates, texts, catalog with article texts, working-day calendar),
// number blocks leased while online, and issuing = one IndexedDB transaction holding the document record,
// the signature image, the block's next number and the outbox entries (evidence.attach + document.issue).
import { request, ApiError } from '../api.js';
import { db, mutate, putPendingRecord, registerStore, getRecord, listRecords, uuid } from '../db.js';
import { putBlob, sha256Hex } from '../blobs.js';
import { getReference } from '../reference.js';
import { currentOfficer, isUnlocked } from '../session.js';
import { decide } from '../domain/eligibility.js';
import { WorkCalendar } from '../domain/workdays.js';
import { DOC_TYPES, buildContext, formatNumber, localDateIso } from './context.js';
import { reviewGate as gate } from '../domain/legal_review.js';
import { loadNunjucks, environment, renderHtml, contentSha256 } from './render.js';

registerStore('doc_blocks', { keyPath: 'key' }, [['doc_type', 'doc_type']]);

const BUNDLE = 'documents-bundle';
const LOW_WATER = 3;   // lease a new block when fewer numbers than this are left
const BLOCK_SIZE = 20;
// Which procedure a document belongs to (the rest follow the eligibility outcome).
export const DOC_PROCEDURE = { commitment_letter: 'minor_exempt', no_penalty_decision: 'minor_exempt',
  on_spot_decision: 'simple', violation_notice: 'ordinary', penalty_decision: 'ordinary' };

export async function bundle() {
  const row = await db().get('reference', BUNDLE);
  return row ? row.data : null;
}

let preparing = null;

/** Online: refresh the bundle and top up number blocks for this year. Offline: keep what is cached.
 * Single-flight: login fires both 'session' and 'sync-status', and two runs would lease twice. */
export function prepare() {
  if (!isUnlocked()) return Promise.resolve();
  if (!preparing) preparing = prepareOnce().finally(() => { preparing = null; });
  return preparing;
}

async function prepareOnce() {
  try {
    const data = await request('/api/documents/templates');
    await db().put('reference', { name: BUNDLE, data, fetched_at: new Date().toISOString() });
    const year = Number(localDateIso(new Date().toISOString()).slice(0, 4));
    for (const docType of Object.keys(DOC_TYPES)) {
      if ((await remaining(docType, year)) >= LOW_WATER) continue;
      const b = await request('/api/sync/number-blocks', { method: 'POST', json: { doc_type: docType, year, size: BLOCK_SIZE } });
      await db().put('doc_blocks', { key: `${b.doc_type}:${b.year}:${b.id}`, block_id: b.id, doc_type: b.doc_type,
        year: b.year, start: b.start, end: b.end, next: b.start });
    }
  } catch (e) {
    if (!(e instanceof ApiError) || !e.transient) throw e;
  }
}

async function blocksFor(docType, year) {
  const all = await db().getAllFromIndex('doc_blocks', 'doc_type', docType);
  return all.filter((b) => b.year === year && b.next <= b.end).sort((a, b) => a.start - b.start);
}

export async function remaining(docType, year) {
  return (await blocksFor(docType, year)).reduce((n, b) => n + (b.end - b.next + 1), 0);
}

/** Everything the context builder needs, from local data only. Throws a zh-CN message if something is missing. */
export async function prepareData(inspectionId, form) {
  const [rec, ref, bun] = [await getRecord('inspection', inspectionId), await getReference(), await bundle()];
  if (!rec) throw new Error('本机没有这条检查记录');
  if (!ref || !bun) throw new Error('文书资料未缓存：请先联网打开一次“文书”页面');
  const insp = rec.data;
  const entry = bun.catalog.find((c) => c.code === insp.catalog_code);
  if (!entry) throw new Error('检查记录没有选择违法行为，不能签发文书');
  const me = currentOfficer();
  const cert = (id) => (ref.officers.find((o) => o.id === id) || {}).certificate_number;
  const officers = [{ name: me.full_name, certificate_number: cert(me.officer_id) },
    { name: insp.second_officer_name, certificate_number: cert(insp.second_officer_id) }];
  if (officers.some((o) => !o.certificate_number)) throw new Error('离线资料中没有第二名执法人员的执法证号，请联网后再签发');
  const party = { kind: 'person', ...(insp.party || {}) };
  const history = await localHistory(rec, party);
  const facts = { first_violation: form.first_violation, harm: form.harm, corrected_on_spot: form.corrected_on_spot,
    party_kind: party.kind, warning: false, proposed_fine_fen: form.fine_fen ?? null };
  const decision = decide(entry, facts, history);
  const issuedAt = new Date().toISOString();
  const cal = WorkCalendar.fromExport(bun.calendar);
  const start = localDateIso(issuedAt);
  const deadlines = {};
  for (const kind of ['statement', 'hearing', 'payment']) deadlines[kind] = cal.deadline(kind, start);
  deadlines.correction = cal.deadline('correction', start, decision.correction_days || 0);
  const bodies = bun.texts.reconsideration_body;
  return {
    entry, decision, history,
    data: {
      doc_type: form.doc_type, number_text: '', issued_at: issuedAt, occurred_at: insp.occurred_at, place: insp.place,
      unit: { name: ref.unit.name, code: ref.unit.code }, catalog: entry, party,
      vehicle: insp.plate ? { plate: insp.plate } : null, officers, decision,
      texts: { reconsideration_body: bodies[ref.unit.code] || bodies.default,
        hearing_threshold_fen: bun.texts.hearing_threshold_fen, commitment_consequence: bun.texts.commitment_consequence },
      deadlines, facts: insp.facts, evidence: form.evidence, statement: form.statement || '',
      correction: form.correction || '', signatures: [],
    },
  };
}

/** Earlier violations of the same party on this phone (the server re-checks against everything it knows). */
async function localHistory(rec, party) {
  const all = await listRecords('inspection');
  return all.filter((r) => r.id !== rec.id && r.data.catalog_code && r.data.occurred_at < rec.data.occurred_at
    && r.data.party && party.name && (party.id_number ? r.data.party.id_number === party.id_number : r.data.party.name === party.name))
    .map((r) => ({ catalog_code: r.data.catalog_code, occurred_at: r.data.occurred_at }));
}

export async function render(data) {
  const bun = await bundle();
  const env = environment(await loadNunjucks(), bun.templates);
  return renderHtml(env, buildContext(data));
}

/** Issue: take the next number, render, hash, and queue — all in one transaction. */
export async function issue(inspectionId, form, signature) {
  const prepared = await prepareData(inspectionId, form);
  const { data, entry, decision } = prepared;
  const procedure = DOC_PROCEDURE[form.doc_type] || decision.outcome;
  if (!decision.allowed.includes(procedure)) throw new Error(refusal(procedure, decision));
  const year = Number(localDateIso(data.issued_at).slice(0, 4));
  const [block] = await blocksFor(form.doc_type, year);
  if (!block) throw new Error('本机没有可用的文书编号：请联网后打开“文书”页面领取号段');
  const seq = block.next;
  const ref = await getReference();
  data.number_text = formatNumber(ref.unit.doc_prefix, form.doc_type, year, seq);
  const id = uuid();
  const mutations = [];
  if (signature.blob) {
    const sha = await sha256Hex(signature.blob);
    data.signatures = [{ role: 'party', blob_sha256: sha }];
    mutations.push({ name: 'evidence.attach', entity: { type: 'document', id }, args: {
      id: uuid(), inspection_id: inspectionId, kind: 'signature', sha256: sha, bytes: signature.blob.size,
      mime: 'image/png', taken_at: data.issued_at, note: `${DOC_TYPES[form.doc_type][0]}当事人签名` } });
  } else {
    data.signatures = [{ role: 'party', refused: true, witness: signature.witness || null, note: signature.note || null }];
  }
  const html = await render(data);
  const sha256 = await contentSha256(html);
  const args = { id, inspection_id: inspectionId, doc_type: form.doc_type, procedure, catalog_version: entry.version,
    number: { block_id: block.block_id, year, seq }, issued_at: data.issued_at, content_sha256: sha256,
    signatures: data.signatures,
    fields: { facts: data.facts, evidence: data.evidence, statement: data.statement, correction: data.correction,
      place: data.place, harm: form.harm, corrected_on_spot: form.corrected_on_spot, first_violation: form.first_violation } };
  if (form.fine_fen !== null && form.fine_fen !== undefined) args.fine_fen = form.fine_fen;
  mutations.push({ name: 'document.issue', args, entity: { type: 'document', id } });
  await mutate({
    mutations, stores: ['blobs', 'doc_blocks'],
    async apply(tx) {
      if (signature.blob) await putBlob(tx, { sha256: data.signatures[0].blob_sha256, blob: signature.blob, mime: 'image/png' });
      await tx.objectStore('doc_blocks').put({ ...block, next: seq + 1 });
      await putPendingRecord(tx, 'document', id, { title: DOC_TYPES[form.doc_type][0], number: data.number_text,
        doc_type: form.doc_type, inspection_id: inspectionId, html, content_sha256: sha256, issued_at: data.issued_at,
        occurred_at: data.issued_at }, { local: true });
    },
  });
  return id;
}

/** Why this document cannot be issued yet for review reasons, or null. ``docTypes`` is the bundle's table (which
 * documents decide the case comes from the server); ``caseRecord`` the inspection's case as last pulled (or null). */
export function reviewGate(docTypes, docType, procedure, caseRecord) {
  const decides = Boolean(docTypes?.[docType]?.decides);
  const refused = gate(decides, procedure, caseRecord?.data.procedure, caseRecord?.data.status);
  return refused && `${refused}（审核通过的结果联网同步到本机后即可签发）`;
}

export function refusal(procedure, decision) {
  const why = decision.reasons.filter((r) => r.code !== 'first-violation').map((r) => r.text).join('；');
  if (procedure === 'minor_exempt') return `不符合首违不罚条件，不能签发：${why}`;
  if (procedure === 'simple') return `不能当场处罚：${why}`;
  return `所选文书不适用于本案：${why}`;
}
