// Reads [data, ...] (JSON on stdin), prints [{ctx, text}, ...]: the PWA's context builder and nunjucks
// rendering of the server's templates, for the parity test in tests/unit/test_document_parity.py.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildContext } from '../../pwa/js/documents/context.js';
import { environment, renderHtml, htmlText } from '../../pwa/js/documents/render.js';

const require = createRequire(import.meta.url);
const nunjucks = require('../../pwa/vendor/nunjucks/nunjucks.min.js');
const dir = new URL('../../server/templates/documents/', import.meta.url);
const templates = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.html'))
  .map((f) => [f, readFileSync(new URL(f, dir), 'utf8')]));
const env = environment(nunjucks, templates);
const input = JSON.parse(readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(input.map((data) => {
  const ctx = buildContext(data);
  return { ctx, text: htmlText(renderHtml(env, ctx)) };
})));
