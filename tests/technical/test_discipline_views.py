"""违纪 pages and API: who sees which records (the therapist their own, a store's
supervisor their store's, the director and HR all), recording with the step shown
first, deciding in place, 422 naming fields with nothing written."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from app.blueprints.store.models.feedback import ComplaintCase
from app.blueprints.technical import discipline
from app.blueprints.technical.models import DisciplineRecord
from app.extensions import db
from app.models import Account, Store
from tests.hr.helpers import add_employee

DAY = date(2026, 11, 2)


def _seed(company, in_tenant) -> dict:
    """One record about the org chart's therapist (store 1), one about a store-2 therapist."""
    with in_tenant(company):
        there = add_employee("D20", store=company.stores[1], name="二店技师")
        own = discipline.record_discipline(company.employees["therapist"], "lateness", DAY,
                                           "迟到 15 分钟", company.accounts["technical_supervisor"])
        other = discipline.record_discipline(there, "grooming", DAY, "未穿工服",
                                             company.accounts["technical_director"])
        complaint = ComplaintCase(store_id=company.store.id, description="按摩力度太大",
                                  therapist_id=company.employees["therapist"].id)
        db.session.add(complaint)
        db.session.commit()
        return {"own": own.id, "other": other.id, "complaint": complaint.id,
                "therapist": company.employees["therapist"].id, "there": there.id}


def _ids_on(page: str) -> set[int]:
    return {int(n) for n in re.findall(r'data-discipline-id="(\d+)"', page)}


def _count(company, in_tenant) -> int:
    with in_tenant(company):
        return db.session.scalar(select(func.count(DisciplineRecord.id)))


def test_who_sees_which_records(client, auth, api_token, company_a, in_tenant):
    ids = _seed(company_a, in_tenant)
    auth.login_as(company_a, "therapist")
    page = client.get("/technical/discipline/mine").get_data(as_text=True)
    assert _ids_on(page) == {ids["own"]} and "迟到 15 分钟" in page
    assert 'data-testid="my-discipline-link"' in client.get("/me").get_data(as_text=True)
    assert client.get("/technical/discipline").status_code == 403
    assert client.get(f"/technical/discipline/{ids['own']}").status_code == 403
    mine = client.get("/api/v1/me/discipline", headers=api_token(company_a, "therapist"))
    assert [r["id"] for r in mine.get_json()] == [ids["own"]]

    auth.logout()
    auth.login_as(company_a, "technical_supervisor")
    assert _ids_on(client.get("/technical/discipline").get_data(as_text=True)) == {ids["own"]}
    assert client.get(f"/technical/discipline/{ids['own']}").status_code == 200
    assert client.get(f"/technical/discipline/{ids['other']}").status_code == 404
    headers = api_token(company_a, "technical_supervisor")
    assert client.get(f"/api/v1/discipline/{ids['other']}", headers=headers).status_code == 404
    listed = client.get("/api/v1/discipline", headers=headers).get_json()
    assert [r["id"] for r in listed["items"]] == [ids["own"]]

    # The store manager: their store's, under the desk's menu (not the 技术部 tabs).
    auth.logout()
    auth.login_as(company_a, "store_manager")
    page = client.get("/technical/discipline").get_data(as_text=True)
    assert _ids_on(page) == {ids["own"]}
    assert 'data-testid="store-subnav"' in page and 'data-testid="technical-nav"' not in page
    assert 'data-subnav="technical.discipline"' in page

    # The director and HR see every store.
    auth.logout()
    auth.login_as(company_a, "technical_director")
    page = client.get("/technical/discipline").get_data(as_text=True)
    assert _ids_on(page) == {ids["own"], ids["other"]}
    assert 'data-testid="technical-nav"' in page
    auth.logout()
    auth.login_as(company_a, "hr_manager")
    # HR records 违纪 too (it keeps 奖惩), and reads every store's.
    assert _ids_on(client.get("/technical/discipline").get_data(as_text=True)) == {
        ids["own"], ids["other"]}
    page = client.get("/technical/discipline/review").get_data(as_text=True)
    assert _ids_on(page) == {ids["own"], ids["other"]}
    detail = client.get(f"/technical/discipline/review/{ids['other']}").get_data(as_text=True)
    assert 'data-testid="discipline-decide"' in detail
    # HR's inbox: both wait, described in words, linked to the record's page.
    inbox = client.get("/approvals").get_data(as_text=True)
    assert "二店技师 仪容仪表（2026-11-02，第 1 次）：口头警告" in inbox
    assert f"/technical/discipline/{ids['other']}\"" in inbox
    decided = client.post(f"/approvals/discipline/{ids['other']}/decision",
                          data={"verdict": "approved", "note": ""})
    assert decided.status_code == 302
    with in_tenant(company_a):
        assert db.session.get(DisciplineRecord, ids["other"]).status == "approved"


def test_record_with_the_step_shown_first_then_decide_in_place(client, auth, company_a,
                                                               in_tenant):
    ids = _seed(company_a, in_tenant)
    auth.login_as(company_a, "technical_supervisor")
    form = client.get(f"/technical/discipline/new?complaint_id={ids['complaint']}")
    page = form.get_data(as_text=True)
    assert 'data-testid="discipline-complaint"' in page and "按摩力度太大" in page
    assert f'<option selected value="{ids["therapist"]}"' in page
    fields = {"employee_id": ids["therapist"], "category": "lateness",
              "occurred_on": "2026-11-10", "description": "又迟到",
              "complaint_id": ids["complaint"]}
    preview = client.post("/technical/discipline/new", data={**fields, "preview": "1"})
    assert preview.status_code == 200
    assert 'data-step="written"' in preview.get_data(as_text=True)
    assert _count(company_a, in_tenant) == 2  # a preview writes nothing
    done = client.post("/technical/discipline/new", data=fields)
    assert done.status_code == 302
    with in_tenant(company_a):
        second = db.session.scalar(select(DisciplineRecord).order_by(DisciplineRecord.id.desc()))
        assert (second.step, second.complaint_id) == ("written", ids["complaint"])
        second_id = second.id
    # The third is a fine: without the amount, the page asks for it (422), nothing written.
    third = {**fields, "occurred_on": "2026-11-12", "description": "第三次"}
    refused = client.post("/technical/discipline/new", data=third)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-field-error="fine_amount"' in body
    assert 'data-testid="discipline-fine-fields"' in body
    assert _count(company_a, in_tenant) == 3
    # Another store's therapist is not offered and not accepted.
    elsewhere = client.post("/technical/discipline/new", data={**fields,
                                                               "employee_id": ids["there"]})
    assert elsewhere.status_code == 422
    assert 'data-field-error="employee_id"' in elsewhere.get_data(as_text=True)
    # The supervisor may not decide; the director may, in place.
    detail = client.get(f"/technical/discipline/{second_id}").get_data(as_text=True)
    assert 'data-testid="discipline-decide"' not in detail
    assert 'data-testid="discipline-cancel"' in detail
    auth.logout()
    auth.login_as(company_a, "technical_director")
    detail = client.get(f"/technical/discipline/{second_id}").get_data(as_text=True)
    assert 'data-testid="discipline-decide"' in detail
    client.post(f"/technical/discipline/{second_id}/reject", data={"note": ""})
    with in_tenant(company_a):
        assert db.session.get(DisciplineRecord, second_id).status == "pending"  # needs a note
    client.post(f"/technical/discipline/{second_id}/approve", data={"note": "属实"})
    with in_tenant(company_a):
        assert db.session.get(DisciplineRecord, second_id).status == "approved"


def test_api_records_names_bad_fields_and_decides(client, api_token, company_a, in_tenant):
    ids = _seed(company_a, in_tenant)
    supervisor = api_token(company_a, "technical_supervisor")
    bad = client.post("/api/v1/discipline", json={"employee_id": ids["therapist"],
                                                  "category": "napping"}, headers=supervisor)
    assert bad.status_code == 422
    assert {"category", "occurred_on", "description"} <= set(bad.get_json()["error"]["fields"])
    body = {"employee_id": ids["therapist"], "category": "lateness",
            "occurred_on": "2026-11-10", "description": "又迟到"}
    with_amount = client.post("/api/v1/discipline", json={**body, "fine_amount": "30"},
                              headers=supervisor)
    assert with_amount.status_code == 422
    assert list(with_amount.get_json()["error"]["fields"]) == ["fine_amount"]
    elsewhere = client.post("/api/v1/discipline", json={**body, "employee_id": ids["there"]},
                            headers=supervisor)
    assert elsewhere.status_code == 422
    assert list(elsewhere.get_json()["error"]["fields"]) == ["employee_id"]
    assert _count(company_a, in_tenant) == 2
    step = client.get(f"/api/v1/discipline/next-step?employee_id={ids['therapist']}"
                      "&category=lateness&occurred_on=2026-11-10", headers=supervisor)
    assert step.get_json()["step"] == "written" and step.get_json()["earlier_ids"] == [ids["own"]]
    created = client.post("/api/v1/discipline", json=body, headers=supervisor)
    assert created.status_code == 201 and created.get_json()["step"] == "written"
    record_id = created.get_json()["id"]
    assert client.post(f"/api/v1/discipline/{record_id}/approve", json={},
                       headers=supervisor).status_code == 403
    hr = api_token(company_a, "hr_manager")
    listed = client.get("/api/v1/discipline?status=pending", headers=hr).get_json()
    assert {r["id"] for r in listed["items"]} == {ids["own"], ids["other"], record_id}
    every = client.get("/api/v1/discipline/review?status=pending", headers=hr).get_json()
    assert {r["id"] for r in every["items"]} == {ids["own"], ids["other"], record_id}
    refused = client.post(f"/api/v1/discipline/{record_id}/reject", json={}, headers=hr)
    assert refused.status_code == 422 and "note" in refused.get_json()["error"]["fields"]
    approved = client.post(f"/api/v1/discipline/{record_id}/approve", json={"note": "属实"},
                           headers=hr)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    # The approvals inbox knows the kind: a pending one waits for HR.
    waiting = client.get("/api/v1/approvals", headers=hr).get_json()
    assert any(item["kind"] == "discipline" and item["object_id"] == ids["own"]
               for item in (waiting if isinstance(waiting, list) else waiting["items"]))


def test_the_list_page_does_not_grow_in_statements(client, auth, company_a, in_tenant):
    from tests.hr.test_query_budget import _statements_for

    director_id = company_a.accounts["technical_director"].id

    def add(count: int, start: int) -> None:
        with in_tenant(company_a):
            stores = db.session.scalars(select(Store).order_by(Store.id)).all()
            director = db.session.get(Account, director_id)
            for n in range(start, start + count):
                person = add_employee(f"Q{n:03d}", store=stores[n % 2])
                discipline.record_discipline(person, "hygiene", DAY, "工位不整洁", director)
            db.session.commit()

    auth.login_as(company_a, "technical_director")
    add(2, 0)
    few = _statements_for(client, "/technical/discipline")
    add(25, 2)
    many = _statements_for(client, "/technical/discipline")
    assert many == few, f"{few} statements for few records, {many} for many"
