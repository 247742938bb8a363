// node --test tests/js — offline deadlines in the PWA against the same vectors as the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WorkCalendar } from '../../pwa/js/domain/workdays.js';

const data = JSON.parse(readFileSync(new URL('../vectors/workdays.json', import.meta.url), 'utf8'));
const cal = WorkCalendar.fromExport(data.calendar);

for (const c of data.cases) {
  test(c.name, () => {
    const d = cal.deadline(c.kind, c.start, c.days ?? null);
    assert.equal(d.due, c.due);
    assert.equal(d.warnings.length, c.warnings);
  });
}
