"""经营目标: the grid saved all or nothing with each bad field named, an ended month kept as
it was, last month copied into the stores without a target, every save audited; the
progress of each measure against the month's pace."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.gm import targets
from app.blueprints.gm.models import StoreTarget
from app.extensions import db
from app.models import AuditEntry
from tests.hr.test_query_budget import count_statements

pytestmark = pytest.mark.both_backends

TODAY = date(2026, 11, 10)
MONTH = date(2026, 11, 1)


def _row(store_id, revenue="", guests="", card_sales="", note=""):
    return {"store_id": store_id, "revenue": revenue, "guests": guests,
            "card_sales": card_sales, "note": note}


def test_the_grid_saves_all_or_nothing_naming_each_bad_field(company_a, in_tenant):
    with in_tenant(company_a):
        gm = company_a.accounts["general_manager"]
        s1, s2 = ids = [s.id for s in company_a.stores]
        with pytest.raises(targets.TargetError) as error:
            targets.save_targets(MONTH, [
                _row(s1, "300,000", "2500", "80000"),
                _row(s2, "-1", "12.5", "1.234"),
                _row(999999, "1")], gm, ids, today=TODAY)
        assert set(error.value.fields) == {"targets.1.revenue", "targets.1.guests",
                                           "targets.1.card_sales", "targets.2.store_id"}
        assert db.session.scalar(select(StoreTarget.id)) is None
        assert targets.save_targets(MONTH, [
            _row(s1, "300,000", "2500", "80000", "国庆后回升"),
            _row(s2, "¥150000.50", "", "")], gm, ids, today=TODAY) == 2
        saved = targets.targets_for(date(2026, 11, 23), ids)
        assert (saved[s1].revenue, saved[s1].guests, saved[s1].card_sales, saved[s1].note) == (
            Decimal("300000.00"), 2500, Decimal("80000.00"), "国庆后回升")
        assert (saved[s2].revenue, saved[s2].guests, saved[s2].card_sales) == (
            Decimal("150000.50"), 0, Decimal("0.00"))
        # Unchanged rows are not rewritten; an emptied row is no target any more.
        assert targets.save_targets(MONTH, [
            _row(s1, "300000.00", "2500", "80000", "国庆后回升"), _row(s2)],
            gm, ids, today=TODAY) == 1
        assert set(targets.targets_for(MONTH, ids)) == {s1}
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "target.save").order_by(AuditEntry.id)).all()
        assert len(entries) == 2
        assert entries[-1].before[str(s2)]["revenue"] == "150000.50"
        assert entries[-1].after[str(s2)] is None


def test_an_ended_month_is_kept_as_it_was(company_a, in_tenant):
    with in_tenant(company_a):
        gm = company_a.accounts["general_manager"]
        ids = [s.id for s in company_a.stores]
        with pytest.raises(targets.TargetError) as error:
            targets.save_targets(date(2026, 10, 1), [_row(ids[0], "1")], gm, ids, today=TODAY)
        assert error.value.field == "month"
        with pytest.raises(targets.TargetError):
            targets.copy_previous_month(date(2026, 10, 1), gm, ids, today=TODAY)
        assert targets.save_targets(date(2027, 1, 1), [_row(ids[0], "1")], gm, ids,
                                    today=TODAY) == 1


def test_copy_last_month_fills_only_stores_without_a_target(company_a, in_tenant):
    with in_tenant(company_a):
        gm = company_a.accounts["general_manager"]
        s1, s2 = ids = [s.id for s in company_a.stores]
        for store_id, revenue in ((s1, "100000"), (s2, "200000")):
            db.session.add(StoreTarget(store_id=store_id, month=date(2026, 10, 1),
                                       revenue=Decimal(revenue), guests=900,
                                       card_sales=Decimal("30000"), note="十月"))
        db.session.flush()
        targets.save_targets(MONTH, [_row(s1, "120000")], gm, ids, today=TODAY)
        assert targets.copy_previous_month(MONTH, gm, ids, today=TODAY) == 1
        now = targets.targets_for(MONTH, ids)
        assert now[s1].revenue == Decimal("120000.00") and now[s1].guests == 0
        assert (now[s2].revenue, now[s2].guests, now[s2].card_sales, now[s2].note) == (
            Decimal("200000.00"), 900, Decimal("30000.00"), "")
        assert targets.copy_previous_month(MONTH, gm, ids, today=TODAY) == 0
        assert db.session.scalar(select(AuditEntry.action).where(
            AuditEntry.action == "target.copy")) == "target.copy"


def test_progress_against_the_pace_of_the_month():
    target = StoreTarget(store_id=7, month=MONTH, revenue=Decimal("300000.00"), guests=3000,
                         card_sales=Decimal("0.00"), note="")
    actuals = {7: {"revenue": Decimal("90000.00"), "guests": 1200, "card_sales": Decimal("500")}}
    # The 10th of a 30-day month: a third of it elapsed (today counted).
    (p,), (none,) = (targets.progress_from(MONTH, [7], {7: target}, actuals, TODAY),
                     targets.progress_from(MONTH, [8], {7: target}, actuals, TODAY))
    assert p.expected_percent == Decimal("33.3")
    revenue, guests, cards = (p.measures[n] for n in ("revenue", "guests", "card_sales"))
    assert (revenue.percent, revenue.behind, revenue.bar_percent) == (Decimal("30.0"), True, 30)
    assert (guests.percent, guests.behind) == (Decimal("40.0"), False)
    assert cards.percent is None and not cards.behind
    assert not none.has_target and none.measures["revenue"].percent is None
    assert targets.month_pace(MONTH, date(2026, 12, 1)) == 1
    assert targets.month_pace(MONTH, date(2026, 10, 31)) == 0
    assert targets.month_pace(date(2027, 2, 1), date(2027, 2, 14)) == Decimal("0.5")
    over = targets.progress_from(MONTH, [7], {7: target}, {7: {"revenue": Decimal(
        "450000")}}, TODAY)[0].measures["revenue"]
    assert (over.percent, over.bar_percent) == (Decimal("150.0"), 100)


def test_a_store_without_a_target_costs_one_statement(company_a, in_tenant):
    with in_tenant(company_a):
        ids = [s.id for s in company_a.stores]
        with count_statements() as statements:
            assert targets.target_progress(MONTH, ids, TODAY, only_with_target=True) == []
        assert len(statements) == 1
