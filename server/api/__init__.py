"""Thin blueprints. Each feature adds its blueprint to ``BLUEPRINTS`` (one line)."""
from server.api import admin, auth, catalog, inspections, lookup, system
from server.api import reference
from server.api import notifications, patrol, push
from server.api import blobs, evidence
from server.api import documents, reviews, verify
from server.api import conflicts, sync
from server.api import evaluations, statistics

BLUEPRINTS = [
    system.blp,
    auth.blp,
    lookup.blp,
    admin.blp,
    catalog.blp,
    inspections.blp,
    reference.blp,
    patrol.blp,
    push.blp,
    notifications.blp,
    blobs.blp,
    evidence.blp,
    documents.blp,
    reviews.blp,
    verify.blp,
    verify.certificates,
    sync.blp,
    conflicts.blp,
    statistics.blp,
    evaluations.blp,
]
