"""人力资源部's kinds of the one approval flow (app/approvals.py).

请假 and 加班 (store manager; long leave: HR), 奖惩 and 人事变动 and 离职 (HR
manager), 个税期初 (HR manager), 工资表 (finance reviews, the general manager approves; the
submitter, reviewer and approver are three different people).  Each kind's
``approve``/``reject`` is the department's own function, which calls
``approvals.decide`` itself.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app import approvals, duties
from app.approvals import ApprovalKind, Step
from app.blueprints.hr import changes, offboarding, rewards, tax_opening
from app.blueprints.hr.common import HrError
from app.blueprints.hr.models import (
    EmployeeChange,
    LeaveRequest,
    Offboarding,
    OvertimeRequest,
    PayrollRun,
    RewardPenalty,
    TaxOpeningRequest,
)
from app.blueprints.hr.payroll import lifecycle as payroll
from app.blueprints.hr.time import NotAllowed, leave
from app.extensions import db
from app.models import Position


def _name(row) -> str:
    employee = row.__dict__.get("employee")
    return employee.name if employee is not None else f"#{row.employee_id}"


def _change_refusal(change, actor) -> str | None:
    """Who approves a change gives its new role and touches the person's logins
    (app/duties.py): the HR manager does not make a general manager."""
    refusal = duties.employee_refusal(actor, change.employee_id) or duties.logins_refusal(
        actor, change.employee_id)
    if refusal is None and change.new_position_id is not None:
        position = db.session.get(Position, change.new_position_id)
        if position is not None:
            refusal = duties.role_refusal(actor, position.role)
    return refusal[1] if refusal else None


def _offboarding_refusal(offboarding, actor) -> str | None:
    """Approving an offboarding disables every login of the person."""
    refusal = duties.employee_refusal(actor, offboarding.employee_id) or duties.logins_refusal(
        actor, offboarding.employee_id)
    return refusal[1] if refusal else None


def _hr_days() -> str:
    return _("超过 %(n)s 天的请假须由人力资源审批", n=leave.hr_approval_days())


LEAVE = ApprovalKind(
    name=leave.LEAVE_KIND, label=_l("请假"), model=LeaveRequest,
    steps=(
        Step("store", "pending", "leave.approve", _l("店长审批"),
             applies=lambda row: not row.needs_hr),
        Step("hr", "pending", "leave.approve_long", _l("人力资源审批"), scoped=False,
             applies=lambda row: row.needs_hr, denied=lambda row: _hr_days()),
    ),
    submitter=lambda row: row.requested_by_account_id,
    subject=lambda row: row.employee_id,
    store=lambda row: row.store_id,
    store_column=LeaveRequest.store_id,
    approve=lambda row, actor, note: leave.approve_leave(row, actor, note),
    reject=lambda row, actor, note: leave.reject_leave(row, actor, note),
    describe=lambda row: _("%(name)s 请假 %(first)s 至 %(last)s（%(days)s 天）",
                           name=_name(row), first=row.starts_on.isoformat(),
                           last=row.ends_on.isoformat(), days=row.days),
    url=lambda row: url_for("hr.time_leave", status="pending"),
    submitted_at=lambda row: row.created_at,
    inbox_options=(joinedload(LeaveRequest.employee),),
    refusal_error=NotAllowed,
)

OVERTIME = ApprovalKind(
    name=leave.OVERTIME_KIND, label=_l("加班"), model=OvertimeRequest,
    steps=(Step("store", "pending", "leave.approve", _l("店长审批")),),
    submitter=lambda row: row.requested_by_account_id,
    subject=lambda row: row.employee_id,
    store=lambda row: row.store_id,
    store_column=OvertimeRequest.store_id,
    approve=lambda row, actor, note: leave.approve_overtime(row, actor, note),
    reject=lambda row, actor, note: leave.reject_overtime(row, actor, note),
    describe=lambda row: _("%(name)s %(day)s 加班 %(hours)s 小时", name=_name(row),
                           day=row.work_date.isoformat(), hours=row.hours),
    url=lambda row: url_for("hr.time_leave", status="pending"),
    submitted_at=lambda row: row.created_at,
    inbox_options=(joinedload(OvertimeRequest.employee),),
    refusal_error=NotAllowed,
)

REWARD = ApprovalKind(
    name=rewards.KIND, label=_l("奖惩"), model=RewardPenalty,
    steps=(Step("hr", "pending", "reward.approve", _l("人力资源审批")),),
    submitter=lambda row: row.requested_by_account_id,
    subject=lambda row: row.employee_id,
    store=lambda row: row.store_id,
    store_column=RewardPenalty.store_id,
    amount=lambda row: row.amount,
    approve=lambda row, actor, note: rewards.approve_reward(row, actor=actor, note=note),
    reject=lambda row, actor, note: rewards.reject_reward(row, note, actor=actor),
    describe=lambda row: _("%(name)s %(kind)s ¥%(amount)s：%(reason)s", name=_name(row),
                           kind=rewards.KIND_LABELS.get(row.kind, row.kind),
                           amount=row.amount, reason=row.reason),
    url=lambda row: url_for("hr.rewards_list", month=row.effective_on.strftime("%Y-%m"),
                            status="pending"),
    submitted_at=lambda row: row.created_at,
    inbox_options=(joinedload(RewardPenalty.employee),),
    refusal_error=HrError,
)

CHANGE = ApprovalKind(
    name=changes.KIND, label=_l("人事变动"), model=EmployeeChange,
    steps=(Step("hr", "pending", "employee.change_approve", _l("人力资源经理审批"),
                scoped=False),),
    submitter=lambda row: row.requested_by_account_id,
    subject=lambda row: row.employee_id,
    store=lambda row: row.new_store_id or row.old_store_id,
    approve=lambda row, actor, note: changes.approve_change(row, actor=actor),
    reject=lambda row, actor, note: changes.reject_change(row, note, actor=actor),
    describe=lambda row: _("%(name)s %(kind)s，%(day)s 生效", name=_name(row),
                           kind=changes.KIND_LABELS.get(row.kind, row.kind),
                           day=row.effective_on.isoformat()),
    url=lambda row: url_for("hr.changes_list", status="pending"),
    submitted_at=lambda row: row.created_at,
    inbox_options=(joinedload(EmployeeChange.employee),),
    refusal_error=HrError,
    extra_refusal=_change_refusal,
)

OFFBOARDING = ApprovalKind(
    name=offboarding.KIND, label=_l("离职"), model=Offboarding,
    steps=(Step("hr", "requested", "employee.change_approve", _l("人力资源经理审批"),
                scoped=False),),
    submitter=lambda row: row.requested_by_account_id,
    subject=lambda row: row.employee_id,
    store=lambda row: None,
    approve=lambda row, actor, note: offboarding.approve_offboarding(row, actor),
    reject=lambda row, actor, note: offboarding.reject_offboarding(row, actor, note),
    reject_needs_note=True,
    describe=lambda row: _("%(name)s 离职，最后工作日 %(day)s", name=_name(row),
                           day=row.last_day.isoformat()),
    url=lambda row: url_for("hr.offboarding_detail", offboarding_id=row.id),
    submitted_at=lambda row: row.created_at,
    inbox_options=(joinedload(Offboarding.employee),),
    refusal_error=HrError,
    extra_refusal=_offboarding_refusal,
)


TAX_OPENING = ApprovalKind(
    name=tax_opening.KIND, label=_l("个税期初"), model=TaxOpeningRequest,
    steps=(Step("hr", "pending", "employee.change_approve", _l("人力资源经理审批"),
                scoped=False),),
    submitter=lambda row: row.requested_by_account_id,
    subject=lambda row: row.employee_id,
    store=lambda row: None,
    approve=lambda row, actor, note: tax_opening.approve_request(row, actor, note),
    reject=lambda row, actor, note: tax_opening.reject_request(row, actor, note),
    describe=lambda row: _("%(name)s %(year)s 年个税期初：累计应税收入 ¥%(taxable)s，"
                           "累计已扣个税 ¥%(tax)s", name=_name(row), year=row.year,
                           taxable=row.cumulative_taxable, tax=row.cumulative_tax),
    url=lambda row: url_for("hr.employee_detail", employee_id=row.employee_id) + "#tax",
    submitted_at=lambda row: row.created_at,
    inbox_options=(joinedload(TaxOpeningRequest.employee),),
    refusal_error=HrError,
)


def _run_label(run: PayrollRun) -> str:
    month = run.month.strftime("%Y-%m")
    return _("%(month)s 工资表（%(n)s 人，实发 ¥%(net)s）", month=month, n=run.employee_count,
             net=run.total_net)


PAYROLL = ApprovalKind(
    name=payroll.KIND, label=_l("工资表"), model=PayrollRun,
    steps=(
        Step("review", "submitted", "payroll.review", _l("财务复核"), scoped=False),
        Step("approve", "reviewed", "payroll.approve", _l("总经理审批"), scoped=False),
    ),
    submitter=lambda run: run.submitted_by_account_id,
    subject=lambda run: None,
    store=lambda run: run.store_id,
    amount=lambda run: run.total_net,
    earlier_deciders=lambda run: {run.submitted_by_account_id, run.reviewed_by_account_id},
    distinct_people=True,
    reject_needs_note=True,
    approve=lambda run, actor, note: payroll.advance_run(run, actor, note),
    reject=lambda run, actor, note: payroll.send_back(run, actor, note),
    describe=_run_label,
    url=lambda run: url_for("hr.payroll_run", run_id=run.id),
    submitted_at=lambda run: run.submitted_at,
    refusal_error=payroll.PayrollError,
)


def register() -> None:
    for kind in (LEAVE, OVERTIME, REWARD, CHANGE, OFFBOARDING, TAX_OPENING, PAYROLL):
        approvals.register_kind(kind)
