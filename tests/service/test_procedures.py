"""服务规范 (SOP) as rules: a procedure per position, versioned; editing a published one
publishes a new version and archives the old; staff acknowledge only their own
position's current version, and a new version asks again; the service manager sees
per store who has read it and who not."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.blueprints.service import procedures as service
from app.blueprints.service.models_procedures import ProcedureVersion
from app.extensions import db
from app.models import Employee, Position

STEPS = "1. 客人进门三米微笑，五米问候\n2. 引导客人至前台\n3. 为客人换鞋"


def _position(role: str) -> Position:
    return db.session.scalar(select(Position).where(Position.role == role))


def _greeter_sop(company, publish: bool = True):
    return service.create_procedure(
        {"position_id": _position("greeter").id, "title": "迎宾接待流程", "body": STEPS,
         "publish": publish}, company.accounts["service_manager"])


@pytest.mark.both_backends
def test_editing_a_published_procedure_publishes_a_new_version_and_asks_again(
        company_a, in_tenant):
    with in_tenant(company_a):
        procedure = _greeter_sop(company_a)
        first = service.current_version(procedure)
        assert (first.number, first.status, first.steps[0]) == (
            1, "published", "1. 客人进门三米微笑，五米问候")
        greeter = company_a.accounts["greeter"]
        service.acknowledge(first, greeter)
        assert service.my_procedures(greeter)[0].acknowledged_at is not None

        manager = company_a.accounts["service_manager"]
        second = service.edit_procedure(procedure, {
            "title": "迎宾接待流程", "body": STEPS + "\n4. 送客至门口并道别",
            "change_note": "新增送客"}, manager)
        db.session.refresh(first)
        assert (second.number, second.status) == (2, "published")
        # The old version is kept, archived and unchanged: nothing is deleted.
        assert (first.status, first.body) == ("archived", STEPS)
        assert [v.number for v in service.versions_of(procedure)] == [2, 1]
        # The greeter must read again: the acknowledgement was of version 1.
        mine = service.my_procedures(greeter)
        assert [(m.version.number, m.acknowledged_at) for m in mine] == [(2, None)]
        # Version 1 can no longer be acknowledged.
        with pytest.raises(service.ProcedureError) as old:
            service.acknowledge(first, greeter)
        assert old.value.field == "procedure_version_id"
        service.acknowledge(second, greeter)
        assert service.my_procedures(greeter)[0].acknowledged_at is not None
        # Acknowledging twice keeps one row.
        again = service.acknowledge(second, greeter)
        assert again.version_id == second.id
        assert db.session.scalar(select(db.func.count()).select_from(
            service.ProcedureAcknowledgement)) == 2


def test_a_draft_is_edited_in_place_and_not_shown_to_staff(company_a, in_tenant):
    with in_tenant(company_a):
        procedure = _greeter_sop(company_a, publish=False)
        greeter = company_a.accounts["greeter"]
        assert service.my_procedures(greeter) == []
        assert service.readings(procedure) == []
        manager = company_a.accounts["service_manager"]
        draft = service.edit_procedure(procedure, {"title": "迎宾流程", "body": STEPS},
                                       manager)
        assert (draft.number, draft.status, draft.title) == (1, "draft", "迎宾流程")
        published = service.publish(procedure, manager)
        assert (published.number, published.status) == (1, "published")
        with pytest.raises(service.ProcedureError) as nothing:
            service.publish(procedure, manager)
        assert nothing.value.field == "status"
        # Saving a published procedure with the same text is not a new version.
        with pytest.raises(service.ProcedureError) as same:
            service.edit_procedure(procedure, {"title": "迎宾流程", "body": STEPS}, manager)
        assert same.value.field == "body"
        assert len(service.versions_of(procedure)) == 1


def test_only_the_own_positions_procedure_can_be_acknowledged(company_a, in_tenant):
    with in_tenant(company_a):
        version = service.current_version(_greeter_sop(company_a))
        with pytest.raises(service.ProcedureError) as wrong:
            service.acknowledge(version, company_a.accounts["cashier"])
        assert wrong.value.field == "procedure_version_id"
        assert "岗位" in wrong.value.message
        # The owner has no employee file: nothing to acknowledge.
        with pytest.raises(service.ProcedureError):
            service.acknowledge(version, company_a.accounts["owner"])
        assert service.my_procedures(company_a.accounts["cashier"]) == []


def test_bad_input_names_the_field(company_a, in_tenant):
    with in_tenant(company_a):
        manager = company_a.accounts["service_manager"]
        with pytest.raises(service.ProcedureError) as bad:
            service.create_procedure({"position_id": "x", "title": " ", "body": ""}, manager)
        assert set(bad.value.fields) == {"position_id", "title", "body"}
        owner_post = _position("owner")
        with pytest.raises(service.ProcedureError) as owner:
            service.create_procedure({"position_id": owner_post.id, "title": "t",
                                      "body": "1. x"}, manager)
        assert owner.value.field == "position_id"
        assert db.session.scalar(select(db.func.count()).select_from(ProcedureVersion)) == 0


def test_who_has_not_read_the_current_version_per_store(company_a, in_tenant):
    with in_tenant(company_a):
        greeter = company_a.employees["greeter"]
        # A second greeter in store 1 and one in store 2; one who left does not count.
        second = Employee(employee_no="901", name="迎宾二", store_id=company_a.store.id,
                          position_id=greeter.position_id, status="active")
        other = Employee(employee_no="902", name="迎宾三", store_id=company_a.stores[1].id,
                         position_id=greeter.position_id, status="probation")
        gone = Employee(employee_no="903", name="离职迎宾", store_id=company_a.store.id,
                        position_id=greeter.position_id, status="left")
        db.session.add_all([second, other, gone])
        db.session.flush()
        procedure = _greeter_sop(company_a)
        service.acknowledge(service.current_version(procedure), company_a.accounts["greeter"])

        readings = service.readings(procedure)
        summary = [(r.store.id, [e.name for e, _when in r.read], [e.name for e in r.unread])
                   for r in readings]
        assert summary == [(company_a.store.id, [greeter.name], ["迎宾二"]),
                           (company_a.stores[1].id, [], ["迎宾三"])]
        row = service.procedure_rows()[0]
        assert (row.acknowledged, row.staff) == (1, 3)
        # A store role's view stays in its stores.
        assert [r.store.id for r in service.readings(procedure, {company_a.store.id})] == [
            company_a.store.id]
