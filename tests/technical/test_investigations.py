"""技术投诉调查: attribute, find, decide, correct, tell the guest, conclude; the director
reopens; store scope; the conclusion on the desk's complaint page."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.blueprints.technical import investigations as service
from app.blueprints.technical.models import ComplaintInvestigation, PracticalExam
from app.extensions import db
from app.models import Account, AuditEntry
from app.tenancy import tenant_context
from tests.conftest import AuthActions
from tests.technical.complaint_helpers import complaint_with_job


def _errors(call) -> dict:
    with pytest.raises(service.InvestigationError) as error:
        call()
    return error.value.fields


def test_conclusion_needs_decision_finding_and_guest_feedback(company_a, in_tenant):
    with in_tenant(company_a):
        case, served, _other = complaint_with_job(company_a)
        supervisor = company_a.accounts["technical_supervisor"]
        assert set(_errors(lambda: service.conclude_investigation(case, supervisor))) == {
            "substantiated", "findings", "guest_feedback"}
        assert service.investigation_of(case.id) is None  # a refused conclusion opens nothing
        investigation = service.update_investigation(case, supervisor, findings="力度过大")
        assert investigation.therapist_id == served.id  # the desk's therapist, to start with
        assert set(_errors(lambda: service.conclude_investigation(case, supervisor))) == {
            "substantiated", "guest_feedback"}
        # Substantiated and attributed: a corrective action other than none.
        service.update_investigation(case, supervisor, substantiated=True,
                                     guest_feedback="已致歉，安排技师复训")
        assert investigation.guest_feedback_at is not None
        assert _errors(lambda: service.conclude_investigation(case, supervisor)) == {
            "corrective_action": "投诉属实且归属技师：请选择培训、复考或处罚"}
        service.update_investigation(case, supervisor, corrective_action="training",
                                     corrective_note="足底按摩力度培训")
        service.conclude_investigation(case, supervisor, today=date(2026, 12, 1))
        assert (investigation.status, investigation.concluded_on) == ("concluded",
                                                                      date(2026, 12, 1))
        # Read-only once concluded.
        assert "status" in _errors(lambda: service.update_investigation(
            case, supervisor, findings="改一下"))
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.object_type == "complaint_investigation").order_by(AuditEntry.id)).all()
        assert actions == ["investigation.open", "investigation.update",
                           "investigation.update", "investigation.update",
                           "investigation.conclude"]


def test_not_substantiated_or_unattributed_needs_no_action_but_a_penalty_needs_both(
        company_a, in_tenant):
    with in_tenant(company_a):
        case, _served, _other = complaint_with_job(company_a)
        actor = company_a.accounts["technical_director"]
        service.update_investigation(case, actor, substantiated=False, findings="水温问题，非手法",
                                     guest_feedback="已解释", corrective_action="penalty")
        assert _errors(lambda: service.conclude_investigation(case, actor)) == {
            "corrective_action": "投诉不属实，不能处罚"}
        service.update_investigation(case, actor, substantiated=True, therapist_id=None,
                                     corrective_action="re_exam")
        assert _errors(lambda: service.conclude_investigation(case, actor)) == {
            "corrective_action": "复考和处罚须归属到一位技师"}
        # Substantiated but nobody's technique (e.g. the room was cold): no action needed.
        service.update_investigation(case, actor, corrective_action="none")
        investigation = service.conclude_investigation(case, actor)
        assert investigation.substantiated is True and investigation.therapist_id is None


def test_attributed_to_the_orders_or_the_stores_therapists_only(company_a, in_tenant):
    with in_tenant(company_a):
        case, served, other = complaint_with_job(company_a)
        elsewhere, *_ = complaint_with_job(company_a, 1, number_from=901)[1:]
        actor = company_a.accounts["technical_supervisor"]
        candidates = [e.id for e in service.candidate_therapists(case)]
        assert candidates[0] == served.id and other.id in candidates
        assert elsewhere.id not in candidates
        assert set(_errors(lambda: service.update_investigation(
            case, actor, therapist_id=elsewhere.id, findings="x"))) == {"therapist_id"}
        assert service.investigation_of(case.id) is None  # nothing written
        assert service.update_investigation(case, actor, therapist_id=other.id
                                            ).therapist_id == other.id


def test_only_the_director_reopens(company_a, in_tenant):
    with in_tenant(company_a):
        case, _served, _other = complaint_with_job(company_a)
        supervisor = company_a.accounts["technical_supervisor"]
        service.update_investigation(case, supervisor, substantiated=True, findings="手法错误",
                                     guest_feedback="已致歉", corrective_action="re_exam")
        service.conclude_investigation(case, supervisor)
        assert "status" in _errors(lambda: service.reopen_investigation(case, supervisor))
        investigation = service.reopen_investigation(
            case, company_a.accounts["technical_director"])
        assert (investigation.status, investigation.concluded_on) == ("open", None)


def test_the_list_shows_state_and_age_in_the_viewers_stores(company_a, in_tenant):
    with in_tenant(company_a):
        mine, *_ = complaint_with_job(company_a)
        theirs, *_ = complaint_with_job(company_a, 1, number_from=901)
        service.update_investigation(mine, None, findings="查看监控")
        rows, total = service.list_cases({company_a.stores[0].id})
        assert total == 1 and rows[0].case.id == mine.id and rows[0].state == "open"
        assert rows[0].age_days == 0
        rows, total = service.list_cases(None, state="pending")
        assert [row.case.id for row in rows] == [theirs.id]
        this_month = service.tenant_today().replace(day=1)
        assert service.list_cases(None, month=this_month)[1] == 2
        assert service.list_cases(None, month=date(2020, 1, 1))[1] == 0


def _login(app, company, role):
    client = app.test_client()
    AuthActions(client).login_as(company, role)
    return client


def test_pages_investigate_and_conclude_and_the_desk_sees_the_conclusion(app, company_a):
    with tenant_context(company_a.tenant_id):
        case, served, other = complaint_with_job(company_a)
        theirs, *_ = complaint_with_job(company_a, 1, number_from=901)
        db.session.commit()
        case_id, theirs_id, served_id = case.id, theirs.id, served.id
    supervisor = _login(app, company_a, "technical_supervisor")
    listing = supervisor.get("/technical/investigations").get_data(as_text=True)
    assert f'data-complaint-id="{case_id}"' in listing
    assert f'data-complaint-id="{theirs_id}"' not in listing
    assert 'data-state="pending"' in listing
    assert supervisor.get(f"/technical/investigations/{theirs_id}").status_code == 404
    assert supervisor.post(f"/technical/investigations/{theirs_id}/save",
                           data={"findings": "x"}).status_code == 404
    page = supervisor.get(f"/technical/investigations/{case_id}").get_data(as_text=True)
    assert 'data-testid="order-jobs"' in page and f'data-therapist-id="{served_id}"' in page
    # Conclude with what is missing: 422 naming the fields, nothing written.
    refused = supervisor.post(f"/technical/investigations/{case_id}/save", data={
        "therapist_id": str(served_id), "substantiated": "yes", "findings": "力度过大",
        "corrective_action": "none", "corrective_note": "", "guest_feedback": "",
        "action": "conclude"})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'data-field-error="guest_feedback"' in body
    assert 'data-field-error="corrective_action"' in body
    with tenant_context(company_a.tenant_id):
        assert db.session.scalar(select(func.count(ComplaintInvestigation.id))) == 0
    done = supervisor.post(f"/technical/investigations/{case_id}/save", data={
        "therapist_id": str(served_id), "substantiated": "yes", "findings": "力度过大",
        "corrective_action": "re_exam", "corrective_note": "足疗复考",
        "guest_feedback": "已向客人致歉并赠送一次足疗", "action": "conclude"})
    assert done.status_code == 302
    with tenant_context(company_a.tenant_id):
        investigation = db.session.scalar(select(ComplaintInvestigation))
        assert (investigation.status, investigation.substantiated,
                investigation.corrective_action) == ("concluded", True, "re_exam")
        # A re-exam made elsewhere carries the complaint's id and is listed.
        db.session.add(PracticalExam(employee_id=served_id, service_item_id=_item_id(),
                                     examined_on=date(2026, 12, 2), score=85, pass_score=80,
                                     passed=True, kind="re_exam", complaint_id=case_id))
        db.session.commit()
    page = supervisor.get(f"/technical/investigations/{case_id}").get_data(as_text=True)
    assert 'data-testid="investigation-conclusion"' in page
    assert "85" in page and 'data-testid="investigation-form"' not in page
    assert 'data-testid="reopen"' not in page  # the director's
    manager = _login(app, company_a, "store_manager")
    desk = manager.get(f"/store/complaints/{case_id}").get_data(as_text=True)
    assert 'data-testid="technical-conclusion"' in desk
    assert "已向客人致歉并赠送一次足疗" in desk and "复考" in desk
    director = _login(app, company_a, "technical_director")
    assert 'data-testid="reopen"' in director.get(
        f"/technical/investigations/{case_id}").get_data(as_text=True)
    assert director.post(f"/technical/investigations/{case_id}/reopen").status_code == 302
    with tenant_context(company_a.tenant_id):
        assert db.session.scalar(select(ComplaintInvestigation.status)) == "open"


def _item_id() -> int:
    from app.blueprints.store.models import ServiceItem

    return db.session.scalar(select(func.min(ServiceItem.id)))


def test_the_lists_statements_do_not_grow_with_complaints_or_proposals(client, auth,
                                                                        company_a):
    from app.blueprints.technical import proposals
    from tests.hr.test_query_budget import _statements_for

    def add(start: int, count: int) -> None:
        with tenant_context(company_a.tenant_id):
            director = db.session.scalar(select(Account).where(
                Account.role == "technical_director"))
            for n in range(start, start + count):
                case, served, _other = complaint_with_job(company_a, n % 2,
                                                          number_from=1000 + 2 * n)
                if n % 3 == 0:
                    service.update_investigation(case, None, findings="查看监控",
                                                 therapist_id=served.id)
                proposals.propose({"name": f"新手法{n}", "category": "foot", "process": "步骤",
                                   "duration_minutes": 60}, director)
            db.session.commit()

    auth.login_as(company_a, "technical_director")
    add(0, 2)
    few = (_statements_for(client, "/technical/investigations"),
           _statements_for(client, "/technical/proposals"))
    add(2, 12)
    many = (_statements_for(client, "/technical/investigations"),
            _statements_for(client, "/technical/proposals"))
    assert many == few, f"{few} statements for a few, {many} for many"


def test_follow_up_links_only_to_pages_that_exist_and_the_viewer_may_open(app, company_a,
                                                                         monkeypatch):
    """The exam, training and discipline pages come from other parts of the department:
    a link shows once the page exists, with the complaint and the therapist."""
    from flask_login import login_user

    from app.blueprints.technical import views_investigations as views

    def page(permission):
        def view():
            return ""
        view.required_permission = permission
        return view

    with tenant_context(company_a.tenant_id):
        case, served, _other = complaint_with_job(company_a)
        investigation = service.update_investigation(case, None, findings="力度过大")
        db.session.commit()
        monkeypatch.setattr(views, "url_for", lambda endpoint, **args: (endpoint, args))
        monkeypatch.delitem(app.view_functions, "technical.exam_new", raising=False)
        monkeypatch.setitem(app.view_functions, "technical.training_new",
                            page("training.manage"))
        monkeypatch.setitem(app.view_functions, "technical.discipline_new",
                            page("discipline.approve"))
        with app.test_request_context():
            login_user(company_a.accounts["technical_supervisor"])
            links = views._follow_up_links(case, investigation)
    assert [url for _label, url in links] == [
        ("technical.training_new", {"complaint_id": case.id, "employee_id": served.id})]


def test_the_list_names_who_it_is_attributed_to_or_says_nobody(client, auth, company_a):
    with tenant_context(company_a.tenant_id):
        case, _served, _other = complaint_with_job(company_a)
        service.update_investigation(case, None, therapist_id=None, findings="房间太冷")
        db.session.commit()
    auth.login_as(company_a, "technical_director")
    page = client.get("/technical/investigations").get_data(as_text=True)
    row = page.split(f'data-complaint-id="{case.id}"', 1)[1].split("</tr>", 1)[0]
    assert "不归属技师" in row and "None" not in row
