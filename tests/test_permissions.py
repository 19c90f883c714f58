"""Role × protected page: who may open what (deny by default), for every role."""

import pytest

from app.permissions import PERMISSIONS, ROLES
from tests.conftest import AuthActions

HEAD_OFFICE = {"owner", "general_manager", "finance_manager", "finance_staff", "hr_manager",
               "hr_staff", "service_manager", "technical_director", "logistics_head"}
STORE_DESK = {"store_manager", "supervisor", "foreman", "cashier", "dispatcher",
              "receptionist", "greeter", "cleaner"}
EVERYONE = set(ROLES)

# Written from the org chart (PRODUCT.md, specs/tenancy.md), not from app/permissions.py,
# so that a change of the matrix has to be made on purpose in both places.
ALLOWED: dict[str, set[str]] = {
    "/gm/": {"owner", "general_manager"},
    "/finance/": {"owner", "general_manager", "finance_manager", "finance_staff"},
    "/hr/": {"owner", "general_manager", "hr_manager", "hr_staff"},
    "/service/": {"owner", "general_manager", "service_manager"},
    "/technical/": {"owner", "general_manager", "technical_director", "technical_supervisor",
                    "trainee_supervisor"},
    "/logistics/": {"owner", "general_manager", "logistics_head", "store_manager"},
    "/store/": {"owner", "general_manager"} | STORE_DESK,
    "/jobs": HEAD_OFFICE,
    "/audit": {"owner", "general_manager", "finance_manager", "hr_manager"},
    "/permissions": {"owner", "general_manager", "hr_manager"},
    "/me": EVERYONE,
    "/account/password": EVERYONE,
    "/account/tokens": EVERYONE,
}


def test_the_table_covers_every_role():
    assert len(ROLES) == 20
    assert set().union(*ALLOWED.values()) == set(ROLES)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_opens_exactly_its_pages(app, role, company_a):
    client = app.test_client()
    # Through the code step too for the owner, who must use TOTP.
    response = AuthActions(client).login(company_a.code, company_a.username(role))
    assert response.status_code == 302
    outcome = {}
    for path in ALLOWED:
        outcome[path] = client.get(path).status_code
    expected = {path: 200 if role in allowed else 403 for path, allowed in ALLOWED.items()}
    assert outcome == expected


def test_anonymous_visitors_are_sent_to_the_login_page(client, company_a):
    for path in ALLOWED:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location, path


def test_every_view_names_its_permission(app):
    """Deny by default: no endpoint without a named permission or an explicit @public."""
    unguarded = []
    for endpoint, view in app.view_functions.items():
        if endpoint == "static" or endpoint.startswith(("api-docs.", "rq_dashboard.")):
            continue
        permission = getattr(view, "required_permission", "MISSING")
        if permission == "MISSING":
            unguarded.append(endpoint)
        elif permission is not None:
            assert permission in PERMISSIONS or permission == "platform.admin", endpoint
    assert unguarded == []


def test_store_roles_are_scoped_to_their_stores_and_head_office_sees_all(app, company_a):
    from app.models import Account
    from app.permissions import store_scope
    from app.tenancy import tenant_context

    with tenant_context(company_a.tenant_id):
        from sqlalchemy import select

        from app.extensions import db

        accounts = {a.role: a for a in db.session.scalars(select(Account))}
        assert store_scope(accounts["general_manager"]) is None
        assert store_scope(accounts["cashier"]) == {company_a.stores[0].id}
        assert store_scope(accounts["therapist"]) == {company_a.stores[0].id}


def test_a_store_role_gets_404_for_another_store_of_its_own_company(app, company_a):
    """Central store scope: /gm/stores/<id> and /api/v1/stores/<id> of store 2 for store 1's
    manager (who may view stores) are not found, store 1 is found."""
    client = app.test_client()
    client.post("/login", data={"company": company_a.code, "username": "store_manager",
                                "password": "password123"})
    own, other = company_a.stores[0].id, company_a.stores[1].id
    assert client.get(f"/gm/stores/{own}").status_code == 200
    assert client.get(f"/gm/stores/{other}").status_code == 404
    assert client.get(f"/store/{other}/rooms/{company_a.rooms[-1].id}").status_code == 404


def test_therapists_reach_their_board_and_log_from_my_page(app, company_a):
    client = app.test_client()
    client.post("/login", data={"company": company_a.code, "username": "therapist",
                                "password": "password123"})
    page = client.get("/me").get_data(as_text=True)
    store_id = company_a.stores[0].id
    assert f"/store/{store_id}/board" in page and f"/store/{store_id}/board/log" in page
    assert client.get(f"/store/{store_id}/board/log").status_code == 200


def test_head_office_complaint_handlers_reach_the_complaints_from_their_page(app, company_a):
    for role, landing in (("service_manager", "/service/"), ("technical_director", "/technical/")):
        client = app.test_client()
        client.post("/login", data={"company": company_a.code, "username": role,
                                    "password": "password123"})
        assert 'data-testid="complaints-link"' in client.get(landing).get_data(as_text=True)
        assert client.get("/store/complaints").status_code == 200
