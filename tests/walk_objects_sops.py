"""Procedures and service-skill evaluations for the isolation walk (tests/walk_objects.py):
a published procedure of the greeter's post (company-wide: no store) and an evaluation
of a cleaner of store ``n`` (store-scoped)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.service.models_procedures import (
    Procedure,
    ProcedureVersion,
    ServiceEvaluation,
    ServiceEvaluationScore,
)
from app.extensions import db
from app.models import Employee, Position


def sops_objects(company, n: int) -> dict:
    positions = {p.role: p.id for p in db.session.scalars(select(Position))}
    procedure = Procedure(position_id=positions["greeter"])
    cleaner = Employee(employee_no=f"SOP{n}", name=f"卫生员{n}", store_id=company.stores[n].id,
                       position_id=positions["cleaner"], status="active")
    db.session.add_all([procedure, cleaner])
    db.session.flush()
    version = ProcedureVersion(procedure_id=procedure.id, number=1, title=f"迎宾流程{n}",
                               body="1. 微笑问候", status="published")
    evaluation = ServiceEvaluation(store_id=company.stores[n].id, employee_id=cleaner.id,
                                   position_code="cleaner", evaluated_on=date(2026, 11, 5),
                                   total=Decimal("80.00"))
    db.session.add_all([version, evaluation])
    db.session.flush()
    db.session.add(ServiceEvaluationScore(evaluation_id=evaluation.id, criterion="appearance",
                                          weight=10, score=4))
    # Called after seed_objects' own commit (in its returned dict): commit here.
    db.session.commit()
    return {"procedure_id": procedure.id, "procedure_version_id": version.id,
            "evaluation_id": evaluation.id}
