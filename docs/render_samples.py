"""Regenerate docs/img/document-*.png: python docs/render_samples.py (needs pdftoppm from poppler-utils)."""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_documents import sample_data  # noqa: E402
from server.adapters import render  # noqa: E402
from server.domain.documents import DOC_TYPES, build_context  # noqa: E402


def main() -> None:
    out = ROOT / "docs" / "img"
    with tempfile.TemporaryDirectory() as tmp:
        for doc_type in DOC_TYPES:
            ctx = build_context(sample_data(doc_type))
            pdf = Path(tmp) / f"{doc_type}.pdf"
            pdf.write_bytes(render.render_pdf(render.render_html(ctx), "http://127.0.0.1:8000/verify/sample", ctx["title"]))
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(out / f"document-{doc_type}")],
                           check=True)
            print(out / f"document-{doc_type}.png")


if __name__ == "__main__":
    main()
