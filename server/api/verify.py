"""Public verification page (文书核验): the QR on every PDF opens ``/verify/<token>``. No login; the party's
name is masked (surname + 某) as publication rules require, ids and addresses are not shown."""
from __future__ import annotations

from flask import render_template_string
from flask_smorest import Blueprint

from server.domain.documents import DOC_TYPES
from server.domain.timeutil import format_local
from server.services import documents
from server.services.uow import UnitOfWork

blp = Blueprint("verify", __name__, url_prefix="/verify", description="文书公开核验")

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>文书核验</title>
<style>body{font-family:sans-serif;max-width:40em;margin:1em auto;padding:0 1em}dt{color:#555}
dd{margin:0 0 .6em 0;font-size:1.1em}.ok{color:#176d2c}.void{color:#a00}</style></head><body>
<h1>执法文书核验</h1>
<p class="{{ 'ok' if doc.status == 'issued' else 'void' }}">{{ '该文书真实有效' if doc.status == 'issued' else '该文书已作废' }}</p>
<dl><dt>文书名称</dt><dd>{{ title }}</dd><dt>文书编号</dt><dd>{{ doc.number_text }}</dd>
<dt>执法机关</dt><dd>{{ authority }}</dd><dt>当事人</dt><dd>{{ party }}</dd>
<dt>签发时间</dt><dd>{{ issued }}</dd><dt>内容摘要（SHA-256）</dt><dd><code>{{ doc.html_sha256 }}</code></dd></dl>
</body></html>"""


def mask(name: str, kind: str) -> str:
    """法释〔2016〕19号 convention: natural persons as surname + 某; organisations stay named."""
    if kind == "organisation" or not name:
        return name
    return name[0] + "某"


@blp.route("/<token>")
def verify(token):
    """公开核验页（扫描文书二维码打开）"""
    doc = documents.by_token(UnitOfWork(), token)
    data = doc.fields["data"]
    return render_template_string(PAGE, doc=doc, title=DOC_TYPES[doc.doc_type][0], authority=data["unit"]["name"],
                                  party=mask(data["party"]["name"], data["party"]["kind"]),
                                  issued=format_local(doc.issued_at))
