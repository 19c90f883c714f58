"""价目: service items, products, membership levels, store prices and therapist
qualifications — validation naming the field, deactivation instead of deletion,
audited price changes, pages and API."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.store import catalogue, orders
from app.blueprints.store.models import ServiceItem, StoreServicePrice, TherapistQualification
from app.extensions import db
from app.models import AuditEntry
from app.tenancy import tenant_context
from tests.store.helpers import make_catalogue, make_therapists

D = Decimal


@pytest.mark.parametrize(("values", "field"), [
    ({"code": "", "name": "足疗", "price": "100"}, "code"),
    ({"code": "ZL60", "name": "足疗", "price": "100"}, "code"),  # taken
    ({"code": "X1", "name": "足疗", "price": "100.005"}, "price"),
    ({"code": "X1", "name": "足疗", "price": "-1"}, "price"),
    ({"code": "X1", "name": "足疗", "price": "100", "duration_minutes": 0}, "duration_minutes"),
    ({"code": "X1", "name": "足疗", "price": "100", "category": "nails"}, "category"),
    ({"code": "X1", "name": "足疗", "price": "100", "commission_rotation": "101"},
     "commission_rotation"),
    ({"code": "X1", "name": "足疗"}, "price"),
])
def test_service_item_input_is_checked_field_by_field(company_a, values, field):
    with tenant_context(company_a.tenant_id):
        make_catalogue()
        with pytest.raises(catalogue.CatalogueError) as error:
            catalogue.create_service_item(**values)
        assert field in error.value.fields
        assert db.session.scalar(select(ServiceItem).where(ServiceItem.code == "X1")) is None


def test_a_deactivated_item_leaves_new_orders_and_price_changes_are_audited(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        catalogue.update_service_item(items["ear"], price="78.00", is_active=False)
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "catalogue.update"))
        assert entry.before == {"price": "68.00", "is_active": True}
        assert entry.after == {"price": "78.00", "is_active": False}
        order = orders.open_order(company_a.stores[0].id)
        with pytest.raises(orders.OrderError):
            orders.add_service_line(order, items["ear"].id)
        assert db.session.get(ServiceItem, items["ear"].id) is not None  # never deleted


def test_membership_level_discount_bounds(company_a):
    with tenant_context(company_a.tenant_id):
        level = catalogue.create_membership_level(name="银卡", discount="0.95")
        assert level.discount == D("0.950")
        for bad in ("1.2", "0", "abc", "0.8888"):
            with pytest.raises(catalogue.CatalogueError) as error:
                catalogue.update_membership_level(level, discount=bad)
            assert error.value.field == "discount"
        with pytest.raises(catalogue.CatalogueError) as error:
            catalogue.create_membership_level(name="银卡", discount="0.9")
        assert error.value.field == "name"


def test_store_price_override_is_set_and_cleared(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        store = company_a.stores[0]
        catalogue.set_store_price(store, items["foot"], "138")
        assert catalogue.store_prices(store.id) == {items["foot"].id: D("138.00")}
        assert orders.service_price(store.id, items["foot"]) == D("138.00")
        with pytest.raises(catalogue.CatalogueError) as error:
            catalogue.set_store_price(store, items["foot"], "1.999")
        assert error.value.field == f"price_{items['foot'].id}"
        catalogue.set_store_price(store, items["foot"], "")
        assert catalogue.store_prices(store.id) == {}
        assert orders.service_price(store.id, items["foot"]) == D("128.00")
        assert db.session.scalar(select(StoreServicePrice.id)) is None


def test_catalogue_pages_for_head_office(app, client, auth, company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        therapists = make_therapists(company_a.stores[0].id, 2, qualified=[items["foot"]])
        db.session.commit()
        foot, ear, tea = items["foot"].id, items["ear"].id, items["tea"].id
        first, second = therapists[0].id, therapists[1].id
    store_id = company_a.stores[0].id
    auth.login_as(company_a, "cashier")
    assert client.get("/store/catalogue").status_code == 403
    auth.logout()
    auth.login_as(company_a, "general_manager")
    page = client.get("/store/catalogue")
    assert page.status_code == 200 and "ZL60" in page.text and "普洱茶" in page.text
    bad = client.post("/store/catalogue/service-items/new", data={
        "code": "ZL60", "name": "重复", "category": "foot", "duration_minutes": "60",
        "price": "1", "commission_rotation": "0", "commission_requested": "0",
        "is_active": "1"})
    assert bad.status_code == 422 and 'data-field-error="code"' in bad.text
    made = client.post("/store/catalogue/service-items/new", data={
        "code": "TN45", "name": "推拿 45 分钟", "category": "body", "duration_minutes": "45",
        "price": "158", "commission_rotation": "45", "commission_requested": "55",
        "is_active": "1"})
    assert made.status_code == 302
    # unticking 在售 deactivates
    off = client.post(f"/store/catalogue/products/{tea}", data={
        "code": "T01", "name": "普洱茶", "unit": "壶", "price": "18"})
    assert off.status_code == 302
    prices = client.post(f"/store/{store_id}/catalogue/prices",
                         data={f"price_{foot}": "138.00", f"price_{ear}": ""})
    assert prices.status_code == 302
    grid = client.post(f"/store/{store_id}/catalogue/qualifications",
                       data={"q": [f"{first}-{ear}", f"{second}-{foot}"]})
    assert grid.status_code == 302
    assert 'value="138.00"' in client.get(f"/store/{store_id}/catalogue/prices").text
    with tenant_context(company_a.tenant_id):
        assert db.session.scalar(select(ServiceItem).where(ServiceItem.code == "TN45")).price \
            == D("158.00")
        from app.blueprints.store.models import Product
        assert db.session.get(Product, tea).is_active is False
        held = set(db.session.execute(select(TherapistQualification.employee_id,
                                             TherapistQualification.service_item_id)).all())
        assert held == {(first, ear), (second, foot)}


def test_catalogue_api(app, client, company_a, api_token):
    with tenant_context(company_a.tenant_id):
        make_catalogue()
        db.session.commit()
    manager = api_token(company_a, "finance_manager")
    cashier = api_token(company_a, "cashier")
    listed = client.get("/api/v1/service-items?active=true", headers=cashier).get_json()
    assert listed["total"] == 3 and listed["items"][0]["price"] == "128.00"
    assert client.post("/api/v1/products", headers=cashier,
                       json={"code": "P9", "name": "果盘", "price": "28"}).status_code == 403
    created = client.post("/api/v1/products", headers=manager,
                          json={"code": "P9", "name": "果盘", "unit": "盘", "price": "28"})
    assert created.status_code == 201 and created.get_json()["price"] == "28.00"
    product_id = created.get_json()["id"]
    bad = client.patch(f"/api/v1/products/{product_id}", headers=manager,
                       json={"price": "twenty"})
    assert bad.status_code == 422 and "price" in bad.get_json()["error"]["fields"]
    off = client.patch(f"/api/v1/products/{product_id}", headers=manager,
                       json={"is_active": False})
    assert off.get_json()["is_active"] is False
    item = client.post("/api/v1/service-items", headers=manager, json={
        "code": "SPA1", "name": "水疗", "category": "spa", "duration_minutes": 90,
        "price": "398.00", "commission_rotation": "100", "commission_requested": "120"})
    assert item.status_code == 201, item.get_json()
    wrong = client.post("/api/v1/service-items", headers=manager, json={
        "code": "SPA2", "name": "水疗", "price": "398.00", "duration_minutes": 9999})
    assert "duration_minutes" in wrong.get_json()["error"]["fields"]
    level = client.post("/api/v1/membership-levels", headers=manager,
                        json={"name": "钻石卡", "discount": "0.75", "discount_products": True})
    assert level.status_code == 201 and level.get_json()["discount"] == "0.750"
    level_id = level.get_json()["id"]
    assert "discount" in client.patch(f"/api/v1/membership-levels/{level_id}", headers=manager,
                                      json={"discount": "1.5"}).get_json()["error"]["fields"]
    assert client.get(f"/api/v1/membership-levels/{level_id}",
                      headers=cashier).get_json()["name"] == "钻石卡"
