// 首违不罚 / 简易程序 / 普通程序 — the same rules as server/domain/eligibility.py, so an officer offline
// sees the decision the server will re-check. Both are tested against tests/vectors/eligibility.json:
// change one, change the other and the vectors.

export const MINOR_EXEMPT = 'minor_exempt';
export const SIMPLE = 'simple';
export const ORDINARY = 'ordinary';
export const PROCEDURE_NAMES = {
  [MINOR_EXEMPT]: '不予处罚（告知承诺）', [SIMPLE]: '简易程序（当场处罚）', [ORDINARY]: '普通程序',
};
// 行政处罚法 art. 51, in fen.
export const SIMPLE_LIMIT_FEN = { person: 20000, organisation: 300000 };
const HARM_LEVELS = ['none', 'slight', 'serious'];

export function yuan(fen) {
  const n = Math.trunc(Number(fen));
  const whole = Math.floor(n / 100);
  const cents = n - whole * 100;
  return cents === 0 ? `${whole}元` : `${whole}.${String(cents).padStart(2, '0')}元`;
}

const int = (v) => Math.trunc(Number(v || 0));

export function decide(entry, facts, history = []) {
  const reasons = [];
  const reason = (code, text) => reasons.push({ code, text });
  const harm = facts.harm || 'none';
  if (!HARM_LEVELS.includes(harm)) throw new Error(`harm must be one of ${HARM_LEVELS}`);
  const partyKind = facts.party_kind || 'person';
  const corrected = Boolean(facts.corrected_on_spot);
  const prior = (history || []).filter((h) => h.catalog_code === entry.code);

  let firstTime;
  if (prior.length) {
    firstTime = false;
    reason('prior-violation', `当事人此前已有${prior.length}次同类违法记录，不属于初次违法`);
  } else if (facts.first_violation === false) {
    firstTime = false;
    reason('not-first-violation', '经执法人员核查，当事人不属于初次违法');
  } else {
    firstTime = true;
    reason('first-violation', '经核查，未发现当事人同类违法记录，属于初次违法');
  }

  const exemption = entry.minor_exemption || null;
  const correctionDays = exemption ? int(exemption.correction_days) : 0;
  let minorOk = false;
  if (entry.never_exempt) {
    reason('never-exempt', '该违法行为涉及运输安全，属于不得免予处罚的事项');
  } else if (!exemption) {
    reason('not-on-minor-list', '该违法行为不在《交通运输行政执法领域轻微违法行为免予处罚事项清单》内');
  } else if (!firstTime) {
    reason('minor-needs-first', '首违不罚仅适用于初次违法');
  } else if (harm === 'serious') {
    reason('harm-not-slight', '违法行为的危害后果不属轻微，不适用首违不罚');
  } else if (!corrected && correctionDays === 0) {
    reason('not-corrected', '当事人未当场改正，不符合免予处罚条件');
  } else {
    minorOk = true;
    const conditions = (exemption.conditions || []).join('、');
    reason('minor-exempt',
      `符合《中华人民共和国行政处罚法》第三十三条第一款及${exemption.list || '免罚清单'}规定的`
      + `首违不罚条件（${conditions}），依法不予行政处罚，并对当事人进行教育`);
    if (!corrected) reason('correction-promised', `当事人承诺于${correctionDays}日内改正违法行为`);
  }

  const result = {
    first_time: firstTime, correction_days: correctionDays, reasons, warning: false, band_tier: null, errors: [],
  };
  if (minorOk) {
    return { ...result, outcome: MINOR_EXEMPT, allowed: [MINOR_EXEMPT, ORDINARY], fine_fen: 0, band_tier: 0 };
  }

  const bands = (entry.discretion_bands || []).filter((b) => int(b.max_fen) > 0)
    .map((b, i) => [b, i]).sort((x, y) => (int(x[0].tier) - int(y[0].tier)) || (x[1] - y[1])).map((x) => x[0]);
  const aggravated = !firstTime || harm === 'serious' || !corrected;
  const wantedTier = aggravated ? 2 : 1;
  let band = null;
  for (const candidate of bands) if (int(candidate.tier) <= wantedTier) band = candidate;
  if (band === null && bands.length) band = bands[0];
  if (band !== null) {
    result.band_tier = int(band.tier);
    reason('discretion-band',
      `裁量等级：${band.level}（${band.condition}），${band.reason}；`
      + `该等级罚款幅度为${yuan(band.min_fen)}至${yuan(band.max_fen)}`);
  }

  if (facts.warning) {
    if (entry.warning_allowed) {
      reason('warning', '依法给予警告，可以当场作出行政处罚决定（《中华人民共和国行政处罚法》第五十一条）');
      return { ...result, outcome: SIMPLE, allowed: [SIMPLE, ORDINARY], fine_fen: 0, warning: true };
    }
    result.errors.push({ code: 'warning-not-allowed', text: '该违法行为的罚则没有规定警告，不能给予警告' });
  }

  const proposed = facts.proposed_fine_fen;
  const fine = proposed !== null && proposed !== undefined ? int(proposed)
    : int(band ? band.min_fen : entry.min_fine_fen);
  result.fine_fen = fine;
  if (fine < int(entry.min_fine_fen) || fine > int(entry.max_fine_fen)) {
    result.errors.push({ code: 'fine-outside-statutory-range',
      text: `罚款${yuan(fine)}超出法定幅度（${yuan(entry.min_fine_fen || 0)}至${yuan(entry.max_fine_fen || 0)}）` });
  }
  const outOfBand = band !== null && !(int(band.min_fen) <= fine && fine <= int(band.max_fen));
  if (outOfBand) reason('fine-outside-band', '拟罚款数额超出对应裁量等级，应在普通程序中说明理由并经法制审核');

  const limit = SIMPLE_LIMIT_FEN[partyKind] ?? SIMPLE_LIMIT_FEN.person;
  const who = partyKind === 'person' ? '公民' : '法人或者其他组织';
  if (fine <= limit && !outOfBand) {
    reason('simple-procedure',
      `违法事实确凿并有法定依据，对${who}处以${yuan(fine)}罚款，未超过《中华人民共和国行政处罚法》`
      + `第五十一条规定的当场处罚限额（${yuan(limit)}），可以适用简易程序当场作出行政处罚决定`);
    return { ...result, outcome: SIMPLE, allowed: [SIMPLE, ORDINARY] };
  }
  if (fine > limit) {
    reason('above-simple-limit',
      `拟对${who}处以${yuan(fine)}罚款，超过《中华人民共和国行政处罚法》第五十一条规定的当场处罚限额`
      + `（${yuan(limit)}），应当适用普通程序`);
  }
  return { ...result, outcome: ORDINARY, allowed: [ORDINARY] };
}
