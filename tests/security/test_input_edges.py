"""Edge inputs the outside fuzzer sent: each is a clear 4xx naming the field, never a 500.

Integers beyond PostgreSQL's ``integer``, a huge page, NUL bytes, lone surrogates,
dates at the ends of the calendar, ``1e309`` as money and JSON nested 100,000 deep.
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Store

BIG = 2**31


def _fields(response) -> dict:
    return response.get_json()["error"]["fields"]


def test_an_id_beyond_the_integer_range_in_the_path_is_404(client, company_a, api_token):
    headers = api_token(company_a, "owner")
    assert client.get(f"/api/v1/stores/{BIG}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/stores/{2**31 - 1}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/employees/{10**30}", headers=headers).status_code == 404


def test_an_id_beyond_the_integer_range_in_a_page_path_is_404(client, company_a, auth):
    auth.login_as(company_a, "owner")
    response = client.get(f"/gm/stores/{BIG}/edit")
    assert response.status_code == 404


@pytest.mark.parametrize("url, field", [
    (f"/api/v1/complaints?store_id={BIG}", "store_id"),
    (f"/api/v1/cards?customer_id={BIG}", "customer_id"),
    ("/api/v1/stores?page=100000000000000000000", "page"),
    (f"/api/v1/stores?page={BIG}", "page"),
])
def test_a_huge_integer_in_the_query_is_422_naming_it(client, company_a, api_token, url, field):
    response = client.get(url, headers=api_token(company_a, "owner"))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in _fields(response)


def test_a_huge_integer_in_the_body_is_422_naming_it(client, company_a, api_token):
    headers = api_token(company_a, "owner")
    response = client.post("/api/v1/customers", headers=headers, json={
        "name": "王女士", "phone": "13800000000", "favourite_therapist_id": BIG})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "favourite_therapist_id" in _fields(response)


def test_a_nul_byte_in_a_body_or_query_is_refused_naming_the_field(client, company_a,
                                                                     api_token):
    headers = api_token(company_a, "owner")
    response = client.post("/api/v1/customers", headers=headers, json={
        "name": "王\u0000女士", "phone": "13800000000"})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "name" in _fields(response)
    response = client.get("/api/v1/customers?q=%00", headers=headers)
    assert response.status_code == 422
    assert "q" in _fields(response)


def test_a_lone_surrogate_is_refused_naming_the_field(client, company_a, api_token):
    headers = {**api_token(company_a, "owner"), "Content-Type": "application/json"}
    response = client.post("/api/v1/customers", headers=headers,
                           data='{"name": "\\ud800", "phone": "13800000000"}')
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "name" in _fields(response)


@pytest.mark.parametrize("url, field", [
    ("/api/v1/closings/preview?store_id={store}&date=9999-12-31", "date"),
    ("/api/v1/closings/preview?store_id={store}&date=0001-01-01", "date"),
    ("/api/v1/closings?date_to=0001-01-01", "date_to"),
    ("/api/v1/closings?date_from=9999-12-31&date_to=9999-12-31", "date_from"),
    ("/api/v1/schedules?from=9999-12-31&to=9999-12-31", "from"),
    ("/api/v1/stores/{store}/reservations?date=9999-12-31", "date"),
    ("/api/v1/stores/{store}/dispatch-log?date=9999-12-31", "date"),
])
def test_dates_at_the_ends_of_the_calendar_are_422(client, company_a, api_token, url, field):
    url = url.format(store=company_a.stores[0].id)
    response = client.get(url, headers=api_token(company_a, "owner"))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in _fields(response)


def test_a_datetime_in_year_one_far_east_is_422(client, company_a, api_token):
    store = company_a.stores[0]
    response = client.post(f"/api/v1/stores/{store.id}/reservations",
                           headers=api_token(company_a, "owner"), json={
                               "name": "王", "phone": "13800000000",
                               "starts_at": "0001-01-01T00:00:00+14:00"})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "starts_at" in _fields(response)


@pytest.mark.parametrize("amount", ["1e309", "1e30", "Infinity", "NaN", "-1e309"])
def test_money_beyond_any_amount_is_422_naming_it(client, company_a, api_token, in_tenant,
                                                   amount):
    headers = api_token(company_a, "owner")
    customer = client.post("/api/v1/customers", headers=headers, json={
        "name": "王女士", "phone": "13800000001"}).get_json()
    response = client.post("/api/v1/cards", headers=headers, json={
        "customer_id": customer["id"], "store_id": company_a.stores[0].id,
        "kind": "stored_value", "amount": amount, "payment_method": "cash"})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "amount" in _fields(response)


def test_json_nested_100000_deep_is_400(client, company_a, api_token):
    headers = {**api_token(company_a, "owner"), "Content-Type": "application/json"}
    response = client.post("/api/v1/customers", headers=headers, data="[" * 100_000)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_a_nul_byte_in_a_form_field_is_refused_not_a_500(client, company_a, auth, in_tenant):
    auth.login_as(company_a, "owner")
    store = company_a.stores[0]
    response = client.post(f"/gm/stores/{store.id}/edit", data={
        "code": store.code, "name": "新\u0000名", "city": "广州"})
    assert response.status_code == 400
    with in_tenant(company_a):
        assert "\u0000" not in db.session.get(Store, store.id).name


def test_a_huge_integer_in_a_page_query_is_ignored_like_any_non_number(client, company_a,
                                                                        auth):
    auth.login_as(company_a, "owner")
    response = client.get(f"/finance/closings?store_id={BIG}")
    assert response.status_code == 200


def test_a_huge_integer_in_a_page_form_is_400_not_a_500(client, company_a, auth, in_tenant):
    from sqlalchemy import select

    from app.blueprints.hr.models import ChecklistTemplate

    with in_tenant(company_a):
        template = db.session.scalars(select(ChecklistTemplate).where(
            ChecklistTemplate.kind == "onboarding")).first()
        template_id = template.id
    auth.login_as(company_a, "owner")
    response = client.post(f"/hr/checklist-templates/{template_id}/items", data={
        "title": "领工服", "owner_department": "hr", "action": "none", "due_days": "3",
        "required": "y", "detail": "", "sort_order": str(10**12)})
    assert response.status_code == 400, response.status_code
    assert "超出范围" in response.get_data(as_text=True)


def test_api_resources_all_parse_through_the_bounded_parser(app):
    from app.blueprints.api.common import BoundedParser

    api_blueprints = [bp for name, bp in app.blueprints.items() if name.startswith("api_")]
    assert api_blueprints
    for blueprint in api_blueprints:
        assert isinstance(blueprint.ARGUMENTS_PARSER, BoundedParser), blueprint.name


EDGE_QUERY = {"date": "9999-12-31", "day": "0001-01-01", "month": "9999-12",
              "from": "9999-12-31", "to": "9999-12-31", "date_from": "0001-01-01",
              "date_to": "9999-12-31", "store_id": str(BIG), "store": str(10**20),
              "employee": str(BIG), "employee_id": str(BIG), "customer_id": str(BIG),
              "page": str(10**20), "rows": str(BIG), "q": "王\u0000", "status": "\u0000"}


def test_no_page_answers_a_500_to_edge_values_in_its_query(client, company_a, auth, app):
    """Every GET page (ids of the company's first objects in the path), with every
    query value the fuzzer liked: a 4xx or a page, never a 500."""
    auth.login_as(company_a, "owner")
    failures = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static")):
            continue
        if any(str(type(conv).__name__) != "PgIntegerConverter"
               for conv in rule._converters.values()):
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<int:{argument}>", "1")
        for query in (EDGE_QUERY, {k: v for k, v in EDGE_QUERY.items() if "\u0000" not in v}):
            response = client.get(url, query_string=query)
            if response.status_code >= 500:
                failures.append(f"{url} {response.status_code}")
    assert failures == []
