"""The WSGI entry point for production servers: ``gunicorn 'server.wsgi:app'``.

The app is built from the environment as ``create_app()`` would, then the start-up heap is settled
(``server.app.settle_heap``) so that the collector does not walk it again on every full collection.
"""
from server.app import create_app, settle_heap

app = create_app()
settle_heap()
