"""入职 rules as plain functions: templates, checklist, owners, the login, 转正."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.blueprints.hr import checklists, onboarding, services
from app.blueprints.hr.models import (
    ChecklistItem,
    ChecklistTemplate,
    IssuedItem,
    Offboarding,
)
from app.extensions import db
from app.models import Account, AuditEntry
from app.security import verify_password
from tests.hr.helpers import position
from tests.hr.lifecycle.helpers import (
    candidate,
    item,
    pass_pre_job_training,
    tick_all_required,
)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_every_new_company_gets_the_default_templates(company_a, in_tenant):
    with in_tenant(company_a):
        templates = {(t.kind, t.position_id): t for t in db.session.scalars(
            select(ChecklistTemplate))}
        therapist = templates[("onboarding", position("therapist").id)]
        titles = {i.title: i for i in checklists.template_items(therapist.id)}
        assert {"身份证复印件", "健康证", "签订劳动合同", "银行卡信息", "创建登录账号",
                "岗前培训", "入职技师审核", "首次实操考核"} <= set(titles)
        assert titles["入职技师审核"].owner_department == "technical"
        assert titles["入职技师审核"].action == "technical_review"
        issue = next(i for i in titles.values() if i.action == "issue_items")
        assert issue.owner_department == "logistics"
        assert issue.detail.split(",") == ["工服", "储物柜钥匙", "工牌"]
        default = checklists.template_items(templates[("onboarding", None)].id)
        assert "入职技师审核" not in {i.title for i in default}
        leaving = {i.action: i for i in checklists.template_items(
            templates[("offboarding", None)].id)}
        assert leaving["return_items"].owner_department == "logistics"
        assert leaving["settlement"].owner_department == "finance"
        # Installing again (an existing company, the demo loader) adds nothing.
        assert checklists.install_default_templates() == 0


def test_the_hr_blueprint_registers_the_templates_step_once_however_many_apps(app):
    from app import create_app
    from app.tenants import COMPANY_SETUP

    for _ in range(3):
        create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://")
    assert list(COMPANY_SETUP) == ["hr.checklist_templates"]
    assert COMPANY_SETUP["hr.checklist_templates"] is checklists.install_default_templates


def test_start_onboarding_copies_the_positions_checklist(company_a, in_tenant):
    with in_tenant(company_a):
        person = candidate(company_a)
        day = date(2026, 3, 2)
        result = onboarding.start_onboarding(person, company_a.accounts["hr_staff"], today=day)
        assert person.status == "onboarding"
        assert result.issued is None  # the default template creates the login at the end
        items = onboarding.items_of(result.onboarding)
        source = {i.title: i for i in checklists.template_items(result.onboarding.template_id)}
        assert [i.title for i in items] == list(source)
        for row in items:
            assert row.due_on == day + timedelta(days=source[row.title].due_days)
            assert row.owner_department == source[row.title].owner_department
            assert row.required == source[row.title].required
            assert row.done_at is None
        assert item(result.onboarding, "入职技师审核").owner_department == "technical"
        assert db.session.scalar(select(AuditEntry.action).where(
            AuditEntry.action == "onboarding.start")) == "onboarding.start"


def test_a_cashier_gets_the_default_checklist_without_the_technical_review(company_a, in_tenant):
    with in_tenant(company_a):
        result = onboarding.start_onboarding(candidate(company_a, "C900", role="cashier"))
        titles = {i.title for i in onboarding.items_of(result.onboarding)}
        assert "身份证复印件" in titles and "入职技师审核" not in titles


def test_only_candidates_start_onboarding(company_a, in_tenant):
    with in_tenant(company_a):
        active = company_a.employees["therapist"]
        with pytest.raises(services.HrError) as error:
            onboarding.start_onboarding(active)
        assert "employee" in error.value.fields


def test_owners_tick_only_their_departments_items(company_a, in_tenant):
    with in_tenant(company_a):
        result = onboarding.start_onboarding(candidate(company_a))
        logistics = company_a.accounts["logistics_head"]
        hr_item = item(result.onboarding, "健康证")
        with pytest.raises(checklists.ChecklistForbidden) as error:
            onboarding.tick_item(hr_item, logistics)
        assert "人力资源部" in error.value.message
        assert hr_item.done_at is None
        # Nor may HR do the technical supervisor's review, or a cashier anything.
        with pytest.raises(checklists.ChecklistForbidden):
            onboarding.tick_item(item(result.onboarding, "入职技师审核"),
                                 company_a.accounts["hr_staff"], outcome="pass")
        with pytest.raises(checklists.ChecklistForbidden):
            onboarding.tick_item(hr_item, company_a.accounts["cashier"])
        onboarding.tick_item(hr_item, company_a.accounts["hr_staff"], note="已收原件")
        assert hr_item.done_at is not None
        assert hr_item.done_by_account_id == company_a.accounts["hr_staff"].id
        assert hr_item.note == "已收原件"
        with pytest.raises(services.HrError):  # once is enough
            onboarding.tick_item(hr_item, company_a.accounts["hr_staff"])


def test_a_store_supervisor_reviews_only_people_of_their_stores(company_a, in_tenant):
    with in_tenant(company_a):
        elsewhere = candidate(company_a, "T901", store=company_a.stores[1])
        result = onboarding.start_onboarding(elsewhere)
        review = item(result.onboarding, "入职技师审核")
        with pytest.raises(checklists.ChecklistForbidden):
            onboarding.tick_item(review, company_a.accounts["technical_supervisor"],
                                 outcome="pass")
        # The technical director (head office) reviews anyone.
        pass_pre_job_training(elsewhere.id)
        onboarding.tick_item(review, company_a.accounts["technical_director"], outcome="pass")
        assert review.done_at is not None and review.note.startswith("通过")


def test_issuing_items_records_each_item_handed_out(company_a, in_tenant):
    with in_tenant(company_a):
        person = candidate(company_a)
        result = onboarding.start_onboarding(person)
        issue = item(result.onboarding, "发放工服、储物柜钥匙、工牌")
        onboarding.tick_item(issue, company_a.accounts["logistics_head"],
                             item_names=["工服", "工牌"])
        issued = db.session.scalars(select(IssuedItem).where(
            IssuedItem.employee_id == person.id).order_by(IssuedItem.id)).all()
        assert [(i.name, i.status) for i in issued] == [("工服", "issued"), ("工牌", "issued")]
        assert issued[0].issued_by_account_id == company_a.accounts["logistics_head"].id
        assert "工服" in issue.note


def test_a_failed_technical_review_leaves_the_item_open(company_a, in_tenant):
    with in_tenant(company_a):
        result = onboarding.start_onboarding(candidate(company_a))
        review = item(result.onboarding, "入职技师审核")
        supervisor = company_a.accounts["technical_supervisor"]
        with pytest.raises(services.HrError) as error:
            onboarding.tick_item(review, supervisor, outcome="fail")
        assert "note" in error.value.fields
        onboarding.tick_item(review, supervisor, outcome="fail", note="手法不规范")
        assert review.done_at is None and "手法不规范" in review.note
        pass_pre_job_training(review.employee_id)
        onboarding.tick_item(review, supervisor, outcome="pass", note="复核通过")
        assert review.done_at is not None


def test_the_login_is_created_when_every_required_item_is_done(company_a, in_tenant):
    with in_tenant(company_a):
        person = candidate(company_a, "T902")
        result = onboarding.start_onboarding(person, today=date(2026, 3, 2))
        last = tick_all_required(result, company_a, skip=("首次实操考核",))
        assert last.completed is False and last.issued is None
        assert services.accounts_of_employee(person) == []
        final = onboarding.tick_item(item(result.onboarding, "首次实操考核"),
                                     company_a.accounts["technical_supervisor"],
                                     today=date(2026, 3, 9))
        assert final.completed is True
        account = final.issued.account
        assert account.username == "T902"
        assert account.role == "therapist"
        assert account.store_ids == {company_a.store.id}
        assert account.employee_id == person.id
        assert verify_password(account.password_hash, final.issued.password)
        assert person.status == "probation"
        assert person.hire_date == date(2026, 3, 9)
        assert person.probation_ends_on == date(2026, 6, 8)  # 3 months, the day before
        assert result.onboarding.status == "done"
        assert item(result.onboarding, "创建登录账号").done_at is not None
        # The password exists nowhere but in that one result.
        assert final.issued.password not in str(db.session.scalars(
            select(AuditEntry.after)).all())


def test_the_username_moves_aside_when_the_number_is_taken(company_a, in_tenant):
    with in_tenant(company_a):
        person = candidate(company_a, "cashier", role="cashier")  # "cashier" is a login
        result = onboarding.start_onboarding(person)
        done = tick_all_required(result, company_a)
        assert done.issued.account.username == "cashier-2"
        assert done.issued.account.role == "cashier"


def test_account_at_start_creates_the_login_at_once(company_a, in_tenant):
    with in_tenant(company_a):
        template = checklists.template_for("onboarding", position("therapist").id)
        checklists.update_template(template, account_at="start", probation_months=2)
        person = candidate(company_a, "T903")
        result = onboarding.start_onboarding(person, today=date(2026, 3, 2))
        assert result.issued is not None and result.issued.account.username == "T903"
        assert item(result.onboarding, "创建登录账号").done_at is not None
        assert person.status == "onboarding"  # still onboarding: only the login is early
        done = tick_all_required(result, company_a, today=date(2026, 3, 2))
        assert done.completed and done.issued is None  # no second login
        assert _count(Account, Account.employee_id == person.id) == 1
        assert person.status == "probation"
        assert person.probation_ends_on == date(2026, 5, 1)


def test_hr_may_create_the_login_early_by_ticking_it(company_a, in_tenant):
    with in_tenant(company_a):
        person = candidate(company_a, "T904")
        result = onboarding.start_onboarding(person)
        account_item = item(result.onboarding, "创建登录账号")
        with pytest.raises(checklists.ChecklistForbidden):  # hr_staff: no account.manage
            onboarding.tick_item(account_item, company_a.accounts["hr_staff"])
        early = onboarding.tick_item(account_item, company_a.accounts["hr_manager"])
        assert early.issued.account.username == "T904" and not early.completed


def test_cancel_onboarding_goes_back_to_candidate(company_a, in_tenant):
    with in_tenant(company_a):
        template = checklists.template_for("onboarding", position("therapist").id)
        checklists.update_template(template, account_at="start")
        person = candidate(company_a)
        result = onboarding.start_onboarding(person)
        with pytest.raises(services.HrError):
            onboarding.cancel_onboarding(result.onboarding, reason="")
        onboarding.cancel_onboarding(result.onboarding, reason="未到岗")
        assert person.status == "candidate"
        assert result.onboarding.status == "cancelled"
        assert not result.issued.account.is_enabled
        assert _count(ChecklistItem, ChecklistItem.onboarding_id == result.onboarding.id) > 0


def _on_probation(company, number="T905"):
    person = candidate(company, number)
    result = onboarding.start_onboarding(person, today=date(2026, 1, 5))
    tick_all_required(result, company, today=date(2026, 1, 5))
    return person, result.onboarding


def test_probation_review_confirms(company_a, in_tenant):
    with in_tenant(company_a):
        person, process = _on_probation(company_a)
        reviews = onboarding.due_probation_reviews(today=person.probation_ends_on)
        assert [e.id for _o, e in reviews] == [person.id]
        assert onboarding.due_probation_reviews(
            today=person.probation_ends_on - timedelta(days=30)) == []
        onboarding.review_probation(process, "confirm", company_a.accounts["hr_staff"],
                                    note="表现良好")
        assert person.status == "active"
        assert process.review_outcome == "confirmed"
        assert onboarding.due_probation_reviews(today=person.probation_ends_on) == []
        with pytest.raises(services.HrError):
            onboarding.review_probation(process, "confirm")


def test_probation_review_ends_employment_through_a_termination(company_a, in_tenant):
    with in_tenant(company_a):
        person, process = _on_probation(company_a)
        with pytest.raises(services.HrError) as error:
            onboarding.review_probation(process, "end", note="")
        assert "note" in error.value.fields
        request = onboarding.review_probation(process, "end", company_a.accounts["hr_staff"],
                                              note="考核不合格", last_day=date(2026, 3, 31))
        assert isinstance(request, Offboarding)
        assert request.kind == "termination" and request.status == "requested"
        assert request.last_day == date(2026, 3, 31) and "考核不合格" in request.reason
        assert process.review_outcome == "ended"
        assert person.status == "probation"  # until the HR manager approves


def test_template_editing_rules(company_a, in_tenant):
    with in_tenant(company_a):
        with pytest.raises(services.HrError) as error:  # one active per position and kind
            checklists.create_template(kind="onboarding", name="又一个",
                                       position_id=position("therapist").id)
        assert "position_id" in error.value.fields
        template = checklists.create_template(kind="onboarding", name="收银入职",
                                              position_id=position("cashier").id,
                                              probation_months=1)
        with pytest.raises(services.HrError) as error:
            checklists.add_template_item(template, title="退还押金", action="return_items")
        assert "action" in error.value.fields
        with pytest.raises(services.HrError):
            checklists.update_template(template, probation_months=7)
        row = checklists.add_template_item(template, title="收银培训", due_days=5)
        checklists.update_template_item(row, owner_department="store", required=False)
        assert row.owner_department == "store" and row.required is False
        assert checklists.template_for("onboarding", position("cashier").id).id == template.id
        result = onboarding.start_onboarding(candidate(company_a, "C901", role="cashier"))
        assert [i.title for i in onboarding.items_of(result.onboarding)] == ["收银培训"]
        checklists.delete_template_item(row)
        # The running checklist keeps its copy.
        assert [i.title for i in onboarding.items_of(result.onboarding)] == ["收银培训"]
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"checklist.template_create", "checklist.template_item_add",
                "checklist.template_item_update", "checklist.template_item_delete"} <= actions


def test_add_months_clamps_to_the_months_end():
    assert checklists.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert checklists.add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert checklists.probation_end(date(2026, 3, 1), 3) == date(2026, 5, 31)
    assert checklists.probation_end(date(2026, 3, 1), 0) is None


def test_people_on_probation_without_an_onboarding_are_reviewed_too(company_a, in_tenant):
    with in_tenant(company_a):
        person = company_a.employees["receptionist"]  # entered directly, no onboarding
        person.status, person.probation_ends_on = "probation", date(2026, 4, 10)
        db.session.flush()
        due = onboarding.due_probation_reviews(today=date(2026, 4, 5))
        assert [(o, e.id) for o, e in due] == [(None, person.id)]
        onboarding.review_probation_of(person, "confirm", company_a.accounts["hr_staff"])
        assert person.status == "active"
        assert onboarding.due_probation_reviews(today=date(2026, 4, 5)) == []
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "onboarding.probation_confirm"))
        assert entry.object_id == str(person.id)
