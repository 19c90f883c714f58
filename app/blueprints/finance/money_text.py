"""¥ amounts as finance's pages show them: thousands separators, two decimals."""

from __future__ import annotations

from decimal import Decimal

from flask import url_for
from werkzeug.routing import BuildError

from app.blueprints.finance import bp


@bp.app_template_filter("yuan")
def yuan(value) -> str:
    """``Decimal("-12345.6")`` -> ``-¥12,345.60``; blank for None."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    text = f"¥{abs(amount):,.2f}"
    return f"-{text}" if amount < 0 else text


@bp.app_template_global("url_if_exists")
def url_if_exists(endpoint: str, **values) -> str | None:
    """A link to another department's page, or None while that page does not exist."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.app_template_global("kind_label")
def kind_label(code: str) -> str:
    """The Chinese word of a code shown in the P&L's drill-down: a payment method, an
    expense category, a stock movement kind, a payslip or a depreciation entry."""
    from flask_babel import gettext as _

    from app.blueprints.finance.labels import EXPENSE_CATEGORY_LABELS
    from app.blueprints.logistics.labels import MOVEMENT_KIND_LABELS
    from app.labels import STATUS_LABELS

    own = {"payslip": _("工资"), "depreciation": _("折旧")}
    for labels in (own, EXPENSE_CATEGORY_LABELS, MOVEMENT_KIND_LABELS, STATUS_LABELS):
        if code in labels:
            return str(labels[code])
    return code
