"""The asset pages: register by form, the list and its totals, the detail page's
schedule, status and 报废, the QR label sheet and the logistics landing page."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

from sqlalchemy import select

from app.blueprints.logistics import assets as service
from app.blueprints.logistics.models import Asset, DepreciationEntry
from app.extensions import db
from app.models import Store
from tests.hr.test_query_budget import count_statements


def _asset(company, n=0, **overrides):
    values = {"name": "空调", "category": "hvac", "store_id": company.stores[n].id,
              "purchase_date": "2025-06-10", "cost": "4800.00", "residual_value": "240",
              "useful_life_months": "96"} | overrides
    return service.register_asset(values, company.accounts["owner"], date(2026, 11, 20))


def test_registering_by_form_suggests_the_tag_and_shows_errors(client, auth, company_a,
                                                               in_tenant):
    auth.login_as(company_a, "logistics_head")
    store = company_a.stores[1]
    form = client.get(f"/logistics/assets/new?store_id={store.id}").get_data(as_text=True)
    assert 'placeholder="S02-0001"' in form
    data = {"store_id": store.id, "tag_code": "", "name": "毛巾加热柜", "category": "appliance",
            "room_id": "", "location": "布草间", "purchase_date": "2026-03-02",
            "cost": "2,400.00", "residual_value": "2500", "useful_life_months": "60",
            "custodian_employee_id": "", "note": ""}
    refused = client.post("/logistics/assets/new", data=data)
    assert refused.status_code == 422
    assert 'data-field-error="residual_value"' in refused.get_data(as_text=True)
    with in_tenant(company_a):
        assert db.session.scalar(select(Asset.id)) is None
    saved = client.post("/logistics/assets/new", data=data | {"residual_value": "120"})
    assert saved.status_code == 302
    detail = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "S02-0001" in detail and "毛巾加热柜" in detail and "¥2,400.00" in detail
    # 2,280 over 60 months = 38.00 a month from April 2026.
    assert 'data-period="2026-04"' in detail and "¥38.00" in detail
    assert 'data-period="2026-03"' not in detail


def test_the_detail_page_marks_posted_months_and_changes_status(client, auth, company_a,
                                                                 in_tenant):
    with in_tenant(company_a):
        asset = _asset(company_a)
        db.session.add(DepreciationEntry(asset_id=asset.id, store_id=asset.store_id,
                                         period=date(2025, 7, 1), amount=D("47.50"),
                                         book_value=D("4752.50")))
        db.session.commit()
        asset_id = asset.id
    auth.login_as(company_a, "logistics_head")
    page = client.get(f"/logistics/assets/{asset_id}").get_data(as_text=True)
    posted = re.findall(r'data-period="([\d-]+)" data-posted', page)
    assert posted == ["2025-07"]
    assert page.count("data-period=") == 96
    assert client.post(f"/logistics/assets/{asset_id}/status",
                       data={"status": "under_repair", "note": ""}).status_code == 302
    assert client.post(f"/logistics/assets/{asset_id}/write-off",
                       data={"reason": ""}).status_code == 302
    with in_tenant(company_a):
        assert db.session.get(Asset, asset_id).status == "under_repair"
    client.post(f"/logistics/assets/{asset_id}/write-off", data={"reason": "压缩机坏，修不值"})
    with in_tenant(company_a):
        assert db.session.get(Asset, asset_id).status == "written_off"
    page = client.get(f"/logistics/assets/{asset_id}").get_data(as_text=True)
    assert "已报废" in page and 'data-testid="asset-write-off-form"' not in page


def test_the_list_filters_and_totals(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        _asset(company_a, name="空调", cost="4800.00")
        _asset(company_a, name="足浴盆", category="bath_equipment", cost="1000.00",
               residual_value="0")
        _asset(company_a, 1, name="电视", category="av", cost="3000.00", residual_value="0")
        db.session.commit()
    auth.login_as(company_a, "logistics_head")
    page = client.get("/logistics/assets").get_data(as_text=True)
    assert 'data-total="count">3<' in page and "¥8,800.00" in page
    only = client.get(f"/logistics/assets?store_id={company_a.stores[0].id}&category=hvac"
                      ).get_data(as_text=True)
    assert "空调" in only and "足浴盆" not in only.split('data-testid="asset-table"')[1]
    assert 'data-total="count">1<' in only
    found = client.get("/logistics/assets?q=电视").get_data(as_text=True)
    assert found.count("data-asset-id=") == 1


def test_the_label_sheet_has_a_qr_code_and_the_tag_of_each_asset(client, auth, company_a,
                                                                  in_tenant):
    with in_tenant(company_a):
        tags = [_asset(company_a, name=f"凳子{i}", category="furniture", cost="120.00",
                       residual_value="0").tag_code for i in range(3)]
        gone = _asset(company_a, name="旧凳子", category="furniture", cost="80", residual_value="0")
        service.write_off(gone, company_a.accounts["owner"], "散架", date(2026, 11, 20))
        _asset(company_a, 1, name="别店的凳子", category="furniture", cost="80",
               residual_value="0")
        db.session.commit()
    auth.login_as(company_a, "logistics_head")
    sheet = client.get(f"/logistics/assets/labels?store_id={company_a.stores[0].id}")
    html = sheet.get_data(as_text=True)
    labels = re.findall(r'<div class="asset-label" data-asset-id="\d+" data-tag="([^"]+)">\s*'
                        r'<svg[^>]*class="asset-qr"', html)
    assert labels == tags
    assert "@media print" in html and "<script" not in html.split("</nav>")[-1].split(
        "<footer")[0]
    for tag in tags:
        assert f'<div class="tag">{tag}</div>' in html
    assert "旧凳子" not in html and "别店的凳子" not in html


def test_the_landing_page_cards_and_a_flat_statement_count(client, auth, company_a,
                                                           in_tenant):
    with in_tenant(company_a):
        broken = _asset(company_a)
        _asset(company_a)
        service.set_status(broken, "damaged", company_a.accounts["owner"])
        db.session.commit()
    auth.login_as(company_a, "logistics_head")
    html = client.get("/logistics/").get_data(as_text=True)
    assert "陆续上线" not in html
    store_1 = html.split(f'data-store-id="{company_a.stores[0].id}"')[1].split("card-footer")[0]
    assert 'data-count="in_use">1<' in store_1 and 'data-count="damaged">1<' in store_1
    assert 'data-link="logistics.assets"' in html
    with count_statements() as few:
        client.get("/logistics/")
    with in_tenant(company_a):
        for n in range(3, 9):
            store = Store(code=f"S{n:02d}", name=f"{n}号店", city="广州")
            db.session.add(store)
            db.session.flush()
            service.register_asset({"name": "空调", "category": "hvac", "store_id": store.id,
                                    "purchase_date": "2025-06-10", "cost": "4800.00",
                                    "useful_life_months": "96"},
                                   company_a.accounts["owner"], date(2026, 11, 20))
        db.session.commit()
    with count_statements() as many:
        html = client.get("/logistics/").get_data(as_text=True)
    assert "8号店" in html
    assert len(many) == len(few), "\n".join(many)


def test_a_store_manager_reads_but_does_not_manage(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        asset_id = _asset(company_a).id
        db.session.commit()
    auth.login_as(company_a, "store_manager")
    assert client.get("/logistics/").status_code == 200
    page = client.get(f"/logistics/assets/{asset_id}").get_data(as_text=True)
    assert 'data-testid="asset-status-form"' not in page
    assert client.get("/logistics/assets/new").status_code == 403
    assert client.get(f"/logistics/assets/labels?asset_id={asset_id}").status_code == 403
    svg = client.get(f"/logistics/assets/{asset_id}/label.svg")
    assert svg.status_code == 200 and svg.data.startswith(b"<?xml")


def test_labels_of_the_assets_ticked_on_the_list(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        picked = [_asset(company_a, n) for n in (0, 1)]
        _asset(company_a)
        db.session.commit()
        ids = [a.id for a in picked]
    auth.login_as(company_a, "logistics_head")
    page = client.get("/logistics/assets").get_data(as_text=True)
    assert page.count('form="label-pick"') == 3
    sheet = client.get("/logistics/assets/labels?" + "&".join(f"asset_id={i}" for i in ids))
    html = sheet.get_data(as_text=True)
    assert sorted(int(i) for i in re.findall(r'class="asset-label" data-asset-id="(\d+)"',
                                             html)) == sorted(ids)
    assert html.count('class="asset-qr"') == 2
