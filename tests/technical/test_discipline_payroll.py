"""An approved 违纪 fine is deducted by the payroll of its month, exactly once; a month
whose payroll is approved takes no more fines (refused, nothing changed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.blueprints.hr.models import PayrollRun, Payslip, RewardPenalty
from app.blueprints.technical import discipline
from app.extensions import db
from app.tenancy import tenant_context
from app.validation import InputError
from tests.hr.payroll import payroll_data as data
from tests.hr.payroll.test_run_lifecycle import computed_run

M = Decimal


def _ladder_to_a_fine(company, person, effective_on):
    supervisor = company.accounts["technical_supervisor"]
    for day in (date(2026, 10, 2), date(2026, 10, 9)):
        warning = discipline.record_discipline(person, "lateness", day, "迟到", supervisor)
        discipline.approve_discipline(warning, company.accounts["technical_director"])
    return discipline.record_discipline(person, "lateness", date(2026, 10, 16), "第三次迟到",
                                        supervisor, fine_amount="50.00",
                                        effective_on=effective_on)


def test_an_approved_fine_is_on_the_payslip_of_its_month_once(app, company_a):
    with tenant_context(company_a.tenant_id):
        person = data.worked_example(company_a)
        fine = _ladder_to_a_fine(company_a, person, date(2026, 11, 20))
        assert fine.step == "fine"
        discipline.approve_discipline(fine, company_a.accounts["hr_manager"])
        # The next one, paid in December: not November's.
        later = discipline.record_discipline(
            person, "lateness", date(2026, 10, 23), "第四次迟到",
            company_a.accounts["technical_supervisor"], fine_amount="70.00",
            effective_on=date(2026, 12, 1))
        discipline.approve_discipline(later, company_a.accounts["hr_manager"])
        person_id = person.id
        db.session.commit()
    november = computed_run(company_a, "2026-11")
    with tenant_context(company_a.tenant_id):
        db.session.expire_all()
        slip = db.session.scalar(select(Payslip).where(Payslip.run_id == november,
                                                       Payslip.employee_id == person_id))
        # The worked example: no fines, gross 9,557.07; the fine comes off once.
        assert slip.fines == M("50.00")
        assert slip.gross == data.WORKED_EXAMPLE["gross"] - M("50.00")
        fines = db.session.execute(select(RewardPenalty.effective_on, RewardPenalty.amount).where(
            RewardPenalty.employee_id == person_id, RewardPenalty.kind == "fine")).all()
        assert sorted(fines) == [(date(2026, 11, 20), M("50.00")), (date(2026, 12, 1),
                                                                    M("70.00"))]


def test_a_fine_into_an_approved_payroll_month_is_refused(app, company_a):
    with tenant_context(company_a.tenant_id):
        person = data.add_therapist(company_a.stores[0], "D9")
        fine = _ladder_to_a_fine(company_a, person, date(2026, 11, 20))
        db.session.add(PayrollRun(month=date(2026, 11, 1), scope="all", status="approved"))
        db.session.commit()
        with pytest.raises(InputError) as error:
            discipline.approve_discipline(fine, company_a.accounts["hr_manager"])
        assert list(error.value.fields) == ["effective_on"]
        assert "2026-11" in error.value.message
        db.session.rollback()
        fine = db.session.get(type(fine), fine.id)
        assert fine.status == "pending" and fine.reward_id is None
        assert db.session.scalar(select(func.count(RewardPenalty.id))) == 0
        # Recording a fine into that month is refused the same way.
        with pytest.raises(InputError) as error:
            discipline.record_discipline(person, "lateness", date(2026, 10, 20), "又迟到",
                                         company_a.accounts["technical_supervisor"],
                                         fine_amount="30", effective_on=date(2026, 11, 25))
        assert list(error.value.fields) == ["effective_on"]
