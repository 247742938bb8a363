"""Thin blueprints. Each feature adds its blueprint to ``BLUEPRINTS`` (one line)."""
from server.api import admin, auth, catalog, inspections, lookup, system
from server.api import reference

BLUEPRINTS = [
    system.blp,
    auth.blp,
    lookup.blp,
    admin.blp,
    catalog.blp,
    inspections.blp,
    reference.blp,
]
