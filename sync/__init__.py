"""Pure sync core (stdlib only): mutation log rules, merge/resolution rules, conflict records, ports.

Nothing here may import Flask or SQLAlchemy — ``tests/unit/test_sync_purity.py`` proves it.
"""
from sync.results import Outcome, Rejected, Status, Waiting

__all__ = ["Outcome", "Rejected", "Status", "Waiting"]
