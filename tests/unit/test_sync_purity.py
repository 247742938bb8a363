"""The pure core imports no web or database layer (Flask sansio rule)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_sync_pulls_in_no_flask_or_sqlalchemy():
    code = ("import sys, sync, sync.engine, sync.memory, sync.merge, sync.log, sync.numbers, sync.transitions, "
            "sync.evidence, sync.conflicts, sync.waiting, sync.ports\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'werkzeug', "
            "'marshmallow', 'server'))\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
