"""服务规范 through the pages and the API, as the people who use them: the service
manager writes and publishes, edits (a new version), and sees who has not read it;
the greeter acknowledges on the phone page; others are refused; another company's
procedure is a 404."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.blueprints.service.models_procedures import Procedure, ProcedureVersion
from app.extensions import db
from app.models import Position
from app.tenancy import tenant_context


def _position_id(company, role: str) -> int:
    with tenant_context(company.tenant_id):
        return db.session.scalar(select(Position.id).where(Position.role == role))


def _versions(company, procedure_id: int) -> list[tuple[int, str]]:
    with tenant_context(company.tenant_id):
        db.session.expire_all()
        return [(v.number, v.status) for v in db.session.scalars(
            select(ProcedureVersion).where(ProcedureVersion.procedure_id == procedure_id)
            .order_by(ProcedureVersion.number))]


@pytest.mark.both_backends
def test_write_publish_edit_and_acknowledge_through_the_pages(client, auth, company_a):
    auth.login_as(company_a, "service_manager")
    form = client.get("/service/sops/new")
    assert form.status_code == 200 and "新建服务规范" in form.get_data(as_text=True)
    bad = client.post("/service/sops/new", data={"title": "", "body": "",
                                                 "action": "publish"})
    assert bad.status_code == 422
    assert 'data-field-error="position_id"' in bad.get_data(as_text=True)
    done = client.post("/service/sops/new", data={
        "position_id": _position_id(company_a, "greeter"), "title": "迎宾接待流程",
        "body": "1. 微笑问候\n2. 引导带位", "action": "publish"})
    assert done.status_code == 302
    procedure_id = int(done.location.rstrip("/").split("/")[-1])
    page = client.get(f"/service/sops/{procedure_id}").get_data(as_text=True)
    assert "1. 微笑问候" in page and "未阅读：" in page and "已阅读 0 / 1" in page
    listing = client.get("/service/sops").get_data(as_text=True)
    assert "迎宾接待流程" in listing and "0 / 1" in listing

    auth.logout()
    auth.login_as(company_a, "greeter")
    mine = client.get("/service/my-sops")
    text = mine.get_data(as_text=True)
    assert mine.status_code == 200 and "已阅读并遵守" in text and "2. 引导带位" in text
    version_id = int(text.split('data-version-id="')[1].split('"')[0])
    assert client.post(f"/service/my-sops/{version_id}/acknowledge").status_code == 302
    page = client.get("/service/my-sops").get_data(as_text=True)
    assert 'data-testid="acknowledge"' not in page and "data-acknowledged" in page
    # The greeter writes no procedure.
    assert client.get("/service/sops/new").status_code == 403
    assert client.get("/service/sops").status_code == 403

    auth.logout()
    auth.login_as(company_a, "service_manager")
    assert "已阅读 1 / 1" in client.get(f"/service/sops/{procedure_id}").get_data(as_text=True)
    edit = client.get(f"/service/sops/{procedure_id}/edit").get_data(as_text=True)
    assert "保存即发布第 2 版" in edit
    assert client.post(f"/service/sops/{procedure_id}/edit", data={
        "position_id": "", "title": "迎宾接待流程", "body": "1. 微笑问候\n2. 引导带位\n3. 送客",
        "change_note": "新增送客", "action": "publish"}).status_code == 302
    assert _versions(company_a, procedure_id) == [(1, "archived"), (2, "published")]
    detail = client.get(f"/service/sops/{procedure_id}").get_data(as_text=True)
    assert "已阅读 0 / 1" in detail and "3. 送客" in detail
    old = client.get(f"/service/sops/{procedure_id}/versions/{version_id}")
    assert old.status_code == 200 and "已归档的旧版本" in old.get_data(as_text=True)

    auth.logout()
    auth.login_as(company_a, "greeter")
    assert 'data-testid="acknowledge"' in client.get("/service/my-sops").get_data(as_text=True)


def test_api_versions_acknowledgement_and_field_errors(client, company_a, api_token):
    manager = api_token(company_a, "service_manager")
    missing = client.post("/api/v1/service-procedures", headers=manager,
                          json={"title": "收银结账规范"})
    assert missing.status_code == 422
    assert set(missing.get_json()["error"]["fields"]) >= {"position_id", "body"}
    wrong = client.post("/api/v1/service-procedures", headers=manager, json={
        "position_id": 999999, "title": "收银结账规范", "body": "1. 唱收唱付"})
    assert wrong.status_code == 422 and "position_id" in wrong.get_json()["error"]["fields"]
    created = client.post("/api/v1/service-procedures", headers=manager, json={
        "position_id": _position_id(company_a, "cashier"), "title": "收银结账规范",
        "body": "1. 核对消费明细\n2. 唱收唱付", "publish": True})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    procedure_id, v1 = body["id"], body["current_version"]["id"]
    assert body["current_version"]["steps"] == ["1. 核对消费明细", "2. 唱收唱付"]

    cashier = api_token(company_a, "cashier")
    greeter = api_token(company_a, "greeter")
    refused = client.post(f"/api/v1/service-procedures/versions/{v1}/acknowledge",
                          headers=greeter)
    assert refused.status_code == 422
    assert "procedure_version_id" in refused.get_json()["error"]["fields"]
    assert client.post(f"/api/v1/service-procedures/versions/{v1}/acknowledge",
                       headers=cashier).status_code == 201
    readings = client.get(f"/api/v1/service-procedures/{procedure_id}/readings",
                          headers=manager).get_json()
    assert [(s["acknowledged"], s["total"]) for s in readings["stores"]] == [(1, 1)]

    edited = client.post(f"/api/v1/service-procedures/{procedure_id}/versions",
                         headers=manager,
                         json={"title": "收银结账规范",
                               "body": "1. 核对消费明细\n2. 唱收唱付\n3. 双手递还"})
    assert edited.status_code == 200
    assert [(v["number"], v["status"]) for v in edited.get_json()["versions"]] == [
        (2, "published"), (1, "archived")]
    mine = client.get("/api/v1/service-procedures/mine", headers=cashier).get_json()
    assert [(m["version"]["number"], m["acknowledged_at"]) for m in mine] == [(2, None)]
    stale = client.post(f"/api/v1/service-procedures/versions/{v1}/acknowledge",
                        headers=cashier)
    assert stale.status_code == 422
    # Writing needs sop.manage; reading service.view.
    assert client.post("/api/v1/service-procedures", headers=cashier, json={
        "position_id": 1, "title": "x", "body": "y"}).status_code == 403
    assert client.get("/api/v1/service-procedures", headers=cashier).status_code == 403


def test_another_companys_procedure_is_a_404(client, auth, company_a, company_b, api_token):
    with tenant_context(company_b.tenant_id):
        position_id = db.session.scalar(select(Position.id).where(Position.role == "greeter"))
        procedure = Procedure(position_id=position_id)
        db.session.add(procedure)
        db.session.flush()
        version = ProcedureVersion(procedure_id=procedure.id, number=1, title="B 的规范",
                                   body="1. x", status="published")
        db.session.add(version)
        db.session.commit()
        procedure_id, version_id = procedure.id, version.id
    auth.login_as(company_a, "service_manager")
    assert client.get(f"/service/sops/{procedure_id}").status_code == 404
    assert client.get(f"/service/sops/{procedure_id}/edit").status_code == 404
    assert client.get(
        f"/service/sops/{procedure_id}/versions/{version_id}").status_code == 404
    auth.logout()
    auth.login_as(company_a, "greeter")
    assert client.post(f"/service/my-sops/{version_id}/acknowledge").status_code == 404
    headers = api_token(company_a, "service_manager")
    assert client.get(f"/api/v1/service-procedures/{procedure_id}",
                      headers=headers).status_code == 404
