"""/api/v1/dashboard: the chain dashboard (经营驾驶舱) — chain and per-store figures of
today and the month to date, one store's month, the chain's 12 months; the same
services and permission (gm.dashboard) as the pages; money as strings."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields

from app.blueprints.api.common import Blueprint, Money, parse_month
from app.blueprints.gm import dashboard as service
from app.blueprints.gm.dashboard_store import store_month
from app.blueprints.store.days import today_for_store
from app.models import Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_gm_dashboard", __name__, url_prefix="/dashboard",
                description="Chain dashboard (经营驾驶舱): today, month to date, 12 months")

PERCENT = {"description": "percent, 1 decimal; null when there is nothing to divide"}


class DashboardFiguresSchema(Schema):
    revenue = Money(metadata={"description": "营业额: payments at face, refunds negative"})
    paid_voucher = Money(metadata={"description": "paid by 团购 voucher"})
    refunds = Money()
    card_sales = Money(metadata={"description": "card top-ups (bonus excluded)"})
    refund_count = fields.Integer()
    cards_sold = fields.Integer()
    orders = fields.Integer()
    guests = fields.Integer()
    jobs = fields.Integer()
    jobs_requested = fields.Integer(metadata={"description": "点钟"})
    jobs_addon = fields.Integer(metadata={"description": "加钟"})
    jobs_returned = fields.Integer(metadata={"description": "退钟"})
    job_minutes = fields.Integer()
    duty_minutes = fields.Integer()
    ratings = fields.Integer()
    rating_total = fields.Integer()
    low_ratings = fields.Integer()
    complaints = fields.Integer()
    per_guest = Money(allow_none=True, metadata={"description": "客单价"})
    voucher_share = fields.Decimal(as_string=True, allow_none=True, metadata=PERCENT)
    utilisation = fields.Decimal(as_string=True, allow_none=True, metadata=PERCENT)
    requested_rate = fields.Decimal(as_string=True, allow_none=True, metadata=PERCENT)
    addon_rate = fields.Decimal(as_string=True, allow_none=True, metadata=PERCENT)
    rating = fields.Decimal(as_string=True, allow_none=True)


class DashboardProgressSchema(Schema):
    name = fields.String(metadata={"description": "revenue, guests or card_sales"})
    actual = fields.Decimal(as_string=True)
    target = fields.Decimal(as_string=True)
    percent = fields.Decimal(as_string=True, allow_none=True, metadata=PERCENT)


class DashboardStoreRowSchema(Schema):
    store_id = fields.Integer(allow_none=True, metadata={"description": "null: the chain"})
    store_code = fields.String()
    store_name = fields.String()
    today = fields.Nested(DashboardFiguresSchema)
    month_to_date = fields.Nested(DashboardFiguresSchema)
    card_balance = Money(metadata={"description": "储值沉淀: stored-value cards issued here"})
    budget = Money(allow_none=True, metadata={"description": "the month's revenue budget"})
    budget_to_date = Money(allow_none=True,
                           metadata={"description": "budget × days elapsed ÷ days in month"})
    budget_variance = Money(allow_none=True)
    budget_variance_pct = fields.Decimal(as_string=True, allow_none=True, metadata=PERCENT)
    labour = Money(allow_none=True, metadata={"description": "of payroll_month"})
    payroll_revenue = Money()
    payroll_ratio = fields.Decimal(as_string=True, allow_none=True, metadata=PERCENT)
    targets = fields.List(fields.Nested(DashboardProgressSchema))
    overdue_counts = fields.Integer()


class DashboardChainSchema(Schema):
    business_date = fields.Date()
    month = fields.String(metadata={"description": "YYYY-MM"})
    days_elapsed = fields.Integer()
    days_in_month = fields.Integer()
    payroll_month = fields.String(allow_none=True)
    chain = fields.Nested(DashboardStoreRowSchema)
    stores = fields.List(fields.Nested(DashboardStoreRowSchema))


class DashboardMonthFiguresSchema(DashboardFiguresSchema):
    month = fields.String()


class DashboardTrendSchema(Schema):
    months = fields.List(fields.Nested(DashboardMonthFiguresSchema))


class DashboardDayFiguresSchema(DashboardFiguresSchema):
    business_date = fields.Date()


class DashboardTherapistSchema(Schema):
    employee_id = fields.Integer()
    name = fields.String()
    employee_no = fields.String()
    jobs = fields.Integer()
    requested = fields.Integer()
    addon = fields.Integer()
    returned = fields.Integer()
    minutes = fields.Integer()
    ratings = fields.Integer()
    rating = fields.Decimal(as_string=True, allow_none=True)


class DashboardStoreMonthSchema(Schema):
    store_id = fields.Integer()
    month = fields.String()
    days = fields.List(fields.Nested(DashboardDayFiguresSchema))
    total = fields.Nested(DashboardFiguresSchema)
    therapists = fields.List(fields.Nested(DashboardTherapistSchema))


class DashboardStoreMonthArgsSchema(Schema):
    month = fields.String(load_default=None, validate=parse_month,
                          metadata={"description": "YYYY-MM (default: this month)"})


def _row(row: service.StoreRow) -> dict:
    return {"store_id": row.store.id if row.store else None,
            "store_code": row.store.code if row.store else "",
            "store_name": row.store.name if row.store else "",
            "today": row.today.as_dict(), "month_to_date": row.month.as_dict(),
            "card_balance": row.card_balance, "budget": row.budget,
            "budget_to_date": row.budget_to_date, "budget_variance": row.budget_variance,
            "budget_variance_pct": row.budget_variance_pct, "labour": row.labour,
            "payroll_revenue": row.payroll_revenue, "payroll_ratio": row.payroll_ratio,
            "targets": [{"name": t.name, "actual": t.actual, "target": t.target,
                         "percent": t.percent} for t in row.targets],
            "overdue_counts": row.overdue_counts}


@blp.route("", methods=["GET"])
@blp.response(200, DashboardChainSchema)
@permission_required("gm.dashboard")
def dashboard():
    """经营驾驶舱: today and the month to date, per store and for the chain."""
    board = service.dashboard(store_scope(current_user), today_for_store())
    return {"business_date": board.today, "month": f"{board.month:%Y-%m}",
            "days_elapsed": board.days_elapsed, "days_in_month": board.days_in_month,
            "payroll_month": f"{board.payroll_month:%Y-%m}" if board.payroll_month else None,
            "chain": _row(board.chain), "stores": [_row(r) for r in board.rows]}


@blp.route("/trend", methods=["GET"])
@blp.response(200, DashboardTrendSchema)
@permission_required("gm.dashboard")
def trend():
    """The chain's last 12 months (this month to date included), oldest first."""
    today = today_for_store()
    scope = store_scope(current_user)
    by_month = service.monthly_figures(today, scope)
    return {"months": [{"month": f"{month:%Y-%m}", **figures.as_dict()}
                       for month, figures in service.chain_trend(today, by_month)]}


@blp.route("/stores/<int:store_id>", methods=["GET"])
@blp.arguments(DashboardStoreMonthArgsSchema, location="query")
@blp.response(200, DashboardStoreMonthSchema)
@permission_required("gm.dashboard")
def store(args, store_id: int):
    """One store's month: its days (today live) and its therapists."""
    shop = get_in_scope_or_404(Store, store_id)
    today = today_for_store()
    month = parse_month(args["month"]) if args["month"] else today.replace(day=1)
    figures = store_month(shop.id, month, today)
    return {"store_id": shop.id, "month": f"{figures.month:%Y-%m}",
            "days": [{"business_date": day, **f.as_dict()} for day, f in figures.days],
            "total": figures.total.as_dict(),
            "therapists": [{"employee_id": t.employee_id, "name": t.name,
                            "employee_no": t.employee_no, "jobs": t.jobs,
                            "requested": t.requested, "addon": t.addon,
                            "returned": t.returned, "minutes": t.minutes,
                            "ratings": t.ratings, "rating": t.rating}
                           for t in figures.therapists]}
