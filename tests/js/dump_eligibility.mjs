// Prints the JS engine's full results for every vector as JSON, so pytest can compare them with Python's
// word for word (the reasons are printed in documents; they must not drift).
import { readFileSync } from 'node:fs';
import { decide } from '../../pwa/js/domain/eligibility.js';

const root = new URL('../../', import.meta.url);
const vectors = JSON.parse(readFileSync(new URL('tests/vectors/eligibility.json', root), 'utf8')).vectors;
const catalog = JSON.parse(readFileSync(new URL('server/seeds/catalog.json', root), 'utf8'));
const byCode = Object.fromEntries(catalog.map((e) => [e.code, e]));
process.stdout.write(JSON.stringify(vectors.map((v) => decide(v.entry || byCode[v.entry_code], v.facts, v.history))));
