"""The bill and the receipt say who did each service line and how: 技师号, 轮钟/点钟,
and a 加钟 marked as such (not a second identical line)."""

from __future__ import annotations

from datetime import timedelta

from app.blueprints.store import checkout, orders
from app.blueprints.store.models import ServiceJob
from app.extensions import db
from app.models.base import utcnow
from app.tenancy import tenant_context
from tests.store.helpers import make_catalogue, make_therapists


def _order_with_an_addon(company):
    """Guest 1: 足疗 by 801 (轮钟) and its 加钟 (the same item again); guest 2: 足疗 by
    802 (点钟).  All finished."""
    items = make_catalogue()
    store = company.stores[0]
    first, second = make_therapists(store.id, 2, qualified=[items["foot"]])
    order = orders.open_order(store.id, party_size=2)
    now = utcnow()

    def job(line, therapist, job_type, parent=None):
        row = ServiceJob(store_id=store.id, business_day_id=order.business_day_id,
                         order_id=order.id, order_line_id=line.id, therapist_id=therapist.id,
                         job_type=job_type, is_addon=parent is not None,
                         parent_job_id=parent.id if parent else None, status="finished",
                         started_at=now - timedelta(minutes=60), planned_end_at=now,
                         ended_at=now)
        db.session.add(row)
        db.session.flush()
        return row

    base = orders.add_service_line(order, items["foot"].id, guest_no=1)
    base_job = job(base, first, "rotation")
    addon = orders.add_service_line(order, items["foot"].id, guest_no=1,
                                    addon_of_line_id=base.id)
    job(addon, first, "rotation", parent=base_job)
    asked = orders.add_service_line(order, items["foot"].id, guest_no=2,
                                    requested_therapist_id=second.id)
    job(asked, second, "requested")
    orders.after_job_ended(order)
    db.session.flush()
    return order, (base, addon, asked)


def test_bill_lines_carry_therapist_job_type_and_the_addon_mark(company_a):
    with tenant_context(company_a.tenant_id):
        order, (base, addon, asked) = _order_with_an_addon(company_a)
        bill = checkout.price_order(order)
        served = {b.line.id: b.service for b in bill.lines}
        assert (served[base.id].therapist_no, served[base.id].job_type,
                served[base.id].is_addon) == ("801", "rotation", False)
        assert (served[addon.id].therapist_no, served[addon.id].job_type,
                served[addon.id].is_addon) == ("801", "rotation", True)
        assert (served[asked.id].therapist_no, served[asked.id].job_type) == ("802", "requested")
        receipt = checkout.receipt_of(order)
        assert receipt.services[addon.id].is_addon


def test_checkout_page_receipt_and_api_show_the_addon_and_the_therapist(
        client, auth, api_token, company_a):
    with tenant_context(company_a.tenant_id):
        order, (base, addon, asked) = _order_with_an_addon(company_a)
        db.session.commit()
        store_id, order_id = order.store_id, order.id
        ids = base.id, addon.id, asked.id
    auth.login_as(company_a, "cashier")
    page = client.get(f"/store/{store_id}/orders/{order_id}/checkout").get_data(as_text=True)
    row = page.split(f'data-line-id="{ids[1]}"')[1].split("</tr>")[0]
    assert "加钟" in row and "801" in row and "轮钟" in row
    row = page.split(f'data-line-id="{ids[2]}"')[1].split("</tr>")[0]
    assert "加钟" not in row and "802" in row and "点钟" in row
    receipt = client.get(f"/store/{store_id}/orders/{order_id}/receipt").get_data(as_text=True)
    lines = receipt.split('data-testid="receipt-lines"')[1].split("</table>")[0]
    assert lines.count("加钟") == 1
    assert "801" in lines and "802" in lines and "轮钟" in lines and "点钟" in lines
    auth.logout()
    body = client.get(f"/api/v1/orders/{order_id}/receipt",
                      headers=api_token(company_a, "cashier")).get_json()
    by_id = {line["id"]: line for line in body["lines"]}
    assert (by_id[ids[1]]["is_addon"], by_id[ids[1]]["addon_of_line_id"],
            by_id[ids[1]]["therapist_no"], by_id[ids[1]]["job_type"]) == (
        True, ids[0], "801", "rotation")
    assert (by_id[ids[2]]["is_addon"], by_id[ids[2]]["therapist_no"],
            by_id[ids[2]]["job_type"]) == (False, "802", "requested")
