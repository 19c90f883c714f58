"""Small builders for the HR tests (no HTTP, no commit)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import Employee, Position


def position(role: str) -> Position:
    """The company's position for ``role`` (every company has one per role)."""
    return db.session.scalar(select(Position).where(Position.role == role))


def add_employee(employee_no: str, role: str = "therapist", store=None, **kwargs) -> Employee:
    employee = Employee(
        employee_no=employee_no,
        name=kwargs.pop("name", f"员工{employee_no}"),
        gender=kwargs.pop("gender", "female"),
        phone=kwargs.pop("phone", f"1390000{employee_no[-4:]:0>4}"),
        store_id=store.id if store is not None else None,
        position_id=position(role).id,
        status=kwargs.pop("status", "active"),
        hire_date=kwargs.pop("hire_date", date(2025, 3, 1)),
        **kwargs,
    )
    db.session.add(employee)
    db.session.flush()
    return employee
