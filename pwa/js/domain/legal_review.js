// Port of server/domain/legal_review.ensure_decision_allowed: no decision in an ordinary-procedure case before
// its 法制审核 passed. The phone checks it before issuing (with the case as last pulled) so the officer is told
// now, not by a refusal after sync; the server checks it again. Shared vectors: tests/vectors/legal_review.json.
export const MESSAGE = '普通程序案件须经法制审核通过后方可作出决定，请先报送法制审核';

/** null when allowed, else the reason to show. */
export function reviewGate(deciding, procedure, caseProcedure, caseStatus) {
  if (!deciding) return null;
  if ((caseProcedure || procedure) !== 'ordinary' || (caseStatus || 'open') === 'review_approved') return null;
  return MESSAGE;
}
