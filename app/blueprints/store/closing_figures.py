"""日结 figures of a business day: orders, money by method, cards, the reconciliation.

What the closing compares (specs/dispatch.md, "Shift-end reconciliation"): per
therapist the jobs of the rotation board (轮钟, 点钟, 加钟, 退钟) beside the
cashier's settled service lines of paid orders.  Rules chosen where the spec is
silent, written down here:

* Money received by method is read from ``Payment`` rows of the day (a refund
  paid out is a negative row); card top-ups are ``CardLedgerEntry`` rows of kind
  ``topup`` made in this store during the business day's hours (the ledger has
  no business day), bonuses likewise.  Stored-value and package-card payments
  are spends of money received earlier, so they are shown apart from the money
  received today.  团购 vouchers are money received (the platform settles it with the
  company later), so they count in 收款 but not in the cash expected; the 日结
  also lists them by platform.
* Revenue (营业额) is the sum of the totals of the day's paid orders; average
  ticket = revenue / paid orders.
* A settled line is an active service line of a paid order; it belongs to the
  therapist of its finished job.  Each finished job (加钟 included) should have
  exactly one settled line: the counts side by side, and every difference listed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from app.blueprints.store.models import (
    BusinessDay,
    CardLedgerEntry,
    Order,
    OrderLine,
    Payment,
    Refund,
    ServiceJob,
)
from app.blueprints.store.models.payments import PAYMENT_METHODS, VOUCHER_PLATFORMS
from app.blueprints.store.policy import store_policy
from app.extensions import db
from app.models import Employee, Store, Tenant
from app.models.base import utcnow
from app.tenancy import current_tenant_id

ZERO = Decimal("0.00")


CARD_METHODS = ("stored_value", "package_card")


OPEN_ORDER_STATUSES = ("waiting", "in_service", "to_pay")


# Kinds of mismatch, in the order the foreman reads them.
MISMATCH_KINDS = ("order_open", "job_running", "job_unpaid", "line_without_job",
                  "payments_differ")


def money(value) -> str:
    """A money amount as the snapshot keeps it: a string with two decimals."""
    return str(Decimal(value or 0).quantize(Decimal("0.01")))


def day_window(business_date: date, tenant: Tenant | None = None) -> tuple[datetime, datetime]:
    """The start and end of a business day (from the policy's start time), in UTC.

    UTC because SQLite keeps timestamps as text: a bound in +08:00 would be
    compared as a string with the UTC times the app writes.
    """
    tenant = tenant or db.session.get(Tenant, current_tenant_id())
    starts: time = store_policy(tenant).business_day_starts_at
    start = datetime.combine(business_date, starts, tzinfo=ZoneInfo(tenant.timezone))
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def order_no(business_date: date, seq: int) -> str:
    return f"{business_date:%Y%m%d}-{seq:03d}"


def compute_closing(day: BusinessDay) -> dict:
    """The closing figures of one business day, JSON-ready (money as strings).

    A fixed number of grouped queries, whatever the size of the day.
    """
    store = db.session.get(Store, day.store_id)
    summary = {
        "business_day_id": day.id,
        "store_id": day.store_id,
        "store_code": store.code,
        "store_name": store.name,
        "business_date": day.business_date.isoformat(),
        "computed_at": utcnow().isoformat(timespec="seconds"),
    }
    summary.update(_order_figures(day))
    summary.update(_payment_figures(day))
    summary.update(_card_figures(day))
    therapists, mismatches = _reconciliation(day)
    summary["therapists"] = therapists
    summary["mismatches"] = mismatches + summary.pop("_payment_mismatches")
    summary["mismatch_count"] = len(summary["mismatches"])
    received = Decimal(summary["money_received_payments"]) + Decimal(summary["topup_total"])
    summary["money_received_total"] = money(received)
    summary["cash_expected"] = money(Decimal(summary["methods"]["cash"]["net"])
                                     + Decimal(summary["topups_by_method"].get("cash", "0")))
    return summary


def _order_figures(day: BusinessDay) -> dict:
    rows = db.session.execute(
        select(Order.status, func.count(Order.id), func.coalesce(func.sum(Order.total), 0),
               func.coalesce(func.sum(Order.discount), 0))
        .where(Order.business_day_id == day.id)
        .group_by(Order.status)).all()
    by_status = {status: (count, Decimal(total), Decimal(discount))
                 for status, count, total, discount in rows}
    paid_count, revenue, discount = by_status.get("paid", (0, ZERO, ZERO))
    open_count = sum(by_status.get(s, (0,))[0] for s in OPEN_ORDER_STATUSES)
    return {
        "order_count": paid_count,
        "orders_cancelled": by_status.get("cancelled", (0,))[0],
        "orders_open": open_count,
        "revenue": money(revenue),
        "discount_total": money(discount),
        "average_ticket": money(revenue / paid_count if paid_count else ZERO),
    }


def _payment_figures(day: BusinessDay) -> dict:
    rows = db.session.execute(
        select(Payment.method, func.count(Payment.id),
               func.coalesce(func.sum(case((Payment.amount > 0, Payment.amount), else_=0)), 0),
               func.coalesce(func.sum(case((Payment.amount < 0, Payment.amount), else_=0)), 0))
        .where(Payment.business_day_id == day.id)
        .group_by(Payment.method)).all()
    methods = {m: {"method": m, "count": 0, "received": money(0), "refunded": money(0),
                   "net": money(0)} for m in PAYMENT_METHODS}
    for method, count, received, refunded in rows:
        received, refunded = Decimal(received), -Decimal(refunded)
        methods[method] = {"method": method, "count": count, "received": money(received),
                           "refunded": money(refunded), "net": money(received - refunded)}
    money_net = sum((Decimal(v["net"]) for m, v in methods.items() if m not in CARD_METHODS),
                    ZERO)
    card_net = sum((Decimal(v["net"]) for m, v in methods.items() if m in CARD_METHODS), ZERO)

    refund_rows = db.session.execute(
        select(Payment.method, Payment.amount, Order.seq, Refund.reason)
        .join(Order, Order.id == Payment.order_id)
        .outerjoin(Refund, Refund.id == Payment.refund_id)
        .where(Payment.business_day_id == day.id, Payment.amount < 0)
        .order_by(Payment.id)).all()
    refunds = [{"order_no": order_no(day.business_date, seq), "method": method,
                "amount": money(-amount), "reason": reason or ""}
               for method, amount, seq, reason in refund_rows]

    # Each paid order: what was paid (refunds aside) must equal its total.  Compared
    # in Decimal here: SQLite sums NUMERIC as floating point (67.58 + 157.70 != 225.28).
    paid_sum = func.coalesce(func.sum(case((Payment.amount > 0, Payment.amount), else_=0)), 0)
    differ = [row for row in db.session.execute(
        select(Order.id, Order.seq, Order.total, paid_sum)
        .outerjoin(Payment, Payment.order_id == Order.id)
        .where(Order.business_day_id == day.id, Order.status == "paid")
        .group_by(Order.id, Order.seq, Order.total)).all()
        if money(row[3]) != money(row[2])]
    payment_mismatches = [
        {"kind": "payments_differ", "order_id": oid, "order_no": order_no(day.business_date, seq),
         "therapist": "", "detail": _("应收 ¥%(total)s，实收 ¥%(paid)s", total=money(total),
                                      paid=money(paid))}
        for oid, seq, total, paid in differ]
    vouchers = {}
    for platform, count, amount in db.session.execute(
            select(Payment.voucher_platform, func.count(Payment.id),
                   func.coalesce(func.sum(Payment.amount), 0))
            .where(Payment.business_day_id == day.id, Payment.method == "voucher")
            .group_by(Payment.voucher_platform).order_by(Payment.voucher_platform)):
        vouchers[platform] = {"count": count, "amount": money(amount)}
    return {
        "methods": methods,
        "vouchers_by_platform": {p: vouchers[p] for p in VOUCHER_PLATFORMS if p in vouchers},
        "money_received_payments": money(money_net),
        "card_spend_total": money(card_net),
        "payments_net": money(money_net + card_net),
        "refund_count": len(refunds),
        "refund_total": money(sum((Decimal(r["amount"]) for r in refunds), ZERO)),
        "refunds": refunds,
        "_payment_mismatches": payment_mismatches,
    }


def _card_figures(day: BusinessDay) -> dict:
    start, end = day_window(day.business_date)
    rows = db.session.execute(
        select(CardLedgerEntry.kind, CardLedgerEntry.payment_method,
               func.count(CardLedgerEntry.id), func.coalesce(func.sum(CardLedgerEntry.amount), 0))
        .where(CardLedgerEntry.store_id == day.store_id,
               CardLedgerEntry.kind.in_(("topup", "bonus")),
               CardLedgerEntry.created_at >= start, CardLedgerEntry.created_at < end)
        .group_by(CardLedgerEntry.kind, CardLedgerEntry.payment_method)).all()
    topups: dict[str, Decimal] = defaultdict(lambda: ZERO)
    topup_count, bonus = 0, ZERO
    for kind, method, count, amount in rows:
        if kind == "topup":
            topups[method or "cash"] += Decimal(amount)
            topup_count += count
        else:
            bonus += Decimal(amount)
    return {
        "topups_by_method": {m: money(a) for m, a in sorted(topups.items())},
        "topup_count": topup_count,
        "topup_total": money(sum(topups.values(), ZERO)),
        "bonus_total": money(bonus),
    }


def _reconciliation(day: BusinessDay) -> tuple[list[dict], list[dict]]:
    """Per therapist: jobs of the board beside settled lines; and every difference."""
    jobs = db.session.execute(
        select(ServiceJob.id, ServiceJob.therapist_id, ServiceJob.job_type, ServiceJob.is_addon,
               ServiceJob.status, ServiceJob.order_line_id, OrderLine.status, OrderLine.amount,
               OrderLine.name, Order.id, Order.seq, Order.status)
        .join(OrderLine, OrderLine.id == ServiceJob.order_line_id)
        .join(Order, Order.id == ServiceJob.order_id)
        .where(ServiceJob.business_day_id == day.id)
        .order_by(ServiceJob.id)).all()
    # Active service lines of paid orders with no finished job: charged, done by nobody.
    # (Compared in Python: a correlated NOT EXISTS is slow on SQLite.)
    done_lines = {row[5] for row in jobs if row[4] == "finished"}
    # The day's paid orders, then their lines: two single-table lookups.  As one join,
    # PostgreSQL without statistics (a fresh database, the demo's 90 days loaded in one
    # transaction) planned a nested loop over every line of the company: ~6 s a day.
    paid_orders = dict(db.session.execute(
        select(Order.id, Order.seq).where(Order.business_day_id == day.id,
                                          Order.status == "paid")).all())
    paid_lines = [(line_id, name, order_id, paid_orders[order_id])
                  for line_id, name, order_id in db.session.execute(
                      select(OrderLine.id, OrderLine.name, OrderLine.order_id)
                      .where(OrderLine.order_id.in_(paid_orders), OrderLine.kind == "service",
                             OrderLine.status == "active")
                      .order_by(OrderLine.id))] if paid_orders else []
    orphan_lines = [row for row in paid_lines if row[0] not in done_lines]
    open_orders = db.session.execute(
        select(Order.id, Order.seq, Order.status)
        .where(Order.business_day_id == day.id, Order.status.in_(OPEN_ORDER_STATUSES))
        .order_by(Order.seq)).all()
    therapist_ids = {row[1] for row in jobs}
    people = {e.id: e for e in db.session.scalars(
        select(Employee).where(Employee.id.in_(therapist_ids)))} if therapist_ids else {}

    def who(therapist_id):
        person = people.get(therapist_id)
        return f"{person.employee_no} {person.name}" if person else str(therapist_id)

    rows: dict[int, dict] = {}
    mismatches: list[dict] = []
    bdate = day.business_date
    for oid, seq, status in open_orders:
        mismatches.append({"kind": "order_open", "order_id": oid, "order_no": order_no(bdate, seq),
                           "therapist": "", "detail": _("消费单仍未结账（%(status)s）",
                                                        status=_status_text(status))})
    for (_job_id, therapist_id, job_type, is_addon, job_status, _line_id, line_status, amount,
         item_name, oid, seq, order_status) in jobs:
        row = rows.setdefault(therapist_id, {
            "therapist_id": therapist_id, "therapist": who(therapist_id),
            "rotation": 0, "requested": 0, "addon": 0, "returned": 0, "running": 0,
            "jobs_done": 0, "settled_lines": 0, "settled_amount": ZERO})
        if job_status == "returned":
            row["returned"] += 1
            continue
        if job_status == "in_service":
            row["running"] += 1
            mismatches.append({"kind": "job_running", "order_id": oid,
                               "order_no": order_no(bdate, seq), "therapist": who(therapist_id),
                               "detail": _("%(item)s 仍在上钟", item=item_name)})
            continue
        if job_status != "finished":
            continue  # cancelled before it started: no service was given
        row["addon" if is_addon else job_type] += 1
        row["jobs_done"] += 1
        if order_status == "paid" and line_status == "active":
            row["settled_lines"] += 1
            row["settled_amount"] += Decimal(amount)
        elif order_status not in OPEN_ORDER_STATUSES:  # open orders are listed above
            detail = (_("%(item)s 已上钟，但该项目已被取消", item=item_name)
                      if line_status != "active"
                      else _("%(item)s 已上钟，但消费单已取消", item=item_name))
            mismatches.append({"kind": "job_unpaid", "order_id": oid,
                               "order_no": order_no(bdate, seq), "therapist": who(therapist_id),
                               "detail": detail})
    for _line_id, name, oid, seq in orphan_lines:
        mismatches.append({"kind": "line_without_job", "order_id": oid,
                           "order_no": order_no(bdate, seq), "therapist": "",
                           "detail": _("%(item)s 已收款，但没有完成的钟", item=name)})
    therapists = []
    for row in sorted(rows.values(), key=lambda r: r["therapist"]):
        row["mismatch"] = row["jobs_done"] != row["settled_lines"] or row["running"] > 0
        row["settled_amount"] = money(row["settled_amount"])
        therapists.append(row)
    mismatches.sort(key=lambda m: (MISMATCH_KINDS.index(m["kind"]), m["order_no"]))
    return therapists, mismatches


def _status_text(status: str) -> str:
    from app.labels import status_label

    return status_label(status)


def closing_of(day: BusinessDay) -> dict:
    """What the closing page shows: the snapshot of a locked day, else live figures."""
    if day.locked_at is not None and day.closing_summary:
        return day.closing_summary
    return compute_closing(day)
