"""The phone and the server print the same document: JS context + nunjucks vs Python context + Jinja."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from benchmarks.bench_documents import sample_data
from server.adapters import render
from server.domain.documents import DOC_TYPES, build_context

ROOT = Path(__file__).resolve().parents[2]


def _samples() -> list[dict]:
    out = [sample_data(doc_type) for doc_type in DOC_TYPES]
    org = sample_data("violation_notice")
    org["party"] = {"kind": "organisation", "name": "呼和浩特市顺达货运有限公司", "id_number": "91150100MA0N000001",
                    "legal_representative": "王某", "address": "兴安北路1号 <东门> & \"北院\"", "phone": ""}
    org["deadlines"]["statement"]["warnings"] = ["2027年的法定节假日安排尚未录入，期限按周一至周五为工作日估算，请管理员在工作日历中补充"]
    org["vehicle"] = None
    refused = sample_data("commitment_letter")
    refused["signatures"] = [{"role": "party", "refused": True, "witness": "王某", "note": "全程录像"}]
    refused["facts"] = "  当事人称“不知道”，车辆篷布破损 <已拍照>  "
    heard = sample_data("penalty_decision")
    heard["statement"] = "车辆已于当日整改完毕，请求从轻处罚。"  # the party's statement, as recorded (trailing 。 kept once)
    return out + [org, refused, heard]


def test_python_context_of_every_document_renders():
    for data in _samples():
        html = render.render_html(build_context(data))
        assert data["number_text"] in render.html_text(html)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_phone_and_server_build_the_same_context_and_text():
    samples = _samples()
    proc = subprocess.run(["node", str(ROOT / "tests/js/dump_documents.mjs")], input=json.dumps(samples),
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    phone = json.loads(proc.stdout)
    for data, js in zip(samples, phone):
        ctx = build_context(data)
        assert js["ctx"] == json.loads(json.dumps(ctx, ensure_ascii=False)), data["doc_type"]
        assert js["text"] == render.html_text(render.render_html(ctx)), data["doc_type"]
