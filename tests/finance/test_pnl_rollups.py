"""门店损益 read through the daily rollups: a closed business day whose rollup was
computed after its closing is read from the rollup; an open day, a reopened day or a day
whose rollup is older than its closing is read from its payments — so the figures equal
the source rows whichever way each day is read."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.finance.pnl import pnl_month
from app.blueprints.store.models import BusinessDay, Payment, StoreDayRollup
from app.extensions import db
from app.models.base import utcnow
from tests.finance.test_pnl import MONTH, _build

M = Decimal


def _rollup(day: BusinessDay, computed_at, *, extra_cash: str = "0.00") -> StoreDayRollup:
    """The day's rollup as the payments make it (plus ``extra_cash``, to tell which way
    the P&L read the day)."""
    sums: dict[str, Decimal] = {}
    for method, amount in db.session.execute(
            select(Payment.method, Payment.amount).where(Payment.business_day_id == day.id)):
        sums[method] = sums.get(method, M("0")) + amount
    row = StoreDayRollup(
        store_id=day.store_id, business_date=day.business_date,
        revenue=sum(sums.values(), M("0")) + M(extra_cash), computed_at=computed_at,
        **{f"paid_{method}": amount for method, amount in sums.items()})
    row.paid_cash = (row.paid_cash or M("0")) + M(extra_cash)
    db.session.add(row)
    db.session.flush()
    return row


@pytest.mark.both_backends
def test_closed_days_read_from_fresh_rollups_equal_the_source_rows(app, company_a, in_tenant):
    with in_tenant(company_a):
        expected, _ = _build(company_a)
        a, b = company_a.stores[0].id, company_a.stores[1].id
        before = {row.store_id: row.actual for row in pnl_month(MONTH, None).rows}
        closed_at = utcnow()
        days = db.session.scalars(select(BusinessDay).where(
            BusinessDay.business_date >= MONTH,
            BusinessDay.business_date < date(2026, 11, 1))).all()
        for day in days:
            day.locked_at = closed_at
            _rollup(day, closed_at + timedelta(seconds=1))
        db.session.flush()
        after = {row.store_id: row.actual for row in pnl_month(MONTH, None).rows}
        for store_id in (a, b):
            assert after[store_id].revenue == expected[store_id]["revenue"]
            assert after[store_id].revenue_by_method == before[store_id].revenue_by_method
        # The card payment is still valued per card (80 % real money), not at face.
        assert after[b].revenue_by_method["stored_value"] == M("80.00")


@pytest.mark.both_backends
def test_a_stale_or_open_days_rollup_is_not_read(app, company_a, in_tenant):
    with in_tenant(company_a):
        expected, _ = _build(company_a)
        a = company_a.stores[0].id
        cash_day = db.session.scalar(select(BusinessDay).where(
            BusinessDay.store_id == a, BusinessDay.business_date == date(2026, 10, 3)))
        wechat_day = db.session.scalar(select(BusinessDay).where(
            BusinessDay.store_id == a, BusinessDay.business_date == date(2026, 10, 5)))
        refund_day = db.session.scalar(select(BusinessDay).where(
            BusinessDay.store_id == a, BusinessDay.business_date == date(2026, 10, 6)))
        closed_at = utcnow()
        # Closed, but rolled up before the closing (a payment may have come after): stale.
        cash_day.locked_at = closed_at
        _rollup(cash_day, closed_at - timedelta(minutes=5), extra_cash="1000.00")
        # Open (never closed, or reopened by 反结): its payments may still change.
        _rollup(wechat_day, closed_at, extra_cash="1000.00")
        # Closed and rolled up after: read from the rollup (here made to differ, to show it).
        refund_day.locked_at = closed_at
        _rollup(refund_day, closed_at + timedelta(seconds=1), extra_cash="7.00")
        db.session.flush()
        row = next(r for r in pnl_month(MONTH, None).rows if r.store_id == a)
        assert row.actual.revenue == expected[a]["revenue"] + M("7.00")
        # Reopening the day (反结 clears the lock) sends it back to its payments.
        refund_day.locked_at = None
        db.session.flush()
        row = next(r for r in pnl_month(MONTH, None).rows if r.store_id == a)
        assert row.actual.revenue == expected[a]["revenue"]
