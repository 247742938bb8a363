"""GET /api/reference: everything the PWA caches to work a patrol offline (see services/reference.py)."""
from __future__ import annotations

from flask_smorest import Blueprint

from server.api.catalog import CatalogEntrySchema
from server.api.deps import auth_required, current_actor
from server.services import catalog, reference
from server.services.uow import UnitOfWork

blp = Blueprint("reference", __name__, url_prefix="/api/reference", description="离线参考数据")


@blp.route("")
@blp.response(200)
@auth_required
def bundle():
    """离线参考数据：验签公钥、吊销清单、违法行为目录、本单位及其执法人员"""
    data = reference.bundle(UnitOfWork(), current_actor())
    data["catalog"] = CatalogEntrySchema(many=True).dump(catalog.list_current(UnitOfWork()))
    return data
