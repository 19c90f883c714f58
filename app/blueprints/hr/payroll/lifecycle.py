"""工资表 lifecycle: a run's statuses and its steps after computing, each audited.

draft → submitted (HR, ``payroll.run``) → reviewed (finance, ``payroll.review``)
→ approved (GM, ``payroll.approve``) → paid (finance, ``payroll.pay``), and 退回
to draft with a reason (specs/payroll.md; the rules are in run.py's docstring).
Plain functions: they lock the run, add/flush, write the audit entry, never commit.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import approvals
from app.audit import record_audit
from app.blueprints.hr.common import HrError
from app.blueprints.hr.models import PayrollRun
from app.extensions import db
from app.jobs.models import JobRecord
from app.models.base import utcnow

FROZEN = ("approved", "paid")


RUN_STATUS_LABELS = {
    "queued": _l("待计算"),
    "draft": _l("草稿"),
    "submitted": _l("已提交"),
    "reviewed": _l("已复核"),
    "approved": _l("已审批"),
    "paid": _l("已发放"),
    "failed": _l("计算失败"),
}


# Transition -> (from status, to status, permission, audit action, stamp prefix).
TRANSITIONS = {
    "submit": ("draft", "submitted", "payroll.run", "payroll.submit", "submitted"),
    "review": ("submitted", "reviewed", "payroll.review", "payroll.review", "reviewed"),
    "approve": ("reviewed", "approved", "payroll.approve", "payroll.approve", "approved"),
    "pay": ("approved", "paid", "payroll.pay", "payroll.pay", "paid"),
}


# The steps that are decisions of the one approval flow (hr/approval_kinds.py).
KIND = "payroll_run"
DECISIONS = ("review", "approve")

# Who may send a run back to draft, by the run's status.
REOPEN_PERMISSIONS = {
    "submitted": ("payroll.run", "payroll.review"),
    "reviewed": ("payroll.review", "payroll.approve"),
}


class PayrollError(HrError):
    """A payroll action that cannot be done as asked (names the field)."""


def run_status_label(status: str) -> str:
    label = RUN_STATUS_LABELS.get(status)
    return str(label) if label is not None else status


def month_start(value: date | str) -> date:
    """The first day of a month given as a date or ``YYYY-MM`` / ``YYYY-MM-DD``."""
    if isinstance(value, str):
        try:
            parts = [int(p) for p in value.strip().split("-")]
            value = date(parts[0], parts[1], 1)
        except (ValueError, IndexError):
            raise PayrollError.on("month", "月份格式应为 YYYY-MM") from None
    return value.replace(day=1)


def scope_of(store_id: int | None) -> str:
    return "all" if store_id is None else f"store:{store_id}"


def job_of(run: PayrollRun) -> JobRecord | None:
    if run.job_record_id is None:
        return None
    return db.session.get(JobRecord, run.job_record_id)


def job_active(record: JobRecord | None) -> bool:
    return record is not None and record.status in ("queued", "running")


def _lock(run: PayrollRun | int) -> PayrollRun:
    run_id = run if isinstance(run, int) else run.id
    locked = db.session.scalar(select(PayrollRun).where(PayrollRun.id == run_id)
                               .with_for_update().execution_options(populate_existing=True))
    if locked is None:
        raise PayrollError.on("run_id", "工资表不存在")
    return locked


def transition(run: PayrollRun | int, action: str, actor=None, note: str = "") -> PayrollRun:
    """提交 / 复核 / 审批 / 发放: move the run one step (``TRANSITIONS``), audited.

    The caller checks the permission (TRANSITIONS[action][2]).  复核 and 审批 are
    decisions of the one approval flow (``DECISIONS``): the submitter, the reviewer
    and the approver are three different people (app/approvals.py).
    """
    if action not in TRANSITIONS:
        raise PayrollError.on("action", "未知的操作")
    source, target, _permission, audit_action, stamp = TRANSITIONS[action]
    run = _lock(run)
    if job_active(job_of(run)):
        raise PayrollError.on("status", "工资正在计算，请等计算完成")
    if run.status != source:
        raise PayrollError.on("status", f"工资表{run_status_label(run.status)}，"
                                        f"不能{_ACTION_WORDS[action]}")
    if action == "submit" and run.employee_count == 0:
        raise PayrollError.on("status", "工资表没有工资条，不能提交")
    if action in DECISIONS:
        approvals.decide(KIND, run, actor, approvals.APPROVED, note)
    before = {"status": run.status}
    run.status = target
    setattr(run, f"{stamp}_at", utcnow())
    setattr(run, f"{stamp}_by_account_id", getattr(actor, "id", None))
    record_audit(audit_action, "payroll_run", run.id, before=before,
                 after={"status": target, "month": f"{run.month:%Y-%m}", "scope": run.scope,
                        "total_net": str(run.total_net), "employees": run.employee_count},
                 actor=actor)
    db.session.flush()
    return run


def advance_run(run: PayrollRun, actor, note: str = "") -> PayrollRun:
    """The approval flow's 批准 of a run: 复核 when submitted, 审批 when reviewed."""
    action = {"submitted": "review", "reviewed": "approve"}.get(run.status)
    if action is None:
        raise PayrollError.on("status", f"工资表{run_status_label(run.status)}，不在审批中")
    return transition(run, action, actor=actor, note=note)


def send_back(run: PayrollRun, actor, note: str = "") -> PayrollRun:
    """The approval flow's 驳回 of a run: 退回 to draft with the reason."""
    return reopen_run(run, note, actor=actor)


_ACTION_WORDS = {"submit": "提交", "review": "复核", "approve": "审批", "pay": "标记发放"}


def may_transition(account, run: PayrollRun, action: str) -> bool:
    """Whether ``account`` may press the button of ``action`` on ``run`` now."""
    source, _target, permission, _audit, _stamp = TRANSITIONS[action]
    if run.status != source or not account.can(permission):
        return False
    return action not in DECISIONS or approvals.may_decide(KIND, run, account)


def may_reopen(account, run: PayrollRun) -> bool:
    if not any(account.can(p) for p in REOPEN_PERMISSIONS.get(run.status, ())):
        return False
    last_step_by = run.reviewed_by_account_id if run.status == "reviewed" else \
        run.submitted_by_account_id
    return account.id == last_step_by or approvals.may_decide(KIND, run, account)


def reopen_run(run: PayrollRun | int, reason: str, actor=None) -> PayrollRun:
    """退回: a submitted or reviewed run goes back to draft (reason required, audited).

    The caller checks the permission (``may_reopen``).
    """
    reason = (reason or "").strip()
    if not reason:
        raise PayrollError.on("reason", "请填写退回原因")
    if len(reason) > 500:
        raise PayrollError.on("reason", "退回原因不能超过 500 个字符")
    run = _lock(run)
    if run.status not in REOPEN_PERMISSIONS:
        raise PayrollError.on("status", f"工资表{run_status_label(run.status)}，不能退回")
    # Whoever took the last step takes it back (撤回); anyone else sends the run back
    # as a decision of the approval flow (驳回), with its rules.
    last_step_by = run.reviewed_by_account_id if run.status == "reviewed" else \
        run.submitted_by_account_id
    if actor is None or getattr(actor, "id", None) != last_step_by:
        approvals.decide(KIND, run, actor, approvals.REJECTED, reason)
    before = {"status": run.status}
    run.status = "draft"
    run.submitted_at = run.submitted_by_account_id = None
    run.reviewed_at = run.reviewed_by_account_id = None
    record_audit("payroll.reopen", "payroll_run", run.id, before=before,
                 after={"status": "draft", "reason": reason, "month": f"{run.month:%Y-%m}",
                        "scope": run.scope},
                 actor=actor)
    db.session.flush()
    return run


def display_status(run: PayrollRun, record: JobRecord | None = None) -> str:
    """The status to show: a run whose only computation died shows as failed."""
    record = record if record is not None else job_of(run)
    if run.status == "queued" and record is not None and record.status == "failed":
        return "failed"
    return run.status
