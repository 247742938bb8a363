"""Extension objects, created unbound and attached in ``create_app`` (flaskr style)."""
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from server.adapters.models.base import Base


class RoadsideApi(Api):
    """flask-smorest's Api without its own error handlers: ``api.errors`` owns the one error shape."""

    def _register_error_handlers(self):  # noqa: D401 - deliberately empty override
        return None


db = SQLAlchemy(model_class=Base)
api = RoadsideApi()
