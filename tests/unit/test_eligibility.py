"""首违不罚 eligibility on the shared vectors — Python here, the PWA's JS port via ``node --test``."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from server.domain import eligibility

ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "tests/vectors/eligibility.json").read_text(encoding="utf-8"))["vectors"]
CATALOG = {e["code"]: e for e in json.loads((ROOT / "server/seeds/catalog.json").read_text(encoding="utf-8"))}
NODE = shutil.which("node")


def _entry(vector):
    return vector.get("entry") or CATALOG[vector["entry_code"]]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_python_engine_meets_vector(vector):
    result = eligibility.decide(_entry(vector), vector["facts"], vector["history"])
    expect = vector["expect"]
    assert result["outcome"] == expect["outcome"]
    assert result["allowed"] == expect["allowed"]
    assert result["fine_fen"] == expect["fine_fen"]
    assert result["band_tier"] == expect["band_tier"]
    assert [r["code"] for r in result["reasons"]] == expect["reason_codes"]
    assert [e["code"] for e in result["errors"]] == expect["error_codes"]
    text = "\n".join(r["text"] for r in result["reasons"] + result["errors"])
    for part in expect.get("text_contains", []):
        assert part in text


def test_every_seeded_catalog_entry_is_covered_by_a_vector():
    covered = {v.get("entry_code") for v in VECTORS}
    assert {"GL-69-TUOXING", "GLF-76-4-TIELUN", "GLF-79-BIAOZHI", "DLYS-64-JIASHIYUAN", "DLYS-68-2-YANGSA"} <= covered


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_js_port_passes_the_same_vectors():
    proc = subprocess.run([NODE, "--test", str(ROOT / "tests/js/eligibility.test.mjs")], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"# pass {len(VECTORS)}" in proc.stdout


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_js_and_python_give_word_for_word_the_same_reasons():
    proc = subprocess.run([NODE, str(ROOT / "tests/js/dump_eligibility.mjs")], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    js_results = json.loads(proc.stdout)
    py_results = [eligibility.decide(_entry(v), v["facts"], v["history"]) for v in VECTORS]
    assert js_results == py_results


def test_yuan_formatting_of_fen():
    assert eligibility.yuan(20000) == "200元"
    assert eligibility.yuan(300001) == "3000.01元"
    assert eligibility.yuan(5) == "0.05元"


def test_unknown_harm_level_is_refused():
    with pytest.raises(ValueError):
        eligibility.decide(CATALOG["GL-69-TUOXING"], {"harm": "catastrophic"}, [])
