"""Render time per one-page document PDF vs a bare ReportLab one-page PDF with the same embedded font,
measured side by side in one run (python -m benchmarks documents)."""
from __future__ import annotations

import io
import json
import statistics
import time
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from server.adapters import render
from server.domain import eligibility
from server.domain.documents import DOC_TYPES, build_context, format_number

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 30


# A realistic case per document: which catalog item and what the officer found.
SAMPLES = {
    "on_site_record": ("GL-69-TUOXING", {"harm": "none", "corrected_on_spot": True}),
    "violation_notice": ("GLF-76-4-TIELUN", {"harm": "serious", "corrected_on_spot": True}),
    "on_spot_decision": ("DLYS-64-JIASHIYUAN", {"harm": "none", "corrected_on_spot": True}),
    "correction_notice": ("GLF-79-BIAOZHI", {"harm": "none", "corrected_on_spot": False}),
    "commitment_letter": ("GL-69-TUOXING", {"harm": "none", "corrected_on_spot": True}),
    "no_penalty_decision": ("GL-69-TUOXING", {"harm": "none", "corrected_on_spot": True}),
    "penalty_decision": ("GLF-76-4-TIELUN", {"harm": "serious", "corrected_on_spot": True}),
}


def sample_data(doc_type: str) -> dict:
    code, facts = SAMPLES[doc_type]
    entry = dict(next(e for e in json.loads((ROOT / "server/seeds/catalog.json").read_text(encoding="utf-8"))
                      if e["code"] == code), version=1)
    texts = json.loads((ROOT / "server/seeds/document_texts.json").read_text(encoding="utf-8"))
    decision = eligibility.decide(entry, dict(facts, first_violation=True, party_kind="person"))
    return {"doc_type": doc_type, "number_text": format_number("呼交执新", doc_type, 2026, 12),
            "issued_at": "2026-11-23T06:05:00+00:00", "occurred_at": "2026-11-23T05:40:00+00:00",
            "place": "G6京藏高速K520+300处", "unit": {"name": "呼和浩特市交通运输综合行政执法支队新城区大队"},
            "catalog": entry, "party": {"kind": "person", "name": "刘某军", "id_number": "150102198805123456",
                                        "address": "呼和浩特市新城区", "phone": "13800000001"},
            "vehicle": {"plate": "蒙A12345", "plate_color": "黄"},
            "officers": [{"name": "张伟", "certificate_number": "15010101"}, {"name": "李娜", "certificate_number": "15010102"}],
            "decision": decision, "deadlines": {"statement": {"due": "2026-11-26"}, "hearing": {"due": "2026-11-30"},
                                                "payment": {"due": "2026-12-08"}, "correction": {"due": "2026-11-30"}},
            "texts": {"reconsideration_body": texts["reconsideration_body"]["default"],
                      "hearing_threshold_fen": texts["hearing_threshold_fen"],
                      "commitment_consequence": texts["commitment_consequence"]},
            "facts": "", "correction": "拆除在公路用地范围内设置的广告标志" if code == "GLF-79-BIAOZHI" else "", "evidence": ["现场照片3张", "当事人询问笔录1份"],
            "signatures": [{"role": "party", "blob_sha256": "ab" * 32}]}


def bare_reportlab(lines: list[str]) -> bytes:
    """The floor: one page, same font, lines drawn with no layout at all."""
    font = render.register_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setFont(font, 10)
    y = A4[1] - 40
    for line in lines:
        c.drawString(50, y, line[:60])
        y -= 14
    c.showPage()
    c.save()
    return buf.getvalue()


def _median_ms(fn) -> float:
    fn()  # warm up (font subsetting caches, template compile)
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run() -> list[str]:
    render.register_font()
    lines = []
    baseline_text = render.html_text(render.render_html(build_context(sample_data("violation_notice"))))
    chunks = [baseline_text[i:i + 60] for i in range(0, len(baseline_text), 60)]
    base = _median_ms(lambda: bare_reportlab(chunks))
    lines.append(f"bare ReportLab one page, same text and font: {base:.1f} ms (median of {ROUNDS})")
    for doc_type in DOC_TYPES:
        ctx = build_context(sample_data(doc_type))

        def full(ctx=ctx):
            html = render.render_html(ctx)
            return render.render_pdf(html, "http://127.0.0.1:8000/verify/benchmark-token", ctx["title"])

        pdf = full()
        pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page ")
        ms = _median_ms(full)
        lines.append(f"{doc_type:<20} {ms:6.1f} ms/PDF  ({ms / base:4.1f}× baseline, {len(pdf) // 1024} KB, "
                     f"{pages} page{'s' if pages != 1 else ''}, target < 50 ms)")
    return lines
