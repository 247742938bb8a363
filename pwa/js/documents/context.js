// Port of server/domain/documents.py (format_number, signature_lines, build_context): the phone builds
// the same render context the server will, so the offline document and the server's PDF say the same
// thing word for word (tests/js/dump_documents.mjs + tests/unit/test_document_parity.py keep them equal).
import { yuan } from '../domain/eligibility.js';

export const DOC_TYPES = {
  on_site_record: ['现场笔录', '笔'],
  violation_notice: ['违法行为通知书', '违通'],
  on_spot_decision: ['当场行政处罚决定书', '当罚'],
  correction_notice: ['责令改正违法行为通知书', '责改'],
  commitment_letter: ['交通运输轻微违法行为免予处罚告知承诺书', '承诺'],
  no_penalty_decision: ['不予行政处罚决定书', '不罚'],
  penalty_decision: ['行政处罚决定书', '罚决'],
};
export const PROCEDURE_DOCS = {
  minor_exempt: ['on_site_record', 'commitment_letter', 'no_penalty_decision', 'correction_notice'],
  simple: ['on_site_record', 'on_spot_decision', 'correction_notice'],
  ordinary: ['on_site_record', 'violation_notice', 'correction_notice', 'penalty_decision'],
};
const SIGNER_NAMES = { party: '当事人', officer: '执法人员', second_officer: '执法人员', witness: '见证人' };

export function formatNumber(prefix, docType, year, seq) {
  return `${prefix}${DOC_TYPES[docType][1]}〔${year}〕${String(seq).padStart(4, '0')}号`;
}

const pad2 = (n) => String(n).padStart(2, '0');

export function dateCn(iso) {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

// Asia/Shanghai is UTC+8 without DST since 1991: a fixed offset gives the server's text on any phone.
function shanghai(isoUtc) { return new Date(new Date(isoUtc).getTime() + 8 * 3600 * 1000); }

export function localTimeCn(isoUtc) {
  const t = shanghai(isoUtc);
  return `${t.getUTCFullYear()}年${t.getUTCMonth() + 1}月${t.getUTCDate()}日${pad2(t.getUTCHours())}时${pad2(t.getUTCMinutes())}分`;
}

export function localDateIso(isoUtc) { return shanghai(isoUtc).toISOString().slice(0, 10); }

function partyRows(party, vehicle) {
  const rows = [];
  if (party.kind === 'organisation') {
    rows.push(['当事人（单位）', party.name || '']);
    rows.push(['统一社会信用代码', party.id_number || '']);
    rows.push(['法定代表人', party.legal_representative || '']);
  } else {
    rows.push(['当事人', party.name || '']);
    rows.push(['身份证件号码', party.id_number || '']);
  }
  rows.push(['住所（地址）', party.address || '']);
  rows.push(['联系电话', party.phone || '']);
  if (vehicle) rows.push(['车辆号牌', vehicle.plate || '']);
  return rows;
}

export function signatureLines(signatures) {
  return (signatures || []).map((sig) => {
    const who = SIGNER_NAMES[sig.role || ''] ?? (sig.role || '');
    if (sig.refused) {
      const note = sig.note ? `；${sig.note}` : '';
      return `${who}拒绝签名（见证人：${sig.witness || '无'}${note}）`;
    }
    return `${who}已签名（签名记录 ${(sig.blob_sha256 || '').slice(0, 12)}）`;
  });
}

export function buildContext(data) {
  const docType = data.doc_type;
  const entry = data.catalog;
  const party = data.party;
  const { officers, decision, texts } = data;
  const deadlines = data.deadlines || {};
  const fineFen = Math.trunc(Number(decision.fine_fen || 0));
  const violation = entry.name;
  const occurred = localTimeCn(data.occurred_at);
  const issued = localTimeCn(data.issued_at);
  const facts = (data.facts || '').trim() || `${occurred}，当事人在${data.place}${violation}。`;
  const penalty = decision.warning ? '警告' : `罚款人民币${yuan(fineFen)}`;
  const body = texts.reconsideration_body;
  const ctx = {
    doc_type: docType, title: DOC_TYPES[docType][0], authority: data.unit.name, number: data.number_text,
    party_name: party.name || '', party_rows: partyRows(party, data.vehicle),
    place: data.place, occurred, issued, issued_date: dateCn(localDateIso(data.issued_at)),
    violation, facts, evidence: (data.evidence || []).length ? [...data.evidence] : ['现场检查情况'],
    basis: [`${entry.violated_article}：${entry.violated_text}`, `${entry.penalty_article}：${entry.penalty_text}`],
    reasons: (decision.reasons || []).map((r) => r.text),
    catalog_ref: `${entry.code}（第${entry.version}版）`, penalty,
    officers: officers.map((o) => `${o.name}（执法证号：${o.certificate_number}）`),
    officer_names: officers.map((o) => o.name).join('、'),
    statement: (data.statement || '').trim(), correction: '', deadline_warnings: [],
    rights: [], remedy: '', payment: '', consequence: '', intended: '', correction_due: '',
    penalty_article: entry.penalty_article, signature_lines: signatureLines(data.signatures || []),
  };
  for (const d of Object.values(deadlines)) ctx.deadline_warnings.push(...(d.warnings || []));

  if (docType === 'violation_notice') {
    const threshold = Number(texts.hearing_threshold_fen[party.kind || 'person'] || 0);
    const statementDue = dateCn(deadlines.statement.due);
    ctx.rights.push('根据《中华人民共和国行政处罚法》第四十四条、第四十五条，你（单位）有权进行陈述和申辩。'
      + `如需陈述、申辩，请于${statementDue}前向本机关提出；逾期视为放弃。`);
    if (fineFen >= threshold) {
      ctx.rights.push('根据《中华人民共和国行政处罚法》第六十三条、第六十四条，你（单位）有权要求听证。'
        + `如要求听证，应当在收到本通知书后五个工作日内（${dateCn(deadlines.hearing.due)}前）提出；逾期视为放弃。`);
    }
    ctx.intended = `本机关拟对你（单位）作出如下行政处罚：${penalty}。`;
  } else if (docType === 'on_spot_decision' || docType === 'penalty_decision') {
    if (docType === 'on_spot_decision') {
      ctx.rights.push('执法人员已当场告知你（单位）拟作出行政处罚的事实、理由、依据及依法享有的陈述、申辩权利，并听取了陈述和申辩。');
    } else {
      ctx.rights.push('本机关在作出本决定前，已依法告知你（单位）拟作出行政处罚的事实、理由、依据及依法享有的陈述、申辩、听证权利。');
      ctx.rights.push(ctx.statement
        ? `你（单位）的陈述、申辩意见：${ctx.statement.replace(/。+$/, '')}。本机关已对陈述、申辩意见进行复核。`
        : '你（单位）在规定期限内未提出陈述、申辩意见，也未要求听证。');
      ctx.rights.push('本案已经本机关法制审核。');
    }
    if (!decision.warning) {
      ctx.payment = `请于收到本决定书之日起十五日内（${dateCn(deadlines.payment.due)}前）到指定银行或者通过电子支付系统缴纳罚款。`
        + '逾期不缴纳罚款的，每日按罚款数额的百分之三加处罚款，加处罚款的数额不超过罚款的数额（《中华人民共和国行政处罚法》第六十七条、第七十二条）。';
    }
    ctx.remedy = docType === 'on_spot_decision'
      ? `如不服本决定，应当自收到本决定书之日起六十日内向${body}申请行政复议；对行政复议决定不服的，`
        + '可以自收到行政复议决定书之日起十五日内依法向人民法院提起行政诉讼（《中华人民共和国行政复议法》第二十三条第一款第（一）项）。'
        + '行政复议期间，本决定不停止执行。'
      : `如不服本决定，可以自收到本决定书之日起六十日内向${body}申请行政复议，`
        + '或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。'
        + '行政复议或者行政诉讼期间，本决定不停止执行（《中华人民共和国行政处罚法》第七十三条）。';
  } else if (docType === 'no_penalty_decision') {
    ctx.remedy = `如不服本决定，可以自收到本决定书之日起六十日内向${body}申请行政复议，`
      + '或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。';
  } else if (docType === 'correction_notice' || docType === 'commitment_letter') {
    const due = (deadlines.correction || {}).due || localDateIso(data.issued_at);
    const requirement = (data.correction || '').trim() || '停止违法行为并消除影响';
    ctx.correction = `${requirement}，改正期限至${dateCn(due)}。`;
    ctx.correction_due = dateCn(due);
    ctx.consequence = docType === 'commitment_letter' ? texts.commitment_consequence
      : `逾期不改正的，本机关将依照${entry.penalty_article}的规定依法处理。`;
  }
  return ctx;
}
