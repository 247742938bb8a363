// Render the server's Jinja templates with vendored nunjucks (same syntax subset), and the canonical text
// + SHA-256 both sides compare (server/adapters/render.py html_text / content_sha256).

let nunjucksReady = null;

/** Load the UMD build once (browser: <script>; node tests pass their own via setNunjucks). */
export function loadNunjucks(src = '/vendor/nunjucks/nunjucks.min.js') {
  if (globalThis.nunjucks) return Promise.resolve(globalThis.nunjucks);
  if (!nunjucksReady) {
    nunjucksReady = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.onload = () => resolve(globalThis.nunjucks);
      s.onerror = () => { nunjucksReady = null; reject(new Error('文书模板引擎未能加载（请联网打开一次以缓存）')); };
      document.head.append(s);
    });
  }
  return nunjucksReady;
}

export function environment(nunjucks, templates) {
  const Loader = nunjucks.Loader.extend({
    getSource(name) {
      if (!(name in templates)) throw new Error(`缺少文书模板 ${name}`);
      return { src: templates[name], path: name, noCache: true };
    },
  });
  return new nunjucks.Environment(new Loader(), { autoescape: true });
}

export function renderHtml(env, ctx) { return env.render(`${ctx.doc_type}.html`, ctx); }

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function htmlText(markup) {
  return markup.replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (m, e) => {
      if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
      return ENTITIES[e] ?? m;
    })
    .replace(/\s+/g, ' ').trim();
}

export async function contentSha256(markup) {
  const bytes = new TextEncoder().encode(htmlText(markup));
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
