"""预算: the grid saved all or nothing, last month copied, actual expenses and variance
exact, the statement count flat in stores, the API's names for a bad cell."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.finance import budgets
from app.blueprints.finance.models import Budget, ExpenseClaim
from app.extensions import db
from app.models import AuditEntry, Store
from tests.conftest import AuthActions
from tests.hr.test_query_budget import count_statements

MONTH = date(2026, 10, 1)


def _claims(company, rows):
    """(store index, category, amount, status, spent_on) rows straight into the table."""
    for n, category, amount, status, spent_on in rows:
        db.session.add(ExpenseClaim(store_id=company.stores[n].id, category=category,
                                    amount=Decimal(amount), status=status, spent_on=spent_on,
                                    description="测试"))
    db.session.flush()


def test_grid_saves_all_or_nothing_and_budget_for_reads_it(company_a, in_tenant):
    with in_tenant(company_a):
        finance = company_a.accounts["finance_manager"]
        ids = [s.id for s in company_a.stores]
        s1, s2 = ids
        with pytest.raises(budgets.BudgetError) as error:
            budgets.save_cells(MONTH, [
                {"store_id": s1, "category": "rent", "amount": "20000"},
                {"store_id": s2, "category": "rent", "amount": "-1"},
                {"store_id": 999999, "category": "lunch", "amount": "1"}], finance, ids)
        assert set(error.value.fields) == {"cells.1.amount", "cells.2.store_id",
                                           "cells.2.category"}
        assert db.session.scalar(select(Budget.id)) is None
        changed = budgets.save_cells(MONTH, [
            {"store_id": s1, "category": "rent", "amount": "20,000.00"},
            {"store_id": s1, "category": "revenue", "amount": "300000"},
            {"store_id": s2, "category": "utilities", "amount": "0"},
            {"store_id": s2, "category": "meals", "amount": ""}], finance, ids)
        assert changed == 3
        assert budgets.budget_for(MONTH, ids) == {
            (s1, "rent"): Decimal("20000.00"), (s1, "revenue"): Decimal("300000.00"),
            (s2, "utilities"): Decimal("0.00")}
        assert budgets.budget_for(date(2026, 10, 17), [s2]) == {
            (s2, "utilities"): Decimal("0.00")}
        # Clearing a cell removes its budget; unchanged cells are not rewritten.
        assert budgets.save_cells(MONTH, [
            {"store_id": s1, "category": "rent", "amount": "20000"},
            {"store_id": s2, "category": "utilities", "amount": None}], finance, ids) == 1
        assert (s2, "utilities") not in budgets.budget_for(MONTH, ids)
        assert db.session.scalar(select(AuditEntry.action).where(
            AuditEntry.action == "budget.save").limit(1)) == "budget.save"


def test_copy_last_month_fills_only_empty_cells(company_a, in_tenant):
    with in_tenant(company_a):
        finance = company_a.accounts["finance_manager"]
        ids = [s.id for s in company_a.stores]
        budgets.save_cells(date(2026, 9, 1), [
            {"store_id": ids[0], "category": "rent", "amount": "100"},
            {"store_id": ids[0], "category": "labour", "amount": "200"}], finance, ids)
        budgets.save_cells(MONTH, [{"store_id": ids[0], "category": "rent", "amount": "150"}],
                           finance, ids)
        assert budgets.copy_previous_month(MONTH, finance, ids) == 1
        assert budgets.budget_for(MONTH, ids) == {(ids[0], "rent"): Decimal("150.00"),
                                                  (ids[0], "labour"): Decimal("200.00")}
        assert budgets.copy_previous_month(MONTH, finance, ids) == 0


def test_actuals_are_approved_and_paid_claims_of_the_month(company_a, in_tenant):
    with in_tenant(company_a):
        finance = company_a.accounts["finance_manager"]
        ids = [s.id for s in company_a.stores]
        _claims(company_a, [
            (0, "repairs", "120.50", "approved", date(2026, 10, 1)),
            (0, "repairs", "80.25", "paid", date(2026, 10, 31)),
            (0, "repairs", "999.00", "pending_finance", date(2026, 10, 5)),
            (0, "repairs", "999.00", "rejected", date(2026, 10, 5)),
            (0, "repairs", "999.00", "paid", date(2026, 11, 1)),
            (0, "repairs", "999.00", "paid", date(2026, 9, 30)),
            (1, "meals", "45.00", "paid", date(2026, 10, 10)),
        ])
        budgets.save_cells(MONTH, [{"store_id": ids[0], "category": "repairs",
                                    "amount": "150"}], finance, ids)
        assert budgets.expense_actuals(MONTH, ids) == {
            (ids[0], "repairs"): Decimal("200.75"), (ids[1], "meals"): Decimal("45.00")}
        stores = db.session.scalars(select(Store).order_by(Store.id)).all()
        first, second = budgets.expense_report(MONTH, stores)
        assert (first.cells["repairs"].variance, first.cells["repairs"].over) == (
            Decimal("-50.75"), True)
        assert (second.cells["meals"].budget, second.cells["meals"].over) == (None, True)
        assert (first.budget_total, first.actual_total, first.over) == (
            Decimal("150.00"), Decimal("200.75"), True)


def _page_statements(client, month="2026-10") -> int:
    db.session.expunge_all()
    with count_statements() as statements:
        response = client.get(f"/finance/budgets?month={month}")
    assert response.status_code == 200
    return len(statements)


def test_budget_page_marks_over_budget_and_its_statements_do_not_grow(client, company_a,
                                                                      in_tenant):
    with in_tenant(company_a):
        _claims(company_a, [(0, "rent", "25000.00", "paid", date(2026, 10, 2))])
        budgets.save_cells(MONTH, [{"store_id": company_a.store.id, "category": "rent",
                                    "amount": "20000"}], company_a.accounts["owner"],
                           [company_a.store.id])
        db.session.commit()
    AuthActions(client).login_as(company_a, "finance_manager")
    page = client.get("/finance/budgets?month=2026-10").get_data(True)
    assert f'data-cell="{company_a.store.id}-rent"' in page
    assert 'data-over="1"' in page and "¥25,000.00" in page and "-5,000.00" in page
    assert "data-budget-chart" in page and "<script>" not in page.replace(
        "<script src", "")
    before = _page_statements(client)
    with in_tenant(company_a):
        for n in range(5):
            store = Store(code=f"X{n}", name=f"新店{n}", city="广州", address="路",
                          status="open")
            db.session.add(store)
            db.session.flush()
            _claims_for = ExpenseClaim(store_id=store.id, category="meals",
                                       amount=Decimal("10"), status="paid",
                                       spent_on=date(2026, 10, 3), description="x")
            db.session.add_all([_claims_for, Budget(store_id=store.id, period=MONTH,
                                                     category="meals",
                                                     amount=Decimal("5"))])
        db.session.commit()
    assert _page_statements(client) == before


def test_grid_page_saves_and_names_the_bad_cell(client, company_a, in_tenant):
    AuthActions(client).login_as(company_a, "finance_manager")
    s1 = company_a.store.id
    bad = client.post("/finance/budgets?month=2026-10", data={
        f"b-{s1}-rent": "100", f"b-{s1}-meals": "1.234"})
    assert bad.status_code == 422
    assert f'data-field-error="b-{s1}-meals"' in bad.get_data(True)
    ok = client.post("/finance/budgets?month=2026-10", data={
        f"b-{s1}-rent": "100", f"b-{s1}-meals": "1.23"})
    assert ok.status_code == 302
    with in_tenant(company_a):
        assert budgets.budget_for(MONTH, [s1]) == {(s1, "rent"): Decimal("100.00"),
                                                   (s1, "meals"): Decimal("1.23")}


def test_api_round_trip_and_422_names(client, company_a, api_token):
    finance = api_token(company_a, "finance_manager")
    s1 = company_a.store.id
    wrong = client.put("/api/v1/budgets", headers=finance, json={"month": "2026-10", "cells": [
        {"store_id": s1, "category": "rent", "amount": "10"},
        {"store_id": s1, "category": "lunch", "amount": "10"},
        {"store_id": s1, "category": "meals", "amount": "-3"}]})
    assert wrong.status_code == 422
    assert set(wrong.get_json()["error"]["fields"]) == {"cells.1.category"}
    amount = client.put("/api/v1/budgets", headers=finance, json={"month": "2026-10", "cells": [
        {"store_id": s1, "category": "rent", "amount": "10"},
        {"store_id": s1, "category": "meals", "amount": "-3"}]})
    assert set(amount.get_json()["error"]["fields"]) == {"cells.1.amount"}
    saved = client.put("/api/v1/budgets", headers=finance, json={"month": "2026-10", "cells": [
        {"store_id": s1, "category": "rent", "amount": "10"},
        {"store_id": s1, "category": "revenue", "amount": 250000}]})
    assert saved.status_code == 200 and saved.get_json()["changed"] == 2
    got = client.get(f"/api/v1/budgets?month=2026-10&store_id={s1}", headers=finance)
    cells = {c["category"]: c for c in got.get_json()["cells"]}
    assert cells["rent"]["budget"] == "10.00" and cells["rent"]["actual"] == "0.00"
    assert cells["revenue"]["budget"] == "250000.00" and cells["revenue"]["actual"] is None
    staff = api_token(company_a, "finance_staff")
    assert client.put("/api/v1/budgets", headers=staff, json={
        "month": "2026-10", "cells": []}).status_code == 403
