"""Every document type rendered to PDF through the API; the extracted text carries what the law requires."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from server.adapters.models import Document
from sync import Status
from tests.documents_helpers import Runner, make_inspection

# doc type -> (catalog code, procedure, party, extra args, phrases the PDF must contain, phrases it must not)
CASES = {
    "on_site_record": ("GL-69-TUOXING", "minor_exempt", "刘某军", {},
                       ["现场笔录", "出示了执法证件", "《公路安全保护条例》第四十三条第一款"], []),
    "violation_notice": ("GLF-76-4-TIELUN", "ordinary", "刘某军",
                         {"fields": {"harm": "serious", "corrected_on_spot": True, "first_violation": True, "evidence": ["现场照片3张"]}},
                         ["违法行为通知书", "第七十六条第（四）项", "陈述和申辩", "五个工作日内", "要求听证",
                          "本机关拟对你（单位）作出如下行政处罚：罚款人民币10000元"], []),
    "on_spot_decision": ("DLYS-64-JIASHIYUAN", "simple", "刘某军", {"fine_fen": 20000},
                         ["当场行政处罚决定书", "罚款人民币200元", "《中华人民共和国道路运输条例》第六十四条",
                          "六十日内向呼和浩特市人民政府申请行政复议；对行政复议决定不服的",
                          "《中华人民共和国行政复议法》第二十三条第一款第（一）项", "十五日内"],
                         ["六个月"]),
    "correction_notice": ("GLF-79-BIAOZHI", "minor_exempt", "呼和浩特市顺达货运有限公司",
                          {"fields": {"harm": "none", "corrected_on_spot": False, "first_violation": True,
                                      "correction": "拆除广告标志", "evidence": ["现场照片3张"]}},
                          ["责令改正违法行为通知书", "拆除广告标志，改正期限至", "《中华人民共和国公路法》第七十九条",
                           "统一社会信用代码"], []),
    "commitment_letter": ("GL-69-TUOXING", "minor_exempt", "刘某军", {},
                          ["交通运输轻微违法行为免予处罚告知承诺书", "交法发〔2021〕115号", "自愿作出如下承诺",
                           "不再适用首违不罚"], []),
    "no_penalty_decision": ("GL-69-TUOXING", "minor_exempt", "刘某军", {},
                            ["不予行政处罚决定书", "第三十三条第一款", "决定对你（单位）不予行政处罚",
                             "六个月内依法向人民法院提起行政诉讼"], []),
}


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


@pytest.mark.parametrize("doc_type", sorted(CASES))
def test_document_pdf_has_the_required_contents(app, demo, db_session, client, login, doc_type):
    code, procedure, party, extra, must, must_not = CASES[doc_type]
    runner = Runner(app, db_session)
    insp = make_inspection(db_session, code=code, party=party,
                           facts="执法人员在G6京藏高速K520+300处检查发现当事人违法行为，当事人当场承认。")
    outcome, args = runner.issue("zhangwei", insp, doc_type, procedure, **extra)
    assert outcome.status == Status.APPLIED, outcome
    resp = client.get(f"/api/documents/{args['id']}/pdf", headers=login("zhangwei"))
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = _text(resp.data)
    doc = db_session.get(Document, args["id"])
    for phrase in must + [doc.number_text, "15010101", "15010102", "张伟", "李娜", "当事人当场承认", "现场照片3张",
                          "扫码核验文书真伪"]:
        assert re.sub(r"\s+", "", phrase) in text, phrase
    for phrase in must_not:
        assert phrase not in text
    assert b"/FontFile2" in resp.data  # the CJK font is embedded, not substituted by the viewer


def test_pdf_and_list_are_scoped_to_the_unit(app, demo, db_session, client, login):
    runner = Runner(app, db_session)
    outcome, args = runner.issue("zhangwei", make_inspection(db_session), "commitment_letter", "minor_exempt")
    assert client.get(f"/api/documents/{args['id']}/pdf", headers=login("wangqiang")).status_code == 404
    listed = client.get("/api/documents", headers=login("leader")).get_json()
    assert [d["id"] for d in listed] == [args["id"]]
    assert client.get("/api/documents", headers=login("wangqiang")).get_json() == []
    detail = client.get(f"/api/documents/{args['id']}", headers=login("lina")).get_json()
    assert detail["number"] in detail["html"] and detail["context"]["doc_type"] == "commitment_letter"


def test_public_verification_page_masks_the_party(app, demo, db_session, client):
    runner = Runner(app, db_session)
    outcome, args = runner.issue("zhangwei", make_inspection(db_session), "commitment_letter", "minor_exempt")
    doc = db_session.get(Document, args["id"])
    page = client.get(f"/verify/{doc.verify_token}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "该文书真实有效" in body and doc.number_text in body
    assert "刘某" in body and "刘某军" not in body and "150102198805123456" not in body
    missing = client.get("/verify/not-a-token")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "document-not-found"


def test_templates_bundle_for_offline_rendering(client, login):
    data = client.get("/api/documents/templates", headers=login("zhangwei")).get_json()
    assert {"_layout.html", "commitment_letter.html"} <= set(data["templates"])
    assert data["doc_types"]["commitment_letter"]["abbr"] == "承诺"
    # the phone's review gate and publication card read these instead of keeping lists of their own
    assert {k for k, v in data["doc_types"].items() if v["decides"]} == {"on_spot_decision", "no_penalty_decision",
                                                                          "penalty_decision"}
    assert {k for k, v in data["doc_types"].items() if v["publishable"]} == {"on_spot_decision", "penalty_decision"}
    assert ["commitment_signed", "escalate", "escalated"] in data["transitions"]
    entry = next(e for e in data["catalog"] if e["code"] == "GL-69-TUOXING")
    assert entry["version"] == 1 and "第六十九条" in entry["penalty_article"]
    assert {"date": "2025-10-01", "workday": False, "name": "国庆节", "source": "chinese_calendar"} in data["calendar"]["days"] \
        or data["calendar"]["from_year"] > 2025


@pytest.mark.skipif(shutil.which("node") is None or shutil.which("pdftoppm") is None, reason="needs node and pdftoppm")
def test_the_qr_on_the_pdf_opens_the_verification_page(app, demo, db_session, client, login, tmp_path):
    from PIL import Image

    runner = Runner(app, db_session)
    outcome, args = runner.issue("zhangwei", make_inspection(db_session), "commitment_letter", "minor_exempt")
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(client.get(f"/api/documents/{args['id']}/pdf", headers=login("zhangwei")).data)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    page = Image.open(tmp_path / "page.png").convert("RGBA")
    corner = page.crop((page.width * 3 // 4, 0, page.width, page.height // 8))
    (tmp_path / "qr.rgba").write_bytes(corner.tobytes())
    root = Path(__file__).resolve().parents[2]
    decoded = subprocess.run(["node", str(root / "tests/js/decode_qr.cjs"), str(tmp_path / "qr.rgba"),
                              str(corner.width), str(corner.height)], capture_output=True, text=True, timeout=60)
    doc = db_session.get(Document, args["id"])
    assert decoded.stdout == f"{app.config['PUBLIC_BASE_URL']}/verify/{doc.verify_token}"
    assert client.get("/verify/" + decoded.stdout.rsplit("/", 1)[1]).status_code == 200
