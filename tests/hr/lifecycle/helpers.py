"""Builders for the 入职 / 离职 tests (no HTTP, no commit)."""

from __future__ import annotations

from sqlalchemy import select

from app.blueprints.hr import onboarding
from app.blueprints.hr.models import ChecklistItem
from app.blueprints.technical.models import TrainingAttendance, TrainingSession
from app.extensions import db
from app.models import Employee
from app.models.base import utcnow
from tests.hr.helpers import add_employee


def candidate(company, number: str = "T900", role: str = "therapist", **kwargs) -> Employee:
    """A candidate of the company's first store (head-office roles: no store)."""
    store = kwargs.pop("store", company.store if role in ("therapist", "cashier") else None)
    return add_employee(number, role=role, store=store, status="candidate", hire_date=None,
                        **kwargs)


def item(onboarding_or_offboarding, title: str) -> ChecklistItem:
    column = (ChecklistItem.onboarding_id if hasattr(onboarding_or_offboarding, "started_on")
              else ChecklistItem.offboarding_id)
    return db.session.scalar(select(ChecklistItem).where(
        column == onboarding_or_offboarding.id, ChecklistItem.title == title))


def pass_pre_job_training(employee_id: int) -> None:
    """The person passed a held pre-job training: the 入职技师审核 refuses "pass" before."""
    session = TrainingSession(topic="岗前培训", kind="pre_job", status="held",
                              trainer_name="培训老师", starts_at=utcnow())
    db.session.add(session)
    db.session.flush()
    db.session.add(TrainingAttendance(session_id=session.id, employee_id=employee_id,
                                      attended=True, passed=True))
    db.session.flush()


def tick_all_required(result, company, *, skip=(), today=None):
    """Tick every required item of an onboarding as its owner department's account."""
    owners = {"hr": "hr_staff", "logistics": "logistics_head",
              "technical": "technical_supervisor", "store": "store_manager",
              "finance": "finance_manager"}
    last = None
    for row in onboarding.items_of(result.onboarding):
        if not row.required or row.done_at or row.action == "create_account" \
                or row.title in skip:
            continue
        actor = company.accounts[owners[row.owner_department]]
        if row.action == "technical_review":
            pass_pre_job_training(row.employee_id)
        last = onboarding.tick_item(row, actor, today=today, outcome="pass"
                                    if row.action == "technical_review" else None)
    return last
