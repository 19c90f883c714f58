"""入职 / 离职 pages end to end: who may do what, the credentials shown once, the
last day ending an open session."""

import re
from datetime import timedelta

from sqlalchemy import select

from app.blueprints.hr import checklists
from app.blueprints.hr.models import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateItem,
    IssuedItem,
    Offboarding,
    Onboarding,
)
from app.extensions import db
from app.models import Account, AccountStore, Employee
from tests.conftest import AuthActions
from tests.hr.helpers import position
from tests.hr.lifecycle.helpers import pass_pre_job_training


def _in(company, in_tenant, fn):
    with in_tenant(company):
        result = fn()
        db.session.commit()
        return result


def _client(app, company, role):
    client = app.test_client()
    AuthActions(client).login_as(company, role)
    return client


def _start(client, company, in_tenant, number="T950"):
    """HR's short form: a therapist candidate of store 1, onboarding started."""
    ids = _in(company, in_tenant, lambda: (position("therapist").id, company.store.id))
    response = client.post("/hr/onboarding/new", data={
        "employee_no": number, "name": "新技师", "gender": "female", "phone": "13911110000",
        "position_id": ids[0], "store_id": ids[1]})
    assert response.status_code == 302, response.get_data(as_text=True)
    with in_tenant(company):
        process = db.session.scalar(select(Onboarding).join(
            Employee, Employee.id == Onboarding.employee_id).where(Employee.employee_no == number))
        assert response.location.endswith(f"/hr/onboarding/{process.id}")
        return process.id, process.employee_id


def _items(company, in_tenant, onboarding_id=None, offboarding_id=None) -> dict:
    with in_tenant(company):
        column = (ChecklistItem.onboarding_id if onboarding_id else ChecklistItem.offboarding_id)
        return {i.title: i.id for i in db.session.scalars(select(ChecklistItem).where(
            column == (onboarding_id or offboarding_id)))}


def _section(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start:page.index("</table>", start)]


def _tick(client, item_id, **data):
    return client.post(f"/hr/checklist-items/{item_id}/tick", data=data)


def test_onboarding_a_therapist_through_the_pages(app, company_a, in_tenant):
    hr = _client(app, company_a, "hr_staff")
    onboarding_id, employee_id = _start(hr, company_a, in_tenant)
    page = hr.get(f"/hr/onboarding/{onboarding_id}").get_data(as_text=True)
    for department in ("人力资源部", "后勤部", "技术部"):
        assert f">{department}" in page
    items = _items(company_a, in_tenant, onboarding_id)

    logistics = _client(app, company_a, "logistics_head")
    refused = _tick(logistics, items["健康证"])
    assert refused.status_code == 403
    assert "由人力资源部办理" in refused.get_data(as_text=True)
    issue = items["发放工服、储物柜钥匙、工牌"]
    assert _tick(logistics, issue, item_names=["工服", "工牌"]).status_code == 302
    with in_tenant(company_a):
        names = db.session.scalars(select(IssuedItem.name).where(
            IssuedItem.employee_id == employee_id).order_by(IssuedItem.id)).all()
        assert names == ["工服", "工牌"]
    # Logistics sees the page and who ticked what; HR's items are not theirs to tick.
    page = logistics.get(f"/hr/onboarding/{onboarding_id}").get_data(as_text=True)
    assert "后勤负责人" in page and "完成" in page
    assert f'/hr/checklist-items/{items["健康证"]}/tick' not in page

    technical = _client(app, company_a, "technical_supervisor")
    for title in ("岗前培训", "首次实操考核"):
        assert _tick(technical, items[title]).status_code == 302
    _in(company_a, in_tenant, lambda: pass_pre_job_training(employee_id))
    assert _tick(technical, items["入职技师审核"], outcome="pass",
                 note="手法规范").status_code == 302

    for title in ("身份证复印件", "健康证", "签订劳动合同"):
        assert _tick(hr, items[title]).status_code == 302
    completing = _tick(hr, items["银行卡信息"])
    assert completing.status_code == 200
    assert completing.headers["Cache-Control"] == "no-store"
    body = completing.get_data(as_text=True)
    password = re.search(r"data-password>([^<]+)<", body).group(1)
    assert re.search(r"data-username>T950<", body)
    with in_tenant(company_a):
        account = db.session.scalar(select(Account).where(Account.employee_id == employee_id))
        employee = db.session.scalar(select(Employee).where(Employee.id == employee_id))
        assert account.role == "therapist" and account.store_ids == {company_a.store.id}
        assert employee.status == "probation"
    # Shown once: never again on the page.
    again = hr.get(f"/hr/onboarding/{onboarding_id}").get_data(as_text=True)
    assert password not in again and "data-password" not in again

    therapist = app.test_client()
    assert AuthActions(therapist).login(company_a.code, "T950", password).status_code == 302
    assert therapist.get("/me").status_code == 200


def test_pages_and_ticks_stay_within_the_store_and_the_company(app, company_a, company_b,
                                                                in_tenant):
    hr = _client(app, company_a, "hr_staff")
    onboarding_id, _employee_id = _start(hr, company_a, in_tenant)
    items = _items(company_a, in_tenant, onboarding_id)
    intruder = _client(app, company_b, "owner")
    assert intruder.get(f"/hr/onboarding/{onboarding_id}").status_code == 404
    assert _tick(intruder, items["健康证"]).status_code == 404
    cashier = _client(app, company_a, "cashier")  # no checklist business at all
    assert _tick(cashier, items["健康证"]).status_code == 403
    assert cashier.get(f"/hr/onboarding/{onboarding_id}").status_code == 403

    def supervisor_works_in(store):
        with in_tenant(company_a):
            link = db.session.scalar(select(AccountStore).where(
                AccountStore.account_id == company_a.accounts["technical_supervisor"].id))
            link.store_id = store.id
            db.session.commit()
        return _client(app, company_a, "technical_supervisor")

    # 岗前培训 is the technical supervisor's item, but only in their own store:
    # the candidate is store 1's, so store 2's supervisor finds nothing.
    elsewhere = supervisor_works_in(company_a.stores[1])
    assert elsewhere.get(f"/hr/onboarding/{onboarding_id}").status_code == 404
    assert _tick(elsewhere, items["岗前培训"]).status_code == 404
    here = supervisor_works_in(company_a.store)
    assert here.get(f"/hr/onboarding/{onboarding_id}").status_code == 200
    assert _tick(here, items["岗前培训"]).status_code == 302
    with in_tenant(company_a):
        assert db.session.get(ChecklistItem, items["岗前培训"]).done_at is not None


def test_the_logistics_and_technical_pages_list_their_open_items(app, company_a, in_tenant):
    hr = _client(app, company_a, "hr_staff")
    _start(hr, company_a, in_tenant)
    logistics = _client(app, company_a, "logistics_head").get("/logistics/")
    text = logistics.get_data(as_text=True)
    assert 'data-testid="open-checklist-items"' in text
    assert "发放工服、储物柜钥匙、工牌" in text and "健康证" not in text
    technical = _client(app, company_a, "technical_supervisor").get("/technical/")
    text = technical.get_data(as_text=True)
    assert "入职技师审核" in text and "发放工服" not in text
    # The trainee supervisor does not review, so sees no list.
    trainee = _client(app, company_a, "trainee_supervisor").get("/technical/")
    assert 'data-testid="open-checklist-items"' not in trainee.get_data(as_text=True)


def test_account_at_start_shows_the_credentials_on_the_start_page(app, company_a, in_tenant):
    def set_start():
        template = checklists.template_for("onboarding", position("therapist").id)
        checklists.update_template(template, account_at="start")
    _in(company_a, in_tenant, set_start)
    hr = _client(app, company_a, "hr_staff")
    ids = _in(company_a, in_tenant, lambda: (position("therapist").id, company_a.store.id))
    response = hr.post("/hr/onboarding/new", data={
        "employee_no": "T951", "name": "早开账号", "gender": "female",
        "position_id": ids[0], "store_id": ids[1]})
    assert response.status_code == 200
    assert re.search(r"data-password>[^<]+<", response.get_data(as_text=True))


def test_probation_review_on_the_page_and_due_reviews_on_the_hr_page(app, company_a,
                                                                     in_tenant):
    def on_probation():
        from app.blueprints.hr import onboarding
        from tests.hr.lifecycle.helpers import candidate, tick_all_required

        result = onboarding.start_onboarding(candidate(company_a, "T952", name="试用技师"))
        tick_all_required(result, company_a)
        employee = db.session.scalar(select(Employee).where(Employee.employee_no == "T952"))
        employee.probation_ends_on = checklists.tenant_today() + timedelta(days=3)
        return result.onboarding.id
    onboarding_id = _in(company_a, in_tenant, on_probation)
    hr = _client(app, company_a, "hr_staff")
    due = _section(hr.get("/hr/").get_data(as_text=True), "due-reviews")
    assert "试用技师" in due and f"/hr/onboarding/{onboarding_id}" in due
    logistics = _client(app, company_a, "logistics_head")
    assert logistics.post(f"/hr/onboarding/{onboarding_id}/review",
                          data={"outcome": "confirm"}).status_code == 403
    response = hr.post(f"/hr/onboarding/{onboarding_id}/review",
                       data={"outcome": "confirm", "note": "合格"})
    assert response.status_code == 302
    with in_tenant(company_a):
        assert db.session.scalar(select(Employee.status).where(
            Employee.employee_no == "T952")) == "active"
    assert "试用技师" not in _section(hr.get("/hr/").get_data(as_text=True), "due-reviews")


def test_offboarding_approval_is_the_hr_managers_and_the_last_day_ends_the_session(
        app, company_a, in_tenant):
    employee_id = _in(company_a, in_tenant, lambda: company_a.employees["therapist"].id)
    therapist = _client(app, company_a, "therapist")
    assert therapist.get("/me").status_code == 200

    manager = _client(app, company_a, "hr_manager")
    staff = _client(app, company_a, "hr_staff")
    # HR staff file it; the HR manager decides (the one approval flow).
    assert staff.get(f"/hr/employees/{employee_id}/offboarding/new").status_code == 200
    yesterday = _in(company_a, in_tenant,
                    lambda: (checklists.tenant_today() - timedelta(days=1)).isoformat())
    response = staff.post(f"/hr/employees/{employee_id}/offboarding/new", data={
        "kind": "resignation", "last_day": yesterday, "reason": "回老家"})
    assert response.status_code == 302
    offboarding_id = int(response.location.rsplit("/", 1)[1])
    assert staff.post(f"/hr/offboarding/{offboarding_id}/approve").status_code == 403
    assert _client(app, company_a, "store_manager").post(
        f"/hr/offboarding/{offboarding_id}/approve").status_code == 403
    assert therapist.get("/me").status_code == 200  # nothing happens before the approval

    assert manager.post(f"/hr/offboarding/{offboarding_id}/approve").status_code == 302
    # The last day is over: the job ran after the approval's commit (inline in tests).
    with in_tenant(company_a):
        record = db.session.scalar(select(Offboarding).where(Offboarding.id == offboarding_id))
        assert record.status == "completed"
        assert db.session.scalar(select(Employee.status).where(
            Employee.id == employee_id)) == "left"
    response = therapist.get("/me")
    assert response.status_code == 302 and "/login" in response.location
    page = manager.get(f"/hr/offboarding/{offboarding_id}").get_data(as_text=True)
    assert "已于" in page and "办结" in page
    # The history stays on the employee page.
    detail = manager.get(f"/hr/employees/{employee_id}").get_data(as_text=True)
    assert 'data-testid="lifecycle-history"' in detail and "回老家" in detail


def test_finance_settles_on_the_offboarding_page(app, company_a, in_tenant):
    def approved():
        from app.blueprints.hr import offboarding

        request = offboarding.request_offboarding(
            company_a.employees["cashier"], kind="resignation",
            last_day=checklists.tenant_today() + timedelta(days=10))
        offboarding.approve_offboarding(request, company_a.accounts["hr_manager"])
        return request.id
    offboarding_id = _in(company_a, in_tenant, approved)
    items = _items(company_a, in_tenant, offboarding_id=offboarding_id)
    finance = _client(app, company_a, "finance_manager")
    assert finance.get(f"/hr/offboarding/{offboarding_id}").status_code == 200
    response = _tick(finance, items["结算"], settlement_amount="-12.50", settlement_note="工服")
    assert response.status_code == 302
    with in_tenant(company_a):
        assert str(db.session.scalar(select(Offboarding.settlement_amount).where(
            Offboarding.id == offboarding_id))) == "-12.50"
    assert _tick(finance, items["离职面谈"]).status_code == 403


def test_hr_edits_the_checklist_templates(app, company_a, in_tenant):
    template_id = _in(company_a, in_tenant, lambda: checklists.template_for(
        "onboarding", position("therapist").id).id)
    manager = _client(app, company_a, "hr_manager")
    page = manager.get("/hr/checklist-templates").get_data(as_text=True)
    assert "技师入职清单" in page and "默认离职清单" in page
    assert manager.get(f"/hr/checklist-templates/{template_id}").status_code == 200
    response = manager.post(f"/hr/checklist-templates/{template_id}/items", data={
        "title": "背诵服务流程", "owner_department": "store", "action": "none",
        "due_days": "5", "required": "y"})
    assert response.status_code == 302
    response = manager.post(f"/hr/checklist-templates/{template_id}", data={
        "kind": "onboarding", "name": "技师入职清单", "position_id": "", "account_at": "start",
        "probation_months": "2", "is_active": "y"})
    assert response.status_code == 422  # the default onboarding template is still active
    response = manager.post(f"/hr/checklist-templates/{template_id}", data={
        "kind": "onboarding", "name": "技师入职清单", "account_at": "start",
        "position_id": str(_in(company_a, in_tenant, lambda: position("therapist").id)),
        "probation_months": "2", "is_active": "y"})
    assert response.status_code == 302
    with in_tenant(company_a):
        template = db.session.scalar(select(ChecklistTemplate).where(
            ChecklistTemplate.id == template_id))
        assert (template.account_at, template.probation_months) == ("start", 2)
        row = db.session.scalar(select(ChecklistTemplateItem).where(
            ChecklistTemplateItem.title == "背诵服务流程"))
        assert row.owner_department == "store" and row.due_days == 5 and row.required
        row_id = row.id
    assert manager.post(f"/hr/checklist-template-items/{row_id}/delete").status_code == 302
    with in_tenant(company_a):
        assert db.session.scalar(select(ChecklistTemplateItem).where(
            ChecklistTemplateItem.id == row_id)) is None
    logistics = _client(app, company_a, "logistics_head")
    assert logistics.get("/hr/checklist-templates").status_code == 403
    assert logistics.post(f"/hr/checklist-templates/{template_id}/items",
                          data={"title": "x"}).status_code == 403


def test_start_from_an_existing_candidate_and_cancel(app, company_a, in_tenant):
    def make():
        from tests.hr.lifecycle.helpers import candidate

        return candidate(company_a, "T960", name="候选人甲").id
    employee_id = _in(company_a, in_tenant, make)
    hr = _client(app, company_a, "hr_staff")
    detail = hr.get(f"/hr/employees/{employee_id}").get_data(as_text=True)
    assert 'data-testid="start-onboarding"' in detail
    assert _client(app, company_a, "logistics_head").post(
        f"/hr/employees/{employee_id}/onboarding").status_code == 403
    response = hr.post(f"/hr/employees/{employee_id}/onboarding")
    assert response.status_code == 302 and "/hr/onboarding/" in response.location
    onboarding_id = int(response.location.rsplit("/", 1)[1])
    again = hr.post(f"/hr/employees/{employee_id}/onboarding")  # not a candidate any more
    assert again.status_code == 302 and again.location.endswith(f"/hr/employees/{employee_id}")
    assert hr.post(f"/hr/onboarding/{onboarding_id}/cancel", data={"reason": ""}
                   ).status_code == 422
    assert hr.post(f"/hr/onboarding/{onboarding_id}/cancel", data={"reason": "未到岗"}
                   ).status_code == 302
    with in_tenant(company_a):
        assert db.session.scalar(select(Employee.status).where(
            Employee.id == employee_id)) == "candidate"
    lifecycle = hr.get("/hr/lifecycle").get_data(as_text=True)
    assert "候选人甲" not in _section(lifecycle, "open-onboardings")


def test_logistics_closes_the_issued_items_and_hr_records_the_exit(app, company_a, in_tenant):
    def approved():
        from datetime import date

        from app.blueprints.hr import offboarding

        person = company_a.employees["therapist"]
        db.session.add_all([IssuedItem(employee_id=person.id, name=name,
                                       issued_on=date(2025, 1, 2)) for name in ("工服", "工牌")])
        request = offboarding.request_offboarding(
            person, kind="termination", reason="多次旷工",
            last_day=checklists.tenant_today() + timedelta(days=3))
        offboarding.approve_offboarding(request, company_a.accounts["hr_manager"])
        return request.id
    offboarding_id = _in(company_a, in_tenant, approved)
    with in_tenant(company_a):
        issued = dict(db.session.execute(select(IssuedItem.name, IssuedItem.id)).all())
    logistics = _client(app, company_a, "logistics_head")
    page = logistics.get(f"/hr/offboarding/{offboarding_id}").get_data(as_text=True)
    assert "未归还，扣款" in page and "多次旷工" in page
    assert _client(app, company_a, "hr_staff").post(
        f"/hr/issued-items/{issued['工服']}/return").status_code == 403
    response = logistics.post(f"/hr/issued-items/{issued['工服']}/return",
                              data={"next_offboarding": offboarding_id})
    assert response.location.endswith(f"/hr/offboarding/{offboarding_id}")
    logistics.post(f"/hr/issued-items/{issued['工牌']}/charge",
                   data={"charge": "20", "next_offboarding": offboarding_id})
    with in_tenant(company_a):
        rows = dict(db.session.execute(select(IssuedItem.name, IssuedItem.status)).all())
        assert rows == {"工服": "returned", "工牌": "charged"}
    items = _items(company_a, in_tenant, offboarding_id=offboarding_id)
    assert _tick(logistics, items["归还物品"]).status_code == 302
    finance_page = _client(app, company_a, "finance_manager").get(
        f"/hr/offboarding/{offboarding_id}").get_data(as_text=True)
    assert 'value="-20.00"' in finance_page  # the charge feeds the settlement

    manager = _client(app, company_a, "hr_manager")
    response = manager.post(f"/hr/offboarding/{offboarding_id}/record", data={
        "handover_note": "顾客名单交给 3 号", "exit_interview": "对排班不满"})
    assert response.status_code == 302
    with in_tenant(company_a):
        record = db.session.scalar(select(Offboarding).where(Offboarding.id == offboarding_id))
        assert (record.handover_note, record.exit_interview) == ("顾客名单交给 3 号", "对排班不满")
    assert logistics.post(f"/hr/offboarding/{offboarding_id}/record",
                          data={"handover_note": "x"}).status_code == 403


def test_the_hr_manager_rejects_or_cancels(app, company_a, in_tenant):
    employee_id = _in(company_a, in_tenant, lambda: company_a.employees["cashier"].id)
    manager = _client(app, company_a, "hr_manager")
    last_day = _in(company_a, in_tenant,
                   lambda: (checklists.tenant_today() + timedelta(days=20)).isoformat())
    response = manager.post(f"/hr/employees/{employee_id}/offboarding/new", data={
        "kind": "termination", "last_day": last_day, "reason": ""})
    assert response.status_code == 422 and "辞退请写明原因" in response.get_data(as_text=True)
    response = manager.post(f"/hr/employees/{employee_id}/offboarding/new", data={
        "kind": "resignation", "last_day": last_day})
    offboarding_id = int(response.location.rsplit("/", 1)[1])
    # Nobody decides a request they filed themselves.
    refused = manager.post(f"/hr/offboarding/{offboarding_id}/reject",
                           data={"reason": "先谈谈"})
    assert refused.status_code == 422 and "不能审批自己提交的申请" in refused.get_data(
        as_text=True)
    owner = _client(app, company_a, "owner")
    assert owner.post(f"/hr/offboarding/{offboarding_id}/reject",
                      data={"reason": ""}).status_code == 422
    assert owner.post(f"/hr/offboarding/{offboarding_id}/reject",
                      data={"reason": "先谈谈"}).status_code == 302
    response = _client(app, company_a, "hr_staff").post(
        f"/hr/employees/{employee_id}/offboarding/new", data={
            "kind": "resignation", "last_day": last_day})
    second = int(response.location.rsplit("/", 1)[1])
    assert manager.post(f"/hr/offboarding/{second}/approve").status_code == 302
    with in_tenant(company_a):
        employee = db.session.scalar(select(Employee).where(Employee.id == employee_id))
        assert employee.status == "offboarding" and employee.last_day.isoformat() == last_day
    assert manager.post(f"/hr/offboarding/{second}/cancel",
                        data={"reason": "留下了"}).status_code == 302
    with in_tenant(company_a):
        employee = db.session.scalar(select(Employee).where(Employee.id == employee_id))
        assert employee.status == "active" and employee.last_day is None


def test_probation_review_from_the_employee_page(app, company_a, in_tenant):
    def on_probation():
        person = company_a.employees["receptionist"]
        person.status = "probation"
        person.probation_ends_on = checklists.tenant_today() + timedelta(days=2)
        return person.id
    employee_id = _in(company_a, in_tenant, on_probation)
    hr = _client(app, company_a, "hr_staff")
    due = _section(hr.get("/hr/").get_data(as_text=True), "due-reviews")
    assert f"/hr/employees/{employee_id}" in due
    page = hr.get(f"/hr/employees/{employee_id}").get_data(as_text=True)
    assert 'data-testid="probation-review"' in page
    assert _client(app, company_a, "store_manager").post(
        f"/hr/employees/{employee_id}/probation-review",
        data={"outcome": "confirm"}).status_code == 403
    response = hr.post(f"/hr/employees/{employee_id}/probation-review",
                       data={"outcome": "end", "note": ""})
    assert response.location.endswith(f"/hr/employees/{employee_id}")  # the note is needed
    response = hr.post(f"/hr/employees/{employee_id}/probation-review",
                       data={"outcome": "end", "note": "服务态度差"})
    assert "/hr/offboarding/" in response.location
    with in_tenant(company_a):
        request = db.session.scalar(select(Offboarding).where(
            Offboarding.employee_id == employee_id))
        assert request.kind == "termination" and request.status == "requested"
