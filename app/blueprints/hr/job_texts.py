"""HR's jobs in words on the jobs page: which month and store a payroll run computes,
whose offboarding a run carries out (app/jobs/display.py calls these, a page at a time)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.blueprints.hr.models import Offboarding, PayrollRun
from app.extensions import db
from app.models import Employee, Store


def describe_payroll_runs(params_list: list[dict]) -> list[str]:
    """"2026年11月 · 全部门店" (or the store's name) for each ``{"run_id": …}``."""
    ids = [p.get("run_id") for p in params_list if isinstance(p.get("run_id"), int)]
    runs = {row.id: row for row in db.session.execute(
        select(PayrollRun.id, PayrollRun.month, PayrollRun.store_id, Store.name)
        .outerjoin(Store, Store.id == PayrollRun.store_id).where(PayrollRun.id.in_(ids)))}
    texts = []
    for params in params_list:
        run = runs.get(params.get("run_id"))
        if run is None:
            texts.append(_("批次 %(id)s", id=params.get("run_id", "—")))
            continue
        where = run.name if run.store_id is not None else _("全部门店")
        texts.append(_("%(year)s年%(month)s月 · %(where)s", year=run.month.year,
                       month=run.month.month, where=where))
    return texts


def describe_offboardings(params_list: list[dict]) -> list[str]:
    """The employee (工号 姓名) and last day of each ``{"offboarding_id": …}``."""
    ids = [p.get("offboarding_id") for p in params_list
           if isinstance(p.get("offboarding_id"), int)]
    found = {row.id: row for row in db.session.execute(
        select(Offboarding.id, Offboarding.last_day, Employee.employee_no, Employee.name)
        .join(Employee, Employee.id == Offboarding.employee_id)
        .where(Offboarding.id.in_(ids)))}
    texts = []
    for params in params_list:
        row = found.get(params.get("offboarding_id"))
        texts.append(_("%(no)s %(name)s · 最后工作日 %(day)s", no=row.employee_no,
                       name=row.name, day=row.last_day.isoformat()) if row is not None
                     else _("离职办理 %(id)s", id=params.get("offboarding_id", "—")))
    return texts
