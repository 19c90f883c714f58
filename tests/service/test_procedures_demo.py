"""The demo's procedures and evaluations: five procedures (the cashier's in two
versions), most staff have read them and a few not, a month of evaluations; a second
load adds nothing."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.blueprints.service import procedures
from app.blueprints.service.models_procedures import (
    Procedure,
    ProcedureAcknowledgement,
    ProcedureVersion,
    ServiceEvaluation,
)
from app.demo import service_procedures
from app.demo.head_office import HeadOfficeDemo
from app.extensions import db
from app.models import Employee, Position, Store


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.both_backends
def test_the_demo_loads_once_with_readers_missing_and_a_month_of_evaluations(
        company_a, in_tenant):
    with in_tenant(company_a):
        greeter_post = db.session.scalar(select(Position.id).where(Position.role == "greeter"))
        # More greeters, so the fixed "has not read" rule leaves someone out.
        db.session.add_all(Employee(employee_no=f"7{n:02d}", name=f"迎宾{n}",
                                    store_id=company_a.stores[n % 2].id,
                                    position_id=greeter_post, status="active")
                           for n in range(12))
        db.session.flush()

        def demo() -> HeadOfficeDemo:
            return HeadOfficeDemo(
                company_a.tenant_id, date(2026, 11, 20), random.Random(13),
                list(db.session.scalars(select(Store).order_by(Store.code))),
                company_a.accounts,
                list(db.session.scalars(select(Employee).order_by(Employee.id))))

        first = demo()
        service_procedures.load(first)
        assert first.rows["service procedures"] == 5
        assert _count(Procedure) == 5
        cashier = db.session.scalar(select(Procedure).join(Position, Position.id ==
                                    Procedure.position_id).where(Position.role == "cashier"))
        assert [(v.number, v.status) for v in procedures.versions_of(cashier)] == [
            (2, "published"), (1, "archived")]
        greeters = db.session.scalar(select(Procedure).where(
            Procedure.position_id == greeter_post))
        readings = procedures.readings(greeters)
        read = sum(len(r.read) for r in readings)
        unread = sum(len(r.unread) for r in readings)
        assert read > unread > 0
        assert first.rows["service evaluations"] > 0
        # Every evaluated employee of store 1 (greeter, receptionist, cashier, cleaner
        # and the extra greeters) has one in October and one in November.
        octobers = db.session.scalars(select(ServiceEvaluation).where(
            ServiceEvaluation.evaluated_on < date(2026, 11, 1))).all()
        assert len(octobers) == first.rows["service evaluations"] // 2
        assert all(Decimal("20") <= e.total <= Decimal("100") for e in octobers)

        counts = (_count(Procedure), _count(ProcedureVersion),
                  _count(ProcedureAcknowledgement), _count(ServiceEvaluation))
        again = demo()
        service_procedures.load(again)
        assert not again.changed, again.summary()
        assert counts == (_count(Procedure), _count(ProcedureVersion),
                          _count(ProcedureAcknowledgement), _count(ServiceEvaluation))
