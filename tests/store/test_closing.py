"""日结: the figures of a constructed day, the lock, the re-open, Excel, pages and API."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.blueprints.store import closing, orders
from app.blueprints.store.days import DayLockedError, get_business_day, today_for_store
from app.blueprints.store.models import (
    BusinessDay,
    CardLedgerEntry,
    Customer,
    MemberCard,
    Payment,
    Refund,
    ServiceJob,
)
from app.blueprints.store.models.payments import PAYMENT_METHODS
from app.extensions import db
from app.models import AuditEntry
from app.models.base import utcnow
from app.tenancy import tenant_context
from tests.store.helpers import make_catalogue, make_therapists

# Also on SQLite: 日结 sums money in SQL and dates the business day.
pytestmark = pytest.mark.both_backends

D = Decimal


def _job(order, line, therapist, *, job_type="rotation", status="finished", is_addon=False,
         minutes=60):
    now = utcnow()
    job = ServiceJob(store_id=order.store_id, business_day_id=order.business_day_id,
                     order_id=order.id, order_line_id=line.id, therapist_id=therapist.id,
                     room_id=order.room_id, job_type=job_type, is_addon=is_addon, status=status,
                     started_at=now - timedelta(minutes=minutes), planned_end_at=now,
                     ended_at=now if status != "in_service" else None)
    db.session.add(job)
    db.session.flush()
    return job


def _pay(order, method, amount, **extra):
    payment = Payment(store_id=order.store_id, order_id=order.id,
                      business_day_id=order.business_day_id, method=method, amount=D(amount),
                      **extra)
    db.session.add(payment)
    db.session.flush()
    return payment


def _settle(order, total):
    order.status, order.total, order.subtotal = "paid", D(total), D(total)
    order.closed_at = utcnow()


def build_day(company) -> dict:
    """One business day of store 1 with every case the closing must see."""
    store, other = company.stores[0], company.stores[1]
    items = make_catalogue()
    t1, t2, t3 = make_therapists(store.id, 3)
    # 1: 足疗 (轮钟 t1) + 加钟 采耳 (t1) + 茶; paid WeChat 200 + cash 14.
    o1 = orders.open_order(store.id, room_id=company.rooms[0].id)
    foot = orders.add_service_line(o1, items["foot"].id)
    ear = orders.add_service_line(o1, items["ear"].id, addon_of_line_id=foot.id)
    orders.add_product_line(o1, items["tea"].id)
    _job(o1, foot, t1)
    _job(o1, ear, t1, is_addon=True, minutes=30)
    _settle(o1, "214.00")
    _pay(o1, "wechat", "200.00")
    _pay(o1, "cash", "14.00", tendered=D("20.00"), change=D("6.00"))
    # 2: 精油 — t2 returned (退钟), t3 did it; paid Alipay 268, then 50 refunded.
    o2 = orders.open_order(store.id, room_id=company.rooms[1].id)
    oil = orders.add_service_line(o2, items["oil"].id)
    _job(o2, oil, t2, status="returned", minutes=5)
    _job(o2, oil, t3)
    _settle(o2, "268.00")
    _pay(o2, "alipay", "268.00")
    refund = Refund(store_id=store.id, order_id=o2.id, amount=D("50.00"), method="alipay",
                    reason="水温太凉", status="approved")
    db.session.add(refund)
    db.session.flush()
    _pay(o2, "alipay", "-50.00", refund_id=refund.id)
    # 3: 点钟 t2 done, then the order was cancelled: a job with no paid line.
    o3 = orders.open_order(store.id, room_id=company.rooms[2].id)
    line3 = orders.add_service_line(o3, items["foot"].id, requested_therapist_id=t2.id)
    _job(o3, line3, t2, job_type="requested")
    o3.status = "cancelled"
    # 4: still waiting for a room: an open order.
    o4 = orders.open_order(store.id)
    # 5: paid by stored-value card, but no therapist's job: a paid line with no job.
    o5 = orders.open_order(store.id)
    orders.add_service_line(o5, items["foot"].id)
    _settle(o5, "128.00")
    customer = Customer(name="张女士", phone="13800001111", phone_tail="1111")
    db.session.add(customer)
    db.session.flush()
    card = MemberCard(card_no="C0001", customer_id=customer.id, kind="stored_value",
                      issued_store_id=store.id, balance=D("1072.00"))
    db.session.add(card)
    db.session.flush()
    _pay(o5, "stored_value", "128.00", card_id=card.id)
    # Card top-up (WeChat 1000 + bonus 200) here; another top-up in store 2 is not ours.
    db.session.add_all([
        CardLedgerEntry(card_id=card.id, store_id=store.id, kind="topup", amount=D("1000.00"),
                        balance_after=D("1000.00"), payment_method="wechat"),
        CardLedgerEntry(card_id=card.id, store_id=store.id, kind="bonus", amount=D("200.00"),
                        balance_after=D("1200.00")),
        CardLedgerEntry(card_id=card.id, store_id=other.id, kind="topup", amount=D("500.00"),
                        balance_after=D("1700.00"), payment_method="cash"),
    ])
    db.session.flush()
    day = db.session.get(BusinessDay, o1.business_day_id)
    return {"day": day, "t1": t1, "t2": t2, "t3": t3, "open": o4, "cancelled": o3,
            "no_job": o5, "store": store}


def test_closing_figures_of_a_constructed_day(company_a):
    with tenant_context(company_a.tenant_id):
        built = build_day(company_a)
        s = closing.compute_closing(built["day"])
        methods = s["methods"]
        assert methods["wechat"] == {"method": "wechat", "count": 1, "received": "200.00",
                                     "refunded": "0.00", "net": "200.00"}
        assert (methods["alipay"]["received"], methods["alipay"]["refunded"],
                methods["alipay"]["net"]) == ("268.00", "50.00", "218.00")
        assert methods["cash"]["net"] == "14.00" and methods["bank_card"]["count"] == 0
        assert methods["stored_value"]["net"] == "128.00"
        assert s["money_received_payments"] == "432.00"  # card spends are not money in
        assert s["card_spend_total"] == "128.00"
        assert (s["refund_count"], s["refund_total"]) == (1, "50.00")
        assert s["refunds"][0]["reason"] == "水温太凉"
        assert s["topups_by_method"] == {"wechat": "1000.00"}
        assert (s["topup_total"], s["bonus_total"], s["topup_count"]) == ("1000.00", "200.00", 1)
        assert s["money_received_total"] == "1432.00"
        assert s["cash_expected"] == "14.00"
        assert (s["order_count"], s["orders_cancelled"], s["orders_open"]) == (3, 1, 1)
        assert s["revenue"] == "610.00" and s["average_ticket"] == "203.33"

        by_id = {row["therapist_id"]: row for row in s["therapists"]}
        t1, t2, t3 = (by_id[built[k].id] for k in ("t1", "t2", "t3"))
        assert (t1["rotation"], t1["requested"], t1["addon"], t1["returned"]) == (1, 0, 1, 0)
        assert (t1["jobs_done"], t1["settled_lines"], t1["settled_amount"]) == (2, 2, "196.00")
        assert not t1["mismatch"]
        assert (t2["requested"], t2["returned"]) == (1, 1)
        assert (t2["jobs_done"], t2["settled_lines"]) == (1, 0)
        assert t2["mismatch"]
        assert (t3["rotation"], t3["settled_lines"], t3["mismatch"]) == (1, 1, False)

        kinds = [(m["kind"], m["order_id"]) for m in s["mismatches"]]
        assert kinds == [("order_open", built["open"].id),
                         ("job_unpaid", built["cancelled"].id),
                         ("line_without_job", built["no_job"].id)]
        assert s["mismatch_count"] == 3


def test_payments_that_do_not_sum_to_the_total_are_a_mismatch(company_a):
    with tenant_context(company_a.tenant_id):
        make_catalogue()
        order = orders.open_order(company_a.stores[0].id)
        _settle(order, "100.00")
        _pay(order, "cash", "90.00")
        s = closing.compute_closing(db.session.get(BusinessDay, order.business_day_id))
        assert [m["kind"] for m in s["mismatches"]] == ["payments_differ"]
        assert "90.00" in s["mismatches"][0]["detail"]


def test_split_payments_that_sum_exactly_are_not_a_mismatch(company_a):
    """SQLite sums NUMERIC as floats: 67.58 + 157.70 must still equal 225.28."""
    with tenant_context(company_a.tenant_id):
        order = orders.open_order(company_a.stores[0].id)
        _settle(order, "225.28")
        _pay(order, "cash", "67.58")
        _pay(order, "wechat", "157.70")
        s = closing.compute_closing(db.session.get(BusinessDay, order.business_day_id))
        assert s["mismatches"] == [] and s["money_received_payments"] == "225.28"


def test_locking_refuses_open_orders_then_refuses_every_later_change(company_a):
    with tenant_context(company_a.tenant_id):
        built = build_day(company_a)
        store, cashier = built["store"], company_a.accounts["cashier"]
        with pytest.raises(closing.ClosingError) as error:
            closing.lock_day(store.id, built["day"].business_date, actor=cashier)
        assert error.value.field == "orders"
        assert built["day"].locked_at is None
        built["open"].status = "cancelled"
        day = closing.lock_day(store.id, built["day"].business_date, actor=cashier)
        assert day.locked_at is not None and day.locked_by_account_id == cashier.id
        assert day.closing_summary["revenue"] == "610.00"
        assert day.closing_summary["locked_by"] == cashier.display_name
        db.session.commit()

        with pytest.raises(DayLockedError):
            orders.open_order(store.id)
        with pytest.raises(closing.ClosingError) as again:
            closing.lock_day(store.id, day.business_date, actor=cashier)
        assert again.value.field == "business_day"
        audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "closing.lock"))
        assert [a.after["revenue"] for a in audit] == ["610.00"]


def test_a_future_day_cannot_be_closed(company_a):
    with tenant_context(company_a.tenant_id):
        tomorrow = today_for_store() + timedelta(days=1)
        with pytest.raises(closing.ClosingError) as error:
            closing.lock_day(company_a.stores[0].id, tomorrow)
        assert error.value.field == "business_date"


def test_reopen_needs_the_store_manager_and_a_reason_and_is_audited(company_a):
    with tenant_context(company_a.tenant_id):
        store = company_a.stores[0]
        day = closing.lock_day(store.id, today_for_store())
        db.session.commit()
        with pytest.raises(closing.ClosingError):
            closing.reopen_day(day, "改单", actor=company_a.accounts["cashier"])
        manager = company_a.accounts["store_manager"]
        with pytest.raises(closing.ClosingError) as error:
            closing.reopen_day(day, "  ", actor=manager)
        assert error.value.field == "reason"
        closing.reopen_day(day, "漏录一笔现金", actor=manager)
        db.session.commit()
        assert day.locked_at is None and day.closing_summary is None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "closing.reopen"))
        assert entry.after == {"reason": "漏录一笔现金"}
        assert entry.before["revenue"] == "0.00" and entry.before["locked_at"]
        assert entry.actor_account_id == manager.id
        assert orders.open_order(store.id).seq == 1  # the day takes changes again


def test_excel_has_the_four_sheets_and_the_totals(company_a):
    with tenant_context(company_a.tenant_id):
        built = build_day(company_a)
        summary = closing.compute_closing(built["day"])
        book = load_workbook(io.BytesIO(closing.closing_workbook(summary)))
        assert book.sheetnames == list(closing.SHEETS)
        totals = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True)}
        assert D(str(totals["营业额"])) == D("610.00")
        assert D(str(totals["实收合计（收款 + 充值）"])) == D("1432.00")
        assert totals["差异条数"] == 3
        pay = {row[0]: row for row in book["收款方式"].iter_rows(values_only=True) if row[0]}
        assert D(str(pay["支付宝"][4])) == D("218.00")
        people = list(book["技师钟数"].iter_rows(values_only=True))
        assert len(people) == 4 and people[0][0] == "技师"
        assert len(list(book["差异"].iter_rows(values_only=True))) == 4
        # Money cells: the exact value, two decimals shown (app/spreadsheets.py).
        revenue = next(row[1] for row in book["汇总"].iter_rows() if row[0].value == "营业额")
        assert revenue.number_format == "#,##0.00" and revenue.data_type == "n"
        assert pay["支付宝"][4] == 218.0


def test_excel_money_is_stored_with_its_own_digits():
    """openpyxl alone writes 8969.31 as 8969.309999999999; the closing file does not."""
    summary = {key: "0.00" for key in (
        "average_ticket", "discount_total", "money_received_payments", "card_spend_total",
        "topup_total", "bonus_total", "refund_total", "money_received_total",
        "cash_expected", "payments_net")}
    summary.update(store_code="S1", store_name="一店", business_date="2026-11-03",
                   revenue="8969.31", order_count=1, orders_cancelled=0, orders_open=0,
                   mismatch_count=0, methods={m: {"count": 0, "received": "0.00",
                                                  "refunded": "0.00", "net": "0.00"}
                                              for m in PAYMENT_METHODS},
                   topups_by_method={}, therapists=[], mismatches=[])
    content = closing.closing_workbook(summary)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert re.search(r'<c r="B3"[^>]*><v>8969.31</v>', xml), xml[:600]
    assert "8969.309999" not in xml


# --- pages and API ------------------------------------------------------------------------


def test_receptionist_cannot_close_the_day(client, auth, company_a):
    auth.login_as(company_a, "receptionist")
    store = company_a.stores[0]
    assert client.get("/store/closing").status_code == 403
    assert client.get(f"/store/closing?store_id={store.id}").status_code == 403
    response = client.post(f"/store/{store.id}/closing/lock",
                           data={"business_date": "2026-01-01"})
    assert response.status_code == 403


def test_cashier_previews_locks_and_exports_the_day(client, auth, company_a):
    with tenant_context(company_a.tenant_id):
        built = build_day(company_a)
        built["open"].status = "cancelled"
        day_id, store_id = built["day"].id, built["store"].id
        business_date = built["day"].business_date.isoformat()
        db.session.commit()
    auth.login_as(company_a, "cashier")
    page = client.get("/store/closing", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-figure="revenue">¥610.00' in html
    assert "data-mismatch" in html and 'data-kind="job_unpaid"' in html
    assert "closing-lock-form" in html
    response = client.post(f"/store/{store_id}/closing/lock",
                           data={"business_date": business_date})
    assert response.status_code == 302
    url = f"/store/closing?store_id={store_id}&date={business_date}"
    html = client.get(url).get_data(as_text=True)
    assert 'data-testid="day-locked"' in html and "closing-lock-form" not in html
    assert "closing-reopen-form" not in html  # the cashier cannot re-open
    export = client.get(f"/store/{store_id}/closing/{day_id}/export.xlsx")
    assert export.status_code == 200
    assert export.mimetype.endswith("spreadsheetml.sheet")
    assert load_workbook(io.BytesIO(export.data)).sheetnames == list(closing.SHEETS)
    assert client.post(f"/store/{store_id}/closing/{day_id}/reopen",
                       data={"reason": "x"}).status_code == 403


def test_store_manager_reopens_from_the_page(client, auth, company_a):
    with tenant_context(company_a.tenant_id):
        day = closing.lock_day(company_a.stores[0].id, today_for_store())
        day_id, store_id = day.id, day.store_id
        db.session.commit()
    auth.login_as(company_a, "store_manager")
    html = client.get(f"/store/closing?store_id={store_id}").get_data(as_text=True)
    assert "closing-reopen-form" in html
    empty = client.post(f"/store/{store_id}/closing/{day_id}/reopen", data={"reason": ""},
                        follow_redirects=True)
    assert "请填写重新打开的原因" in empty.get_data(as_text=True)
    client.post(f"/store/{store_id}/closing/{day_id}/reopen", data={"reason": "补录退款"})
    with tenant_context(company_a.tenant_id):
        assert db.session.get(BusinessDay, day_id).locked_at is None


def test_store_roles_see_only_their_store_closing(client, auth, company_a):
    auth.login_as(company_a, "cashier")
    other = company_a.stores[1]
    assert client.get(f"/store/closing?store_id={other.id}").status_code == 404


def test_finance_sees_the_closings_of_every_store(client, auth, company_a):
    with tenant_context(company_a.tenant_id):
        for store in company_a.stores:
            closing.lock_day(store.id, today_for_store())
        db.session.commit()
        day_ids = list(db.session.scalars(select(BusinessDay.id)))
    auth.login_as(company_a, "finance_staff")
    html = client.get("/finance/closings").get_data(as_text=True)
    for store, day_id in zip(company_a.stores, day_ids, strict=True):
        assert f'data-store-id="{store.id}"' in html
        assert client.get(f"/finance/closings/{day_id}/export.xlsx").status_code == 200
    assert "finance-closings-link" in client.get("/finance/").get_data(as_text=True)
    auth.logout()
    auth.login_as(company_a, "cashier")
    assert client.get("/finance/closings").status_code == 403


def test_api_lock_preview_list_and_reopen(client, company_a, api_token):
    store = company_a.stores[0]
    cashier = api_token(company_a, "cashier")
    preview = client.get(f"/api/v1/closings/preview?store_id={store.id}", headers=cashier)
    assert preview.status_code == 200 and preview.get_json() == {"locked": False,
                                                                  "summary": None}
    with tenant_context(company_a.tenant_id):
        today = today_for_store().isoformat()
        orders.open_order(store.id)  # open: the lock names "orders"
        db.session.commit()
    refused = client.post("/api/v1/closings", json={"store_id": store.id,
                                                    "business_date": today}, headers=cashier)
    assert refused.status_code == 422
    assert "orders" in refused.get_json()["error"]["fields"]
    bad = client.post("/api/v1/closings", json={"store_id": store.id}, headers=cashier)
    assert bad.status_code == 422 and "business_date" in bad.get_json()["error"]["fields"]
    with tenant_context(company_a.tenant_id):
        day = get_business_day(store.id, today_for_store())
        for order in db.session.scalars(select(orders.Order)):
            order.status = "cancelled"
        db.session.commit()
        day_id = day.id
    locked = client.post("/api/v1/closings", json={"store_id": store.id,
                                                   "business_date": today}, headers=cashier)
    assert locked.status_code == 201 and locked.get_json()["locked"] is True
    assert locked.get_json()["summary"]["orders_cancelled"] == 1
    finance = api_token(company_a, "finance_staff")
    listed = client.get("/api/v1/closings", headers=finance).get_json()
    assert [(i["business_day_id"], i["locked"], i["revenue"]) for i in listed["items"]] == [
        (day_id, True, "0.00")]
    assert client.get("/api/v1/closings", headers=cashier).status_code == 403
    assert client.post(f"/api/v1/closings/{day_id}/reopen", json={"reason": "x"},
                       headers=cashier).status_code == 403
    manager = api_token(company_a, "store_manager")
    assert client.post(f"/api/v1/closings/{day_id}/reopen", json={},
                       headers=manager).status_code == 422
    reopened = client.post(f"/api/v1/closings/{day_id}/reopen", json={"reason": "补单"},
                           headers=manager)
    assert reopened.status_code == 200 and reopened.get_json()["locked"] is False
