"""Serves the offline PWA from ``pwa/`` at ``/`` (plain files, no build step)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, send_from_directory

from server.api.pwa_manifest import render_sw

PWA_DIR = Path(__file__).resolve().parents[2] / "pwa"

bp = Blueprint("pwa", __name__)


@bp.route("/")
def index():
    return _send("index.html")


@bp.route("/<path:filename>")
def asset(filename: str):
    if filename.startswith("api/"):
        abort(404)
    return _send(filename)


def _send(filename: str):
    if filename == "sw.js":  # VERSION and PRECACHE filled from pwa/ (server/api/pwa_manifest.py)
        response = Response(render_sw(PWA_DIR), mimetype="text/javascript")
    else:
        response = send_from_directory(PWA_DIR, filename, max_age=0)
    if filename == "sw.js":
        # The worker must be re-checked on every load so updates are noticed; scope is the whole app.
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Service-Worker-Allowed"] = "/"
    return response
