// node --test tests/js — the PWA's eligibility rules against the shared vectors (same file as the pytest test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decide } from '../../pwa/js/domain/eligibility.js';

const root = new URL('../../', import.meta.url);
const vectors = JSON.parse(readFileSync(new URL('tests/vectors/eligibility.json', root), 'utf8')).vectors;
const catalog = JSON.parse(readFileSync(new URL('server/seeds/catalog.json', root), 'utf8'));
const byCode = Object.fromEntries(catalog.map((e) => [e.code, e]));

export function entryOf(v) { return v.entry || byCode[v.entry_code]; }

for (const v of vectors) {
  test(v.name, () => {
    const r = decide(entryOf(v), v.facts, v.history);
    assert.equal(r.outcome, v.expect.outcome);
    assert.deepEqual(r.allowed, v.expect.allowed);
    assert.equal(r.fine_fen, v.expect.fine_fen);
    assert.equal(r.band_tier, v.expect.band_tier);
    assert.deepEqual(r.reasons.map((x) => x.code), v.expect.reason_codes);
    assert.deepEqual(r.errors.map((x) => x.code), v.expect.error_codes);
    const text = r.reasons.map((x) => x.text).join('\n') + r.errors.map((x) => x.text).join('\n');
    for (const part of v.expect.text_contains || []) assert.ok(text.includes(part), `missing ${part}`);
  });
}
