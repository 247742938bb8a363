"""Health and the browsable API reference (served locally: no CDN on an offline network)."""
from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text

from server.extensions import db

blp = Blueprint("system", __name__, url_prefix="/api", description="健康检查与接口文档")


class HealthSchema(Schema):
    status = fields.String()
    version = fields.String()
    database = fields.Dict()


@blp.route("/health")
@blp.response(200, HealthSchema)
def health():
    """服务与数据库状态"""
    from server import __version__
    from server.adapters.migrate import current_revision

    database = {"backend": db.engine.dialect.name}
    try:
        db.session.execute(text("SELECT 1"))
        database["ok"] = True
        database["revision"] = current_revision(db.engine)
    except Exception as exc:  # health must answer even when the database does not
        database.update(ok=False, error=type(exc).__name__)
    finally:
        db.session.rollback()
    status = "ok" if database["ok"] else "degraded"
    return {"status": status, "version": __version__, "database": database}, 200 if database["ok"] else 503


DOCS_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Roadside API 文档</title><style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:auto;padding:1em}
code{background:#eef;padding:0 .3em}details{border-bottom:1px solid #ddd;padding:.4em 0}summary{cursor:pointer}
.m{display:inline-block;width:4.5em;font-weight:bold}.get{color:#06c}.post{color:#080}.put{color:#a60}
.patch{color:#a60}.delete{color:#c00}pre{background:#f6f6f6;padding:.5em;overflow:auto;font-size:12px}</style>
<h1>Roadside API</h1><p>机器可读文档：<a href="openapi.json"><code>/api/openapi.json</code></a>（OpenAPI 3）。
错误统一为 <code>{"error": {"code", "message", "details"}}</code>。</p><div id="ops">加载中…</div>
<script>
fetch('openapi.json').then(r => r.json()).then(spec => {
  const root = document.getElementById('ops'); root.textContent = '';
  for (const [path, ops] of Object.entries(spec.paths)) for (const [method, op] of Object.entries(ops)) {
    if (typeof op !== 'object' || !op.responses) continue;
    const d = document.createElement('details');
    const s = document.createElement('summary');
    s.innerHTML = `<span class="m ${method}">${method.toUpperCase()}</span><code></code> `;
    s.querySelector('code').textContent = path; s.append(op.summary || '');
    const pre = document.createElement('pre'); pre.textContent = JSON.stringify(op, null, 2);
    d.append(s, pre); root.append(d);
  }
});
</script></html>"""


@blp.route("/docs")
@blp.doc(hide=True)
def docs():
    return Response(DOCS_PAGE, mimetype="text/html")
