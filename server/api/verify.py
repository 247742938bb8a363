"""Public verification pages, no login. 文书核验: the QR on every PDF opens ``/verify/<token>``. 证件核验 (亮证执法):
an officer's 执法证 QR shown on the phone opens ``/v/<signed token>``. Natural persons other than officers are masked
(surname + 某) as publication rules require; ids, addresses and plates are not shown."""
from __future__ import annotations

from flask import render_template_string
from flask_smorest import Blueprint

from server.domain.certificates import STATE_LABELS
from server.domain.documents import DOC_TYPES
from server.domain.errors import DomainError
from server.domain.timeutil import format_local, utcnow
from server.services import documents, lookup
from server.services.uow import UnitOfWork

blp = Blueprint("verify", __name__, url_prefix="/verify", description="文书公开核验")
certificates = Blueprint("certificate_verify", __name__, url_prefix="/v", description="执法证公开核验（亮证执法）")

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


KIND_NAMES = {"enforcement_cert": "交通运输行政执法证", "road_transport_cert": "道路运输证",
              "qualification_cert": "道路运输从业资格证", "business_license": "道路运输经营许可证"}
CERT_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>证件核验</title>
<style>body{font-family:sans-serif;max-width:40em;margin:1em auto;padding:0 1em}dt{color:#555}
dd{margin:0 0 .6em 0;font-size:1.1em}.state{font-size:1.6em;font-weight:bold;padding:.4em .6em;border-radius:8px}
.valid{color:#fff;background:#176d2c}.bad{color:#fff;background:#a00}</style></head><body>
<h1>证件核验</h1>
{% if error %}<p class="state bad">无效</p><p>{{ error }}</p><p>请勿相信此证件，可拨打 12328 交通运输服务监督电话反映。</p>
{% else %}<p class="state {{ 'valid' if v.state == 'valid' else 'bad' }}">{{ state_label }}</p>
<dl><dt>证件</dt><dd>{{ kind }}</dd><dt>证号</dt><dd>{{ v.number }}</dd>
<dt>{{ '执法人员' if v.kind == 'enforcement_cert' else '持证人' }}</dt><dd>{{ holder }}</dd>
{% if v.unit %}<dt>所在单位</dt><dd>{{ v.unit }}</dd>{% endif %}
<dt>发证机关</dt><dd>{{ v.authority }}</dd><dt>有效期</dt><dd>{{ v.valid_from }} 至 {{ v.valid_until }}</dd>
<dt>核验时间</dt><dd>{{ checked }}</dd></dl>
{% if v.kind == 'enforcement_cert' and v.state != 'valid' %}<p>该执法证当前不能用于执法。如正在被检查，可拨打 12328 反映。</p>{% endif %}
{% endif %}</body></html>"""


@certificates.route("/<path:token>")
def verify_certificate(token):
    """证件公开核验页（群众用手机扫执法人员出示的执法证二维码打开）：实时状态，而非二维码生成时的状态"""
    try:
        found = lookup.public_verification(UnitOfWork(), token)
    except DomainError as exc:  # a person reads this page: answer in HTML, with the status code still telling
        return render_template_string(CERT_PAGE, error=exc.message), exc.status
    public = found["holder_kind"] in ("officer", "organisation")  # officers' certificates are published (事前公示)
    holder = found["holder"] if public else mask(found["holder"], "person")
    if not public:  # a 从业资格证 number is the holder's ID-card number
        found = {**found, "number": found["number"][:6] + "*" * max(len(found["number"]) - 10, 0) + found["number"][-4:]}
    return render_template_string(CERT_PAGE, error=None, v=found, kind=KIND_NAMES.get(found["kind"], found["kind"]),
                                  holder=holder, state_label=STATE_LABELS.get(found["state"], found["state"]),
                                  checked=format_local(utcnow()))

