"""采购: a store's request goes through the approval flow by its estimated total
(logistics; + finance above purchase_finance; + GM above purchase_gm), nobody decides
their own, and an approved request is received into stock once at the actual cost."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import approvals
from app.blueprints.logistics import purchasing as service
from app.blueprints.logistics.models import (
    PurchaseLine,
    PurchaseRequest,
    StockItem,
    StockMovement,
    StoreStock,
)
from app.extensions import db
from app.models.approval import ApprovalDecision

DAY = date(2026, 11, 20)


def _towels() -> StockItem:
    item = db.session.scalar(select(StockItem).where(StockItem.code == "TOWEL"))
    if item is not None:
        return item
    item = StockItem(code="TOWEL", name="毛巾", unit="条", unit_cost=Decimal("4.50"))
    db.session.add(item)
    db.session.flush()
    return item


def _request(company, quantity: str, cost: str, *, who: str = "store_manager",
             item: StockItem | None = None) -> PurchaseRequest:
    item = item or _towels()
    return service.create_request({
        "store_id": company.store.id, "supplier": "广州布草厂", "reason": "毛巾不够用",
        "lines": [{"stock_item_id": item.id, "quantity": quantity,
                   "estimated_unit_cost": cost},
                  {"name": "新足浴盆", "quantity": "1", "estimated_unit_cost": "0.10"}],
    }, company.accounts[who])


def _steps(company, row) -> list[str]:
    """Approve as each decider in turn until approved; the steps it went through."""
    deciders = {"pending": "logistics_head", "pending_finance": "finance_manager",
                "pending_gm": "general_manager"}
    seen = []
    while row.status in deciders:
        seen.append(row.status)
        service.approve(row, company.accounts[deciders[row.status]], "同意")
    assert row.status == "approved" and row.decided_at is not None
    return seen


def test_the_estimated_total_is_exact_and_picks_the_steps(company_a, in_tenant):
    with in_tenant(company_a):
        towels = _towels()
        small = _request(company_a, "3", "0.10", item=towels)  # 0.30 + 0.10
        assert small.estimated_total == Decimal("0.40")
        assert _steps(company_a, small) == ["pending"]
        middle = _request(company_a, "400", "5.00", item=towels)  # 2,000.10 > 2,000
        assert middle.estimated_total == Decimal("2000.10")
        assert _steps(company_a, middle) == ["pending", "pending_finance"]
        big = _request(company_a, "2000", "5.00", item=towels)  # 10,000.10
        assert _steps(company_a, big) == ["pending", "pending_finance", "pending_gm"]
        steps = db.session.scalars(select(ApprovalDecision.step).where(
            ApprovalDecision.kind == "purchase", ApprovalDecision.object_id == big.id)
            .order_by(ApprovalDecision.id)).all()
        assert steps == ["logistics", "finance", "gm"]


def test_thresholds_set_by_the_tenant_change_the_routing(company_a, in_tenant):
    with in_tenant(company_a):
        approvals.save_approval_settings(company_a.accounts["owner"], one_person_office=False,
                                         thresholds={"purchase_finance": "100",
                                                     "purchase_gm": "500"})
        row = _request(company_a, "200", "3.00")  # 600.10
        assert _steps(company_a, row) == ["pending", "pending_finance", "pending_gm"]


def test_a_request_waiting_at_a_step_stays_decidable_when_a_threshold_is_raised(
        company_a, in_tenant):
    with in_tenant(company_a):
        row = _request(company_a, "400", "5.00")  # 2,000.10: logistics, then finance
        service.approve(row, company_a.accounts["logistics_head"])
        assert row.status == "pending_finance"
        approvals.save_approval_settings(company_a.accounts["owner"], one_person_office=False,
                                         thresholds={"purchase_finance": "5000"})
        finance = company_a.accounts["finance_manager"]
        assert [w.obj.id for w in approvals.waiting_for(finance)
                if w.kind.name == "purchase"] == [row.id]
        service.approve(row, finance)
        assert row.status == "approved"


def test_each_step_waits_in_the_right_inbox(company_a, in_tenant):
    with in_tenant(company_a):
        row = _request(company_a, "2000", "5.00")
        inbox = {role: [w.obj.id for w in approvals.waiting_for(company_a.accounts[role])
                        if w.kind.name == "purchase"]
                 for role in ("logistics_head", "finance_manager", "general_manager",
                              "store_manager")}
        assert inbox == {"logistics_head": [row.id], "finance_manager": [],
                         "general_manager": [], "store_manager": []}
        service.approve(row, company_a.accounts["logistics_head"])
        assert [w.obj.id for w in approvals.waiting_for(company_a.accounts["finance_manager"])
                if w.kind.name == "purchase"] == [row.id]
        # The finance manager cannot take the GM's step, nor logistics the finance one.
        with pytest.raises(service.PurchaseError) as refused:
            service.approve(row, company_a.accounts["logistics_head"])
        assert refused.value.field == "status"


def test_nobody_decides_their_own_request(company_a, in_tenant):
    with in_tenant(company_a):
        own = _request(company_a, "10", "4.00", who="logistics_head")
        with pytest.raises(service.PurchaseError) as refused:
            service.approve(own, company_a.accounts["logistics_head"])
        assert "自己" in refused.value.message and own.status == "pending"
        service.approve(own, company_a.accounts["owner"])
        assert own.status == "approved"


def test_reject_needs_a_note_and_cancel_is_the_requesters(company_a, in_tenant):
    with in_tenant(company_a):
        row = _request(company_a, "10", "4.00")
        with pytest.raises(approvals.InputError) as no_note:
            service.reject(row, company_a.accounts["logistics_head"], " ")
        assert no_note.value.field == "note"
        service.reject(row, company_a.accounts["logistics_head"], "库存还够")
        assert row.status == "rejected"
        other = _request(company_a, "10", "4.00")
        with pytest.raises(service.PurchaseError):
            service.cancel(other, company_a.accounts["logistics_head"])
        service.cancel(other, company_a.accounts["store_manager"])
        assert other.status == "cancelled"
        with pytest.raises(service.PurchaseError):
            service.approve(other, company_a.accounts["logistics_head"])


def test_receiving_posts_stock_once_at_the_actual_cost(company_a, in_tenant):
    with in_tenant(company_a):
        row = _request(company_a, "20", "4.00")
        with pytest.raises(service.PurchaseError):  # not approved yet
            service.receive(row, {}, company_a.accounts["store_manager"], DAY)
        service.approve(row, company_a.accounts["logistics_head"])
        stock_line, described = service.lines_of(row)
        received = {stock_line.id: {"received_quantity": "18", "actual_unit_cost": "4.20"},
                    described.id: {"received_quantity": "1", "actual_unit_cost": "0.10"}}
        service.receive(row, received, company_a.accounts["store_manager"], DAY)
        db.session.commit()
        assert (row.status, row.actual_total, row.received_on) == (
            "received", Decimal("75.70"), DAY)
        movement = db.session.scalars(select(StockMovement)).one()
        assert (movement.kind, movement.quantity, movement.unit_cost, movement.source,
                movement.source_id) == ("receipt", Decimal("18.00"), Decimal("4.20"),
                                        "purchase_line", stock_line.id)
        with pytest.raises(service.PurchaseError) as twice:
            service.receive(row, received, company_a.accounts["store_manager"], DAY)
        assert twice.value.field == "status" and "重复" in twice.value.message
        db.session.rollback()
        assert db.session.scalar(select(func.count(StockMovement.id))) == 1
        assert db.session.scalar(select(StoreStock.quantity)) == Decimal("18.00")


def test_bad_input_names_each_field_and_changes_nothing(company_a, in_tenant):
    with in_tenant(company_a):
        towels = _towels()
        with pytest.raises(service.PurchaseError) as bad:
            service.create_request({
                "store_id": company_a.stores[1].id, "reason": "",
                "lines": [{"stock_item_id": towels.id, "quantity": "0",
                           "estimated_unit_cost": "1.234"},
                          {"quantity": "x", "estimated_unit_cost": "-1"}]},
                company_a.accounts["store_manager"])
        assert set(bad.value.fields) == {
            "store_id", "reason", "lines.0.quantity", "lines.0.estimated_unit_cost",
            "lines.1.name", "lines.1.quantity", "lines.1.estimated_unit_cost"}
        with pytest.raises(service.PurchaseError) as empty:
            service.create_request({"store_id": company_a.store.id, "reason": "x",
                                    "lines": []}, company_a.accounts["store_manager"])
        assert set(empty.value.fields) == {"lines"}
        assert db.session.scalar(select(func.count(PurchaseLine.id))) == 0
        # The logistics head requests for any store.
        row = service.create_request({
            "store_id": company_a.stores[1].id, "reason": "新店补货",
            "lines": [{"stock_item_id": towels.id, "quantity": "1.5",
                       "estimated_unit_cost": "3.33"}]}, company_a.accounts["logistics_head"])
        assert row.estimated_total == Decimal("5.00")  # 4.995 rounds half up to the cent
