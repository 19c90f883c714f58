"""An item with a rubric and pass mark, and therapists in two stores, for exam tests."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.blueprints.technical import exams
from app.extensions import db
from app.models import Employee, Position
from tests.store.helpers import make_catalogue, make_therapists


def make_exam_setup(company) -> dict:
    """足疗 with a rubric 手法 ×2, 力度 ×1, 穴位 ×1 and a pass mark of 80; therapist 801
    in store 1 and 901 in store 2; 精油 needs no exam."""
    items = make_catalogue()
    foot = items["foot"]
    criteria = [exams.add_criterion(foot, name, weight)
                for name, weight in (("手法", "2"), ("力度", "1"), ("穴位", "1"))]
    exams.set_pass_score(foot, "80")
    mine = make_therapists(company.stores[0].id, 1)[0]
    position = db.session.scalar(select(Position).where(Position.role == "therapist"))
    other = Employee(employee_no="901", name="技师901", gender="female",
                     store_id=company.stores[1].id, position_id=position.id, status="active")
    db.session.add(other)
    db.session.flush()
    return {"items": items, "foot": foot, "criteria": criteria, "mine": mine, "other": other,
            "pass": Decimal("80.00")}


def scores(criteria, *values) -> dict:
    return {str(c.id): v for c, v in zip(criteria, values, strict=True)}
