"""Roadside server: Flask API + PWA host for road-transport enforcement officers."""
from server.app import create_app

__all__ = ["create_app"]
__version__ = "0.1.0"
