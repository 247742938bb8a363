"""Pure sync core (stdlib only): mutation log rules, merge/resolution rules, conflict records, ports.

Nothing here may import Flask or SQLAlchemy — ``tests/unit/test_sync_purity.py`` proves it.
Modules: ``log`` (ordered per-client log), ``merge`` (three-way field merge), ``conflicts``, ``evidence``
(append-only rule), ``transitions`` (allowed-transition tables), ``numbers`` (document number blocks),
``waiting`` (parked mutations), ``ports`` (store protocols), ``engine`` (the push algorithm),
``memory`` (in-memory store for tests).
"""
from sync.results import Outcome, Rejected, Status, Waiting

__all__ = ["Outcome", "Rejected", "Status", "Waiting"]
