"""技术考核 (app/blueprints/technical/exams.py and its pages): the score, what a pass and a
fail do to the qualification, the refusals, the rubric's history, store scope, and the
store's qualification grid that no longer grants exam items by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.blueprints.store import dispatch, orders
from app.blueprints.store.models import (
    ComplaintCase,
    OrderLine,
    ServiceItem,
    TherapistQualification,
)
from app.blueprints.store.rotation import RotationError
from app.blueprints.technical import exams
from app.blueprints.technical.models import PracticalExam
from app.extensions import db
from app.models import Account, AuditEntry, Employee
from app.tenancy import tenant_context
from tests.technical.helpers import make_exam_setup, scores


@pytest.fixture
def setup(company_a):
    with tenant_context(company_a.tenant_id):
        found = make_exam_setup(company_a)
        db.session.commit()
        yield {**found, "company": company_a,
               "examiner": company_a.accounts["technical_supervisor"]}


def _qualification(employee_id, item_id):
    return db.session.scalar(select(TherapistQualification).where(
        TherapistQualification.employee_id == employee_id,
        TherapistQualification.service_item_id == item_id))


def _exam_count():
    return db.session.scalar(select(func.count(PracticalExam.id)))


# --- the score ----------------------------------------------------------------------------

def test_the_score_is_the_weighted_mean_rounded_half_up_to_cents():
    assert exams.exam_score([(2, 90), (1, 85), (1, 80)]) == Decimal("86.25")
    # 0.005 rounds up (banker's rounding would give 0.00).
    assert exams.exam_score([(1, "0.01"), (1, "0")]) == Decimal("0.01")
    assert exams.exam_score([(1, 80), (2, "80.01")]) == Decimal("80.01")
    assert exams.exam_score([("0.5", 100)]) == Decimal("100.00")


# --- pass and fail ------------------------------------------------------------------------

def test_a_pass_grants_the_item_and_rotation_then_gives_it_to_the_therapist(setup):
    company, mine, foot = setup["company"], setup["mine"], setup["foot"]
    store = company.stores[0]
    dispatcher = company.accounts["dispatcher"]
    with tenant_context(company.tenant_id):
        dispatch.clock_in(store.id, mine.id, dispatcher)
        order = orders.open_order(store.id, room_id=company.rooms[0].id)
        line_id = orders.add_service_line(order, foot.id).id
        db.session.commit()
        with pytest.raises(RotationError):
            dispatch.assign_rotation(db.session.get(OrderLine, line_id), dispatcher)
        db.session.rollback()  # nobody may do 足疗 yet

        exam = exams.record_exam(mine, foot, scores(setup["criteria"], 90, "85", 80),
                                 kind="qualification", note="手法熟练",
                                 actor=setup["examiner"])
        db.session.commit()
        assert (exam.score, exam.pass_score, exam.passed) == (Decimal("86.25"),
                                                              Decimal("80.00"), True)
        assert [row["name"] for row in exam.scores] == ["手法", "力度", "穴位"]
        granted = _qualification(mine.id, foot.id)
        assert (granted.exam_id, granted.granted_on, granted.granted_by_account_id) == (
            exam.id, exam.examined_on, setup["examiner"].id)
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "technical.exam"))
        assert audit.after["passed"] is True and audit.after["qualification"] == "granted"

        job = dispatch.assign_rotation(db.session.get(OrderLine, line_id), dispatcher)
        assert job.therapist_id == mine.id


def test_a_fail_grants_nothing_and_takes_nothing_away(setup):
    company, mine, other, foot = setup["company"], setup["mine"], setup["other"], setup["foot"]
    with tenant_context(company.tenant_id):
        director = company.accounts["technical_director"]
        failed = exams.record_exam(mine, foot, scores(setup["criteria"], 70, 80, 90),
                                   actor=director)
        assert (failed.score, failed.passed) == (Decimal("77.50"), False)
        assert _qualification(mine.id, foot.id) is None

        # Store 2's therapist held 足疗 from before exams: a fail leaves it as it was.
        db.session.add(TherapistQualification(employee_id=other.id, service_item_id=foot.id))
        db.session.flush()
        exams.record_exam(other, foot, scores(setup["criteria"], 0, 0, 0), actor=director)
        held = _qualification(other.id, foot.id)
        assert held is not None and held.exam_id is None and held.granted_on is None

        # A later pass records the exam as the reason of the row already held.
        passed = exams.record_exam(other, foot, scores(setup["criteria"], 80, 80, 80),
                                   actor=director)
        assert passed.passed and _qualification(other.id, foot.id).exam_id == passed.id


# --- refusals ----------------------------------------------------------------------------

def test_every_active_criterion_is_scored_0_to_100_and_a_refusal_writes_nothing(setup):
    company, mine, foot = setup["company"], setup["mine"], setup["foot"]
    technique, strength, points = setup["criteria"]
    with tenant_context(company.tenant_id):
        with pytest.raises(exams.ExamError) as refused:
            exams.record_exam(mine, foot, {str(technique.id): "101", str(strength.id): "abc",
                                           "999999": 50}, actor=setup["examiner"])
        assert set(refused.value.fields) == {f"scores.{technique.id}", f"scores.{strength.id}",
                                             f"scores.{points.id}", "scores.999999"}
        assert "穴位" in refused.value.fields[f"scores.{points.id}"]
        with pytest.raises(exams.ExamError) as refused:
            exams.record_exam(mine, foot, scores(setup["criteria"], 90, 90, "90.001"),
                              kind="exam", actor=setup["examiner"])
        assert set(refused.value.fields) == {f"scores.{points.id}", "kind"}
        assert _exam_count() == 0 and _qualification(mine.id, foot.id) is None


def test_an_item_without_a_pass_mark_or_criteria_cannot_be_examined(setup):
    company, mine = setup["company"], setup["mine"]
    with tenant_context(company.tenant_id):
        oil, ear = setup["items"]["oil"], setup["items"]["ear"]
        with pytest.raises(exams.ExamError) as refused:
            exams.record_exam(mine, oil, {}, actor=setup["examiner"])
        assert "没有设置考核合格线" in refused.value.fields["service_item_id"]
        exams.set_pass_score(ear, "75")
        with pytest.raises(exams.ExamError) as refused:
            exams.record_exam(mine, ear, {}, actor=setup["examiner"])
        assert "还没有评分标准" in refused.value.fields["service_item_id"]


def test_nobody_examines_themselves_and_only_therapists_are_examined(setup):
    company, mine, foot = setup["company"], setup["mine"], setup["foot"]
    with tenant_context(company.tenant_id):
        director = company.accounts["technical_director"]
        cashier = company.employees["cashier"]
        with pytest.raises(exams.ExamError) as refused:
            exams.record_exam(cashier, foot, scores(setup["criteria"], 90, 90, 90),
                              actor=director)
        assert "不是在职技师" in refused.value.fields["employee_id"]
        director.employee_id = mine.id  # a director who is also on file as this therapist
        with pytest.raises(exams.ExamError) as refused:
            exams.record_exam(mine, foot, scores(setup["criteria"], 90, 90, 90), actor=director)
        assert refused.value.fields["employee_id"] == "不能给自己考核"
        db.session.rollback()
        assert _exam_count() == 0


# --- the rubric ---------------------------------------------------------------------------

def test_rubric_changes_are_checked_audited_and_old_exams_stay_readable(setup, client, auth):
    company, mine, foot = setup["company"], setup["mine"], setup["foot"]
    technique, strength, points = setup["criteria"]
    with tenant_context(company.tenant_id):
        old = exams.record_exam(mine, foot, scores(setup["criteria"], 90, 80, 70),
                                actor=setup["examiner"])
        with pytest.raises(exams.ExamError) as refused:
            exams.save_rubric(foot, "120", [{"id": technique.id, "weight": "0"}])
        assert set(refused.value.fields) == {"pass_score", "criteria.0.weight"}
        # 穴位 archived (not listed), 手法 renamed and reweighted, 仪态 added.
        exams.save_rubric(foot, "85", [
            {"id": technique.id, "name": "推拿手法", "weight": "3"},
            {"id": strength.id}, {"name": "仪态", "weight": "1.5", "sort_order": 9}])
        db.session.commit()
        assert [(c.name, c.weight) for c in exams.criteria_of(foot.id)] == [
            ("推拿手法", Decimal("3.00")), ("力度", Decimal("1.00")), ("仪态", Decimal("1.50"))]
        assert points.is_active is False and foot.exam_pass_score == Decimal("85.00")
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "technical.rubric")) >= 4
        exams.reorder_criteria(foot, [c.id for c in reversed(exams.criteria_of(foot.id))])
        assert [c.name for c in exams.criteria_of(foot.id)] == ["仪态", "力度", "推拿手法"]
        new = exams.criteria_of(foot.id)
        with pytest.raises(exams.ExamError) as refused:  # the archived one is not scored
            exams.record_exam(mine, foot, {**scores(new, 90, 90, 90), str(points.id): 90},
                              actor=setup["examiner"])
        assert set(refused.value.fields) == {f"scores.{points.id}"}
        db.session.rollback()
        old_id = old.id
    auth.login_as(company, "technical_supervisor")
    page = client.get(f"/technical/exams/{old_id}").get_data(as_text=True)
    assert "穴位" in page and "手法" in page and "82.50" in page
    assert "推拿手法" not in page, page


def test_the_rubric_page_is_read_by_the_department_and_edited_by_the_director(setup, client,
                                                                             auth):
    company, foot = setup["company"], setup["foot"]
    technique, strength, points = setup["criteria"]
    url = f"/technical/exams/rubrics/{foot.id}"
    auth.login_as(company, "technical_supervisor")
    assert "手法" in client.get("/technical/exams/rubrics").get_data(as_text=True)
    assert client.get(url).status_code == 200
    assert client.post(url, data={"pass_score": "60"}).status_code == 403
    auth.logout()
    auth.login_as(company, "technical_director")
    form = {"pass_score": "82.5", "row": ["0", "1", "2", "3"],
            "id_0": technique.id, "name_0": "手法", "weight_0": "2", "active_0": "1",
            "id_1": strength.id, "name_1": "力度", "weight_1": "1", "active_1": "1",
            "id_2": points.id, "name_2": "穴位", "weight_2": "1",  # unticked: archived
            "name_3": "", "weight_3": ""}
    bad = client.post(url, data={**form, "weight_1": "-1"})
    assert bad.status_code == 422 and 'data-field-error="criteria.1.weight"' in bad.get_data(
        as_text=True)
    with tenant_context(company.tenant_id):
        assert points.is_active is True
    saved = client.post(url, data=form)
    assert saved.status_code == 302
    with tenant_context(company.tenant_id):
        assert [c.name for c in exams.criteria_of(foot.id)] == ["手法", "力度"]
        assert db.session.get(type(foot), foot.id).exam_pass_score == Decimal("82.50")


# --- pages and store scope ----------------------------------------------------------------

def test_a_supervisor_scores_an_exam_on_the_page_ordered_by_a_complaint(setup, client, auth):
    company, mine, foot = setup["company"], setup["mine"], setup["foot"]
    with tenant_context(company.tenant_id):
        complaint = ComplaintCase(store_id=company.stores[0].id, therapist_id=mine.id,
                                  description="力度太重")
        db.session.add(complaint)
        db.session.commit()
        complaint_id = complaint.id
    auth.login_as(company, "technical_supervisor")
    # The complaint names the therapist: the link may give only the complaint and item.
    page = client.get(f"/technical/exams/new?service_item_id={foot.id}"
                      f"&complaint_id={complaint_id}").get_data(as_text=True)
    assert f'name="employee_id" value="{mine.id}"' in page
    url = (f"/technical/exams/new?employee_id={mine.id}&service_item_id={foot.id}"
           f"&complaint_id={complaint_id}")
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="exam-form"' in page and 'value="re_exam" selected' in page
    fields = {f"score_{c.id}": v for c, v in zip(setup["criteria"], ("95", "90", "88"),
                                                  strict=True)}
    missing = client.post(url, data={**fields, f"score_{setup['criteria'][2].id}": "",
                                     "kind": "re_exam"})
    assert missing.status_code == 422 and "请为“穴位”打分" in missing.get_data(as_text=True)
    saved = client.post(url, data={**fields, "kind": "re_exam", "note": "复考"})
    assert saved.status_code == 302
    detail = client.get(saved.location).get_data(as_text=True)
    assert "92.00" in detail and 'data-testid="exam-passed"' in detail
    assert "已具备该项目资格" in detail
    with tenant_context(company.tenant_id):
        exam = db.session.scalar(select(PracticalExam))
        assert (exam.kind, exam.complaint_id, exam.score) == ("re_exam", complaint_id,
                                                              Decimal("92.00"))
    listing = client.get(f"/technical/exams?result=passed&employee_id={mine.id}")
    assert "92.00" in listing.get_data(as_text=True)
    assert "92.00" not in client.get("/technical/exams?result=failed").get_data(as_text=True)


def test_a_supervisor_of_one_store_cannot_examine_or_see_another_stores_therapist(
        setup, client, auth):
    company, other, foot = setup["company"], setup["other"], setup["foot"]
    with tenant_context(company.tenant_id):
        theirs = exams.record_exam(other, foot, scores(setup["criteria"], 90, 90, 90),
                                   actor=company.accounts["technical_director"])
        db.session.commit()
        theirs_id = theirs.id
    auth.login_as(company, "technical_supervisor")
    url = f"/technical/exams/new?employee_id={other.id}&service_item_id={foot.id}"
    assert client.get(url).status_code == 404
    fields = {f"score_{c.id}": "90" for c in setup["criteria"]}
    assert client.post(url, data=fields).status_code == 404
    assert client.get(f"/technical/exams/{theirs_id}").status_code == 404
    assert "技师901" not in client.get("/technical/exams").get_data(as_text=True)
    with tenant_context(company.tenant_id):
        assert _exam_count() == 1
        with pytest.raises(exams.ExamError):  # the rule itself, without HTTP
            exams.record_exam(other, foot, fields, actor=company.accounts["technical_supervisor"])


# --- the store's qualification grid ---------------------------------------------------------

def test_the_grid_refuses_a_manual_tick_of_an_exam_item_and_shows_why_each_tick_is_there(
        setup, client, auth):
    company, mine, foot = setup["company"], setup["mine"], setup["foot"]
    oil = setup["items"]["oil"]
    store = company.stores[0]
    with tenant_context(company.tenant_id):
        mine_id, foot_id, oil_id, ear_id = mine.id, foot.id, oil.id, setup["items"]["ear"].id
    url = f"/store/{store.id}/catalogue/qualifications"
    auth.login_as(company, "general_manager")
    page = client.get(url).get_data(as_text=True)
    assert "须考核 · 合格线 80 分" in page
    refused = client.post(url, data={"q": [f"{mine_id}-{foot_id}", f"{mine_id}-{oil_id}"]},
                          follow_redirects=True)
    assert "“足疗 60 分钟”须通过技术考核，合格线 80 分" in refused.get_data(as_text=True)
    with tenant_context(company.tenant_id):
        assert _qualification(mine_id, foot_id) is None and _qualification(mine_id, oil_id) is None
        exam = exams.record_exam(mine, foot, scores(setup["criteria"], 92, 93, 93),
                                 actor=setup["examiner"])
        db.session.add(TherapistQualification(employee_id=mine_id, service_item_id=ear_id))
        db.session.commit()
        examined_on = exam.examined_on.isoformat()
    ok = client.post(url, data={"q": [f"{mine_id}-{foot_id}", f"{mine_id}-{oil_id}",
                                      f"{mine_id}-{ear_id}"]})
    assert ok.status_code == 302
    with tenant_context(company.tenant_id):
        manual = _qualification(mine_id, oil_id)
        assert manual.exam_id is None and manual.granted_on is not None
        assert manual.granted_by_account_id == company.accounts["general_manager"].id
    page = client.get(url).get_data(as_text=True)
    assert f"考核 92.50 分 · {examined_on}" in page
    assert f"手工授予 · {manual.granted_on.isoformat()}" in page
    assert "原有资格" in page
    # Taking an exam item away stays the store's decision.
    assert client.post(url, data={"q": [f"{mine_id}-{oil_id}"]}).status_code == 302
    with tenant_context(company.tenant_id):
        assert _qualification(mine_id, foot_id) is None


def test_the_qualifications_api_refuses_an_exam_item_and_writes_nothing(setup, client,
                                                                       api_token):
    company, mine, foot = setup["company"], setup["mine"], setup["foot"]
    oil = setup["items"]["oil"]
    gm = api_token(company, "general_manager")
    url = f"/api/v1/employees/{mine.id}/qualifications"
    refused = client.put(url, headers=gm, json={"service_item_ids": [foot.id, oil.id]})
    assert refused.status_code == 422
    assert "须通过技术考核，合格线 80 分" in refused.get_json()["error"]["fields"][
        "service_item_ids"][0]
    assert client.get(url, headers=gm).get_json()["service_item_ids"] == []
    assert client.put(url, headers=gm, json={"service_item_ids": [oil.id]}).status_code == 200


# --- query budget -----------------------------------------------------------------------------

def test_the_exam_list_and_the_grid_load_in_a_fixed_number_of_statements(setup, client, auth):
    from tests.hr.test_query_budget import _statements_for

    company = setup["company"]
    ids = (setup["mine"].id, setup["foot"].id, company.accounts["technical_director"].id)

    def add(count):
        with tenant_context(company.tenant_id):
            mine, foot = db.session.get(Employee, ids[0]), db.session.get(ServiceItem, ids[1])
            director = db.session.get(Account, ids[2])
            for n in range(count):
                exams.record_exam(mine, foot, scores(exams.criteria_of(foot.id), 70 + n, 90, 90),
                                  actor=director)
            db.session.commit()

    grid = f"/store/{company.stores[0].id}/catalogue/qualifications"
    auth.login_as(company, "owner")
    add(2)
    few = (_statements_for(client, "/technical/exams"), _statements_for(client, grid))
    add(12)
    many = (_statements_for(client, "/technical/exams"), _statements_for(client, grid))
    assert many == few
