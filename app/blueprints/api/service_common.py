"""Shared by the service department's API modules: a store of the body, in scope."""

from __future__ import annotations

from flask_login import current_user

from app.extensions import db
from app.models import Store
from app.permissions import can_see_store
from app.tenancy import current_tenant_id
from app.validation import InputError


def store_of_body(store_id) -> Store:
    """The body's ``store_id`` as one of the caller's stores; else 422 on ``store_id``
    (the same answer for another company's store as for none)."""
    try:
        store = db.session.get(Store, int(store_id))
    except (TypeError, ValueError):
        store = None
    # The tenant check guards the identity map (app/tenancy.py).
    if store is None or store.tenant_id != current_tenant_id() \
            or not can_see_store(current_user, store.id):
        raise InputError.on("store_id", "没有这个门店")
    return store
