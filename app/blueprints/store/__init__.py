"""store: the 门店前台 of one store — room board, guests, orders, rotation, checkout."""

from flask import Blueprint

bp = Blueprint("store", __name__)


@bp.record_once
def _register_approval_kinds(state) -> None:
    """退款 in the one approval flow (app.approvals)."""
    from app.blueprints.store.approval_kinds import register

    register()


@bp.record_once
def _register_audit_labels(state) -> None:
    """The desk's codes in words on the audit log (app.audit_display)."""
    from app.blueprints.store import audit_labels  # noqa: F401  (registers at import)


from app.blueprints.store import (  # noqa: E402,F401  # noqa: E402,F401,I001  # noqa: E402,F401,I001
    models,
    views,
    views_cards,
    views_catalogue,
    views_checkout,
    views_closing,  # noqa: E402,F401
    views_customers,
    views_dispatch,  # noqa: E402,F401
    views_feedback,
    views_orders,  # noqa: E402,F401
    views_reservations,
    views_settings,
)
