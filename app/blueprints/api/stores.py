"""/api/v1/stores: the chain's stores (list, open, read, edit, close)."""

from flask_login import current_user

from app import stores
from app.blueprints.api.common import Blueprint, PageArgsSchema, page_schema, paginate
from app.extensions import db
from app.models.org import Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_stores", __name__, url_prefix="/stores", description="Stores (门店)")

StorePageSchema = page_schema(stores.StoreSchema, "StorePage")


def _store_or_404(store_id: int) -> Store:
    return get_in_scope_or_404(Store, store_id)


@blp.route("", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, StorePageSchema)
@permission_required("org.view")
def list_stores(args):
    """Stores the caller may see (store roles: only their own), by city and code."""
    return paginate(stores.list_stores(store_scope(current_user)), args["page"],
                    args["page_size"])


@blp.route("", methods=["POST"])
@blp.arguments(stores.StoreSchema)
@blp.response(201, stores.StoreSchema)
@permission_required("org.manage")
def create_store(data):
    """Open a store; the code must be unused in the company."""
    store = stores.create_store(**data)
    db.session.commit()
    return store


@blp.route("/<int:store_id>", methods=["GET"])
@blp.response(200, stores.StoreSchema)
@permission_required("org.view")
def get_store(store_id: int):
    return _store_or_404(store_id)


@blp.route("/<int:store_id>", methods=["PATCH"])
@blp.arguments(stores.StorePatchSchema)
@blp.response(200, stores.StoreSchema)
@permission_required("org.manage")
def update_store(data, store_id: int):
    """Change some fields; close a store with ``{"status": "closed"}`` (never deleted)."""
    store = _store_or_404(store_id)
    stores.update_store(store, **data)
    db.session.commit()
    return store
