"""The demo's dormitories and staff items (app/demo/logistics_people.py)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.blueprints.hr.models import IssuedItem
from app.blueprints.logistics import dorms, issued_items
from app.blueprints.logistics.models import DormAssignment, Dormitory
from app.demo.hr import load_hr
from app.demo.loader import load_demo
from app.demo.logistics import load_logistics
from app.extensions import db
from app.models import Employee
from app.tenancy import tenant_context
from app.tenants import find_tenant_by_code


def test_demo_dormitories_and_items(app):
    load_demo()
    load_hr("yuezu")
    db.session.commit()
    result = load_logistics("yuezu")
    db.session.commit()
    assert result.rows["dormitories"] == 3 and result.rows["dorm stays"] > 10
    with tenant_context(find_tenant_by_code("yuezu").id):
        genders = {d.gender for d in db.session.scalars(select(Dormitory))}
        assert genders == {"female", "male"}
        open_stays = db.session.execute(
            select(DormAssignment, Employee).join(Employee, Employee.id ==
                                                  DormAssignment.employee_id)
            .where(DormAssignment.moved_out_on.is_(None))).all()
        assert open_stays and all(p.status != "left" for _s, p in open_stays)
        assert len({s.bed_id for s, _p in open_stays}) == len(open_stays)
        assert db.session.scalar(select(func.count()).select_from(DormAssignment).where(
            DormAssignment.moved_out_on.is_not(None))) > 0
        assert dorms.left_still_in_bed() == []
        kinds = {k for (k,) in db.session.execute(select(IssuedItem.kind).distinct())}
        assert {"uniform", "key", "badge"} <= kinds
        out = dict(issued_items.out_by_store(None))
        assert sum(c.total for c in out.values()) > 50
