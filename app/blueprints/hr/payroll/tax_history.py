"""个税 history of a run (累计预扣法): the year's opening balances and earlier payslips."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.hr.models import (
    PayrollRun,
    Payslip,
    TaxOpeningBalance,
)
from app.blueprints.hr.payroll.rules import TaxHistory
from app.extensions import db


@dataclass
class TaxRecords:
    opening: dict[int, tuple[Decimal, Decimal]]
    earlier: dict[int, tuple[Decimal, Decimal]]


def load_tax_history(ids: list[int], first: date) -> TaxRecords:
    opening = {
        row.employee_id: (Decimal(row.cumulative_taxable), Decimal(row.cumulative_tax))
        for row in db.session.execute(
            select(TaxOpeningBalance.employee_id, TaxOpeningBalance.cumulative_taxable,
                   TaxOpeningBalance.cumulative_tax)
            .where(TaxOpeningBalance.employee_id.in_(ids),
                   TaxOpeningBalance.year == first.year))
    }
    latest: dict[tuple[int, date], tuple[int, Decimal, Decimal]] = {}
    for row in db.session.execute(
            select(Payslip.employee_id, Payslip.month, Payslip.run_id, Payslip.taxable,
                   Payslip.iit)
            .join(PayrollRun, PayrollRun.id == Payslip.run_id)
            .where(Payslip.employee_id.in_(ids), Payslip.month >= date(first.year, 1, 1),
                   Payslip.month < first, PayrollRun.status != "failed")):
        key = (row.employee_id, row.month)
        if key not in latest or row.run_id > latest[key][0]:
            latest[key] = (row.run_id, Decimal(row.taxable), Decimal(row.iit))
    earlier: dict[int, tuple[Decimal, Decimal]] = {}
    for (employee_id, _month), (_run, taxable, iit) in sorted(latest.items()):
        held = earlier.get(employee_id, (Decimal(0), Decimal(0)))
        earlier[employee_id] = (held[0] + taxable, held[1] + iit)
    return TaxRecords(opening=opening, earlier=earlier)


def tax_history_for(tax: TaxRecords, employee, first: date) -> TaxHistory:
    opening = tax.opening.get(employee.id, (Decimal(0), Decimal(0)))
    earlier = tax.earlier.get(employee.id, (Decimal(0), Decimal(0)))
    hired = employee.hire_date
    from_month = hired.month if hired.year == first.year else 1
    return TaxHistory(opening_taxable=opening[0], opening_tax=opening[1],
                      earlier_taxable=earlier[0], earlier_tax=earlier[1],
                      months=max(1, first.month - from_month + 1))
