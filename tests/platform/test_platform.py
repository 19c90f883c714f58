"""Platform operators: every company, create, suspend/reactivate; tenants see nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Tenant
from app.tenancy import cross_tenant_access
from tests import factories

TENANT_ROLES = ("owner", "general_manager", "cashier")


@pytest.mark.parametrize("role", TENANT_ROLES)
@pytest.mark.parametrize("path", ["/platform/", "/platform/rq", "/platform/companies/new"])
def test_tenant_accounts_get_404(client, auth, company_a, role, path):
    auth.login_as(company_a, role)
    assert client.get(path).status_code == 404
    tenant_id = company_a.tenant_id
    assert client.post(f"/platform/companies/{tenant_id}/suspend").status_code == 404


def test_anonymous_is_sent_to_log_in(client, company_a):
    response = client.get("/platform/")
    assert response.status_code == 302


def test_operator_sees_every_company_with_counts(client, company_a, company_b, platform_login):
    factories.make_company("gamma", "伽马", stores=4)
    db.session.commit()
    platform_login()
    page = client.get("/platform/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for code in ("alpha", "beta", "gamma"):
        assert f'data-company="{code}"' in html
    gamma_row = html.split('data-company="gamma"')[1].split("</tr>")[0]
    assert 'data-testid="stores">4<' in gamma_row
    assert 'data-testid="accounts">20<' in gamma_row  # owner + one login per other role


def test_operator_creates_a_company(client, platform_login, company_a):
    platform_login()
    response = client.post("/platform/companies/new", data={
        "company": "delta", "name": "德尔塔足道", "owner_name": "老王",
        "username": "boss", "password": factories.PASSWORD})
    assert response.status_code == 302
    tenant = db.session.scalar(select(Tenant).where(Tenant.code == "delta"))
    assert tenant is not None and tenant.status == "active"
    # The new owner can log in.
    client.post("/logout")
    login = client.post("/login", data={"company": "delta", "username": "boss",
                                        "password": factories.PASSWORD})
    assert login.status_code == 302


def test_create_company_form_names_the_bad_field(client, platform_login, company_a):
    platform_login()
    response = client.post("/platform/companies/new", data={
        "company": "alpha", "name": "重名", "owner_name": "", "username": "boss",
        "password": factories.PASSWORD})
    assert response.status_code == 200
    assert "该企业编号已被使用" in response.get_data(as_text=True)


def test_suspended_company_cannot_log_in_until_reactivated(app, client, company_a,
                                                         platform_login):
    cashier = app.test_client()
    assert cashier.post("/login", data={"company": "alpha", "username": "cashier",
                                        "password": factories.PASSWORD}).status_code == 302
    assert cashier.get("/store/").status_code == 200

    platform_login()  # the operator uses the `client` fixture
    assert client.post(f"/platform/companies/{company_a.tenant_id}/suspend").status_code == 302
    db.session.expire_all()
    assert db.session.get(Tenant, company_a.tenant_id).status == "suspended"
    assert "已停用" in client.get("/platform/").get_data(as_text=True)

    # Log-in is refused with the generic message, and the open session ends too.
    refused = app.test_client().post("/login", data={
        "company": "alpha", "username": "owner", "password": factories.PASSWORD})
    assert refused.status_code == 200
    assert "企业编号、用户名或密码不正确" in refused.get_data(as_text=True)
    assert cashier.get("/store/").status_code == 302
    with cross_tenant_access("test: the platform's audit entries"):
        audit = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "tenant.suspend")).all()
    assert [a.tenant_id for a in audit] == [company_a.tenant_id]

    assert client.post(
        f"/platform/companies/{company_a.tenant_id}/reactivate").status_code == 302
    again = app.test_client().post("/login", data={
        "company": "alpha", "username": "owner", "password": factories.PASSWORD})
    assert again.status_code == 302


def test_suspending_an_unknown_company_is_404(client, platform_login):
    platform_login()
    assert client.post("/platform/companies/999/suspend").status_code == 404


def test_a_suspended_companys_api_tokens_stop_working(app, client, company_a, api_token):
    from app.models import Tenant
    from app.tenancy import cross_tenant_writes

    headers = api_token(company_a, "cashier")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    with cross_tenant_writes(db.session):
        db.session.get(Tenant, company_a.tenant_id).status = "suspended"
        db.session.commit()
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
