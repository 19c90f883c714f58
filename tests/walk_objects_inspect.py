"""Objects of the service department's inspections for the isolation walk and the
permission matrix (tests/walk_objects.py): a checklist template, an inspection of a
store of ``company`` and a follow-up action; committed, as ``{argument name: id}``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.service.models_inspections import (
    FollowUpAction,
    Inspection,
    InspectionTemplate,
    InspectionTemplateItem,
)
from app.extensions import db
from app.models import Employee


def inspect_objects(company, n: int) -> dict[str, int]:
    store = company.stores[n]
    owner = db.session.scalar(select(Employee).where(Employee.store_id == store.id)
                              .order_by(Employee.id).limit(1))
    template = InspectionTemplate(kind="hygiene", name=f"卫生检查 {n}")
    db.session.add(template)
    db.session.flush()
    item = InspectionTemplateItem(template_id=template.id, text="足浴盆消毒", max_points=10)
    inspection = Inspection(store_id=store.id, template_id=template.id, kind="hygiene",
                            inspected_on=date(2026, 11, 2), total_points=8, max_points=10,
                            percentage=Decimal("80.00"))
    db.session.add_all([item, inspection])
    db.session.flush()
    action = FollowUpAction(inspection_id=inspection.id, store_id=store.id, what="除水垢",
                            owner_employee_id=owner.id, due_on=date(2026, 11, 9))
    db.session.add(action)
    db.session.commit()
    return {"inspection_template_id": template.id, "inspection_id": inspection.id,
            "follow_up_id": action.id, "inspection_item_id": item.id}
