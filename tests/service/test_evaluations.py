"""服务技能评估: weighted totals out of 100, exact; nobody evaluates themselves; only
greeters, receptionists, cashiers and cleaners of the store; an employee's history with
the trend; the store ranking of a month; the pages, the API and another company."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.blueprints.service import evaluations as service
from app.blueprints.service.models_procedures import ServiceEvaluation
from app.blueprints.service.rubrics import RUBRICS
from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.models import Employee, Position
from app.tenancy import tenant_context

ALL_FOURS = {c.code: 4 for c in RUBRICS["greeter"]}


def _values(company, role: str = "greeter", scores=None, **extra) -> dict:
    return {"store_id": company.store.id, "employee_id": company.employees[role].id,
            "scores": scores if scores is not None else
            {c.code: 4 for c in RUBRICS[role]}, **extra}


def test_every_rubric_weighs_to_100_and_all_fives_score_100():
    for criteria in RUBRICS.values():
        assert sum(c.weight for c in criteria) == 100
        assert service.weighted_total((c.weight, 5) for c in criteria) == Decimal("100.00")
        assert service.weighted_total((c.weight, 1) for c in criteria) == Decimal("20.00")


@pytest.mark.both_backends
def test_the_total_is_weighted_and_exact(company_a, in_tenant):
    with in_tenant(company_a):
        manager = company_a.accounts["service_manager"]
        # 迎宾: 仪容仪表 20, 问候礼仪 25, 引导带位 20, 熟悉项目 20, 应变处理 15.
        scores = {"appearance": 5, "greeting": 4, "guiding": 3, "product_knowledge": 5,
                  "handling": 2}
        evaluation = service.record_evaluation(_values(company_a, scores=scores,
                                                       notes="问候声音偏小"), manager)
        # (5×20 + 4×25 + 3×20 + 5×20 + 2×15) / 5 = 390 / 5 = 78
        assert evaluation.total == Decimal("78.00")
        # 收银: 仪容 10, 收银准确 30, 会员卡 20, 结账礼仪 20, 现金票据 20: 370 / 5 = 74.
        cashier = service.record_evaluation(_values(company_a, "cashier", scores={
            "appearance": 3, "accuracy": 4, "card_knowledge": 3, "courtesy": 4,
            "cash_handling": 4}), manager)
        assert cashier.total == Decimal("74.00")
        uneven = service.record_evaluation(_values(company_a, "receptionist", scores={
            "appearance": 3, "reception": 4, "recommendation": 3, "ordering": 4,
            "handling": 2}), manager)
        # (45 + 80 + 75 + 100 + 30) / 5 = 66
        assert uneven.total == Decimal("66.00")
        db.session.commit()
        db.session.expire_all()
        stored = db.session.get(ServiceEvaluation, evaluation.id)
        assert stored.total == Decimal("78.00") and isinstance(stored.total, Decimal)
        assert [(s.criterion, s.weight, s.score) for s in service.scores_of(stored)] == [
            ("appearance", 20, 5), ("greeting", 25, 4), ("guiding", 20, 3),
            ("product_knowledge", 20, 5), ("handling", 15, 2)]


def test_nobody_evaluates_themselves(company_a, in_tenant):
    with in_tenant(company_a):
        # A receptionist given evaluation rights still cannot score their own file.
        receptionist = company_a.accounts["receptionist"]
        with pytest.raises(service.EvaluationError) as own:
            service.record_evaluation(_values(company_a, "receptionist"), receptionist)
        assert own.value.field == "employee_id" and "自己" in own.value.message
        assert db.session.scalar(select(func.count()).select_from(ServiceEvaluation)) == 0


def test_bad_input_names_the_field(company_a, in_tenant):
    with in_tenant(company_a):
        manager = company_a.accounts["service_manager"]
        # A therapist is not evaluated here (the technical department examines them).
        with pytest.raises(service.EvaluationError) as therapist:
            service.record_evaluation(_values(company_a, "therapist", scores={}), manager)
        assert therapist.value.field == "employee_id"
        with pytest.raises(service.EvaluationError) as scores:
            service.record_evaluation(_values(company_a, scores={
                **ALL_FOURS, "greeting": 6, "guiding": "", "smile": 3}), manager)
        assert set(scores.value.fields) == {"scores.greeting", "scores.guiding",
                                            "scores.smile"}
        tomorrow = today_for_store() + timedelta(days=1)
        with pytest.raises(service.EvaluationError) as future:
            service.record_evaluation(_values(company_a, evaluated_on=tomorrow.isoformat()),
                                      manager)
        assert future.value.field == "evaluated_on"
        # The greeter works in store 1, not store 2.
        with pytest.raises(service.EvaluationError) as elsewhere:
            service.record_evaluation({**_values(company_a),
                                       "store_id": company_a.stores[1].id}, manager)
        assert elsewhere.value.field == "employee_id"
        # A store role evaluating (none holds the permission today) stays in its stores.
        with pytest.raises(service.EvaluationError) as scope:
            service.record_evaluation({**_values(company_a),
                                       "store_id": company_a.stores[1].id},
                                      company_a.accounts["store_manager"])
        assert scope.value.field == "store_id"


@pytest.mark.both_backends
def test_history_trend_and_the_store_ranking(company_a, in_tenant):
    with in_tenant(company_a):
        manager = company_a.accounts["service_manager"]
        month = date(2026, 10, 1)
        greeter = company_a.employees["greeter"]
        for day, score in ((date(2026, 9, 20), 3), (date(2026, 10, 5), 4),
                           (date(2026, 10, 25), 5)):
            service.record_evaluation(_values(company_a, evaluated_on=day,
                                              scores={c: score for c in ALL_FOURS}), manager)
        history = service.employee_history(greeter)
        assert [(h.evaluation.total, h.change) for h in history] == [
            (Decimal("60.00"), None), (Decimal("80.00"), Decimal("20.00")),
            (Decimal("100.00"), Decimal("20.00"))]
        assert service.trend(history) == "up"
        # Store 2: one cleaner at 3s in October.
        cleaner_post = db.session.scalar(select(Position.id).where(Position.role == "cleaner"))
        cleaner = Employee(employee_no="950", name="卫生员二", store_id=company_a.stores[1].id,
                           position_id=cleaner_post, status="active")
        db.session.add(cleaner)
        db.session.flush()
        service.record_evaluation({"store_id": company_a.stores[1].id,
                                   "employee_id": cleaner.id, "evaluated_on": "2026-10-10",
                                   "scores": {c.code: 3 for c in RUBRICS["cleaner"]}}, manager)
        ranking = service.store_ranking(None, month)
        assert [(r.rank, r.store.id, r.count, r.average) for r in ranking] == [
            (1, company_a.store.id, 2, Decimal("90.00")),
            (2, company_a.stores[1].id, 1, Decimal("60.00"))]
        assert [r.store.id for r in service.store_ranking({company_a.stores[1].id}, month)] \
            == [company_a.stores[1].id]
        october = list(db.session.scalars(service.evaluation_query(None, month=month)))
        assert len(october) == 3


def test_pages_api_permissions_and_another_company(client, auth, company_a, company_b,
                                                   api_token):
    with tenant_context(company_b.tenant_id):
        other = service.record_evaluation(_values(company_b), company_b.accounts["owner"])
        db.session.commit()
        other_id, other_employee = other.id, company_b.employees["greeter"].id

    auth.login_as(company_a, "service_manager")
    store_id, greeter_id = company_a.store.id, company_a.employees["greeter"].id
    picker = client.get(f"/service/evaluations/new?store_id={store_id}").get_data(as_text=True)
    assert company_a.employees["greeter"].name in picker
    assert company_a.employees["therapist"].name not in picker
    form = client.get(f"/service/evaluations/new?store_id={store_id}&employee_id={greeter_id}")
    assert "问候礼仪" in form.get_data(as_text=True)
    data = {"store_id": store_id, "employee_id": greeter_id, "action": "save",
            "evaluated_on": "", **{f"score_{c}": "5" for c in ALL_FOURS}}
    bad = client.post("/service/evaluations/new", data={**data, "score_greeting": ""})
    assert bad.status_code == 422
    assert 'data-field-error="scores.greeting"' in bad.get_data(as_text=True)
    saved = client.post("/service/evaluations/new", data=data)
    assert saved.status_code == 302
    detail = client.get(saved.location).get_data(as_text=True)
    assert "100.00" in detail and "仪容仪表" in detail
    listing = client.get("/service/evaluations").get_data(as_text=True)
    assert company_a.employees["greeter"].name in listing and "门店排名" in listing
    assert client.get(f"/service/evaluations/employees/{greeter_id}").status_code == 200
    assert client.get(f"/service/evaluations/{other_id}").status_code == 404
    assert client.get(f"/service/evaluations/employees/{other_employee}").status_code == 404

    auth.logout()
    auth.login_as(company_a, "store_manager")
    assert client.get("/service/evaluations").status_code == 403
    assert client.get("/service/evaluations/new").status_code == 403

    headers = api_token(company_a, "service_manager")
    missing = client.post("/api/v1/service-evaluations", headers=headers,
                          json={"store_id": store_id, "employee_id": greeter_id})
    assert missing.status_code == 422 and "scores" in missing.get_json()["error"]["fields"]
    low = client.post("/api/v1/service-evaluations", headers=headers, json={
        "store_id": store_id, "employee_id": greeter_id,
        "scores": {**ALL_FOURS, "handling": 0}})
    assert low.status_code == 422
    assert list(low.get_json()["error"]["fields"]) == ["scores.handling"]
    saved = client.post("/api/v1/service-evaluations", headers=headers, json={
        "store_id": store_id, "employee_id": company_a.employees["cashier"].id,
        "scores": {c.code: 2 for c in RUBRICS["cashier"]}})
    assert saved.status_code == 201 and saved.get_json()["total"] == "40.00"
    listed = client.get("/api/v1/service-evaluations", headers=headers).get_json()
    assert {row["id"] for row in listed["items"]}.isdisjoint({other_id})
    assert client.get(f"/api/v1/service-evaluations/{other_id}",
                      headers=headers).status_code == 404
    assert client.get("/api/v1/service-evaluations/rubrics",
                      headers=api_token(company_a, "cashier")).status_code == 403
