"""资产盘点 over the API (inline jobs), the Excel export's cells, settings."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from app.blueprints.logistics.models import Asset, AssetCount
from app.extensions import db
from app.tenancy import tenant_context
from tests.logistics.count_data import small_store


def test_count_over_the_api(client, company_a, api_token):
    with tenant_context(company_a.tenant_id):
        ids = small_store(company_a)
        db.session.commit()
    head = api_token(company_a, "logistics_head")
    manager = api_token(company_a, "store_manager")
    finance = api_token(company_a, "finance_manager")
    started = client.post("/api/v1/asset-counts/open", headers=head)
    assert started.status_code == 202
    listed = client.get("/api/v1/asset-counts", headers=manager).get_json()
    assert listed["total"] == 1  # the store manager sees their store only
    count = listed["items"][0]
    assert (count["status"], count["counted"], count["total"]) == ("open", 0, 3)
    cid = count["id"]
    detail = client.get(f"/api/v1/asset-counts/{cid}", headers=manager).get_json()
    lines = {line["name"]: line for line in detail["lines"]}
    scanned = client.post(f"/api/v1/asset-counts/{cid}/scan", json={"tag_code": "ZY-001"},
                          headers=manager).get_json()
    assert scanned["outcome"] == "marked" and scanned["line"]["result"] == "present"
    unknown = client.post(f"/api/v1/asset-counts/{cid}/scan", json={"tag_code": "NOPE"},
                          headers=manager).get_json()
    assert unknown["outcome"] == "unknown"
    bad = client.patch(f"/api/v1/asset-counts/{cid}/lines/{lines['毛巾']['id']}",
                       json={"counted_quantity": "-1"}, headers=manager)
    assert bad.status_code == 422 and "counted_quantity" in str(bad.get_json())
    ok = client.patch(f"/api/v1/asset-counts/{cid}/lines/{lines['毛巾']['id']}",
                      json={"counted_quantity": "18"}, headers=manager)
    assert ok.get_json()["counted_quantity"] == "18.00"
    client.patch(f"/api/v1/asset-counts/{cid}/lines/{lines['沙发']['id']}",
                 json={"result": "damaged", "note": "扶手裂了"}, headers=manager)
    surplus = client.post(f"/api/v1/asset-counts/{cid}/surplus", json={"name": "凳子"},
                          headers=manager)
    assert surplus.status_code == 201
    refused = client.post(f"/api/v1/asset-counts/{cid}/close", json={}, headers=manager)
    assert refused.status_code == 422 and "confirm_uncounted" in str(refused.get_json())
    closed = client.post(f"/api/v1/asset-counts/{cid}/close", json={"confirm_uncounted": True},
                         headers=manager).get_json()
    assert closed["status"] == "reconciling"
    # Reconciled by the job (inline here: no Redis) once the close has committed.
    closed = client.get(f"/api/v1/asset-counts/{cid}", headers=manager).get_json()
    assert closed["status"] == "pending_review"
    assert (closed["missing_count"], closed["damaged_count"], closed["surplus_count"]) == (
        1, 1, 1)
    assert closed["consumable_variance_value"] == "-9.00"
    assert client.post(f"/api/v1/asset-counts/{cid}/approve", json={},
                       headers=manager).status_code == 403
    no_note = client.post(f"/api/v1/asset-counts/{cid}/send-back", json={}, headers=finance)
    assert no_note.status_code == 422
    approved = client.post(f"/api/v1/asset-counts/{cid}/approve", json={"note": "同意"},
                           headers=finance)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    twice = client.post(f"/api/v1/asset-counts/{cid}/approve", json={}, headers=finance)
    assert twice.status_code == 422
    with tenant_context(company_a.tenant_id):
        assert db.session.get(Asset, ids["warmer"]).status == "written_off"

    xlsx = client.get(f"/api/v1/asset-counts/{cid}/export.xlsx", headers=head)
    sheet = load_workbook(BytesIO(xlsx.data)).active
    assert sheet["A1"].value == "阿尔法 1号店" and sheet["B1"].value == "2026年11月资产清查" \
        or sheet["B1"].value.endswith("资产清查")
    rows = {row[2]: row for row in sheet.iter_rows(min_row=8, values_only=True)}
    assert rows["毛巾加热柜"][4] == "缺失"
    assert Decimal(str(rows["毛巾"][9])) == Decimal("-9.00")
    with tenant_context(company_a.tenant_id):
        count = db.session.scalar(select(AssetCount).where(AssetCount.id == cid))
        assert Decimal(str(sheet["D2"].value)) == count.missing_value


def test_settings_api_and_page(client, auth, company_a, api_token):
    head = api_token(company_a, "logistics_head")
    assert client.get("/api/v1/logistics-settings", headers=head).get_json() == {
        "count_day": 1, "count_hour": 2, "overdue_day": 5}
    bad = client.patch("/api/v1/logistics-settings", json={"overdue_day": 40}, headers=head)
    assert bad.status_code == 422 and "overdue_day" in str(bad.get_json())
    ok = client.patch("/api/v1/logistics-settings", json={"count_hour": 3}, headers=head)
    assert ok.get_json()["count_hour"] == 3
    auth.login_as(company_a, "logistics_head")
    page = client.get("/logistics/settings")
    assert page.status_code == 200 and 'value="3"' in page.text
    refused = client.post("/logistics/settings", data={"count_day": "9", "count_hour": "3",
                                                       "overdue_day": "5"})
    assert refused.status_code == 422 and "逾期日须晚于盘点开始日" in refused.text
