// node --test tests/js/legal_review.test.mjs — the phone's 法制审核 gate against the server's vectors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { reviewGate } from '../../pwa/js/domain/legal_review.js';

const data = JSON.parse(readFileSync(new URL('../vectors/legal_review.json', import.meta.url), 'utf8'));

for (const c of data.cases) {
  test(c.name, () => {
    const refused = reviewGate(c.deciding, c.procedure, c.case_procedure, c.case_status);
    assert.equal(refused !== null, c.blocked);
  });
}
