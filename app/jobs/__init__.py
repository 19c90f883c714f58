"""The job machinery: one decorator, a few named queues, one job record per run.

A department declares a job in its own ``jobs.py``::

    @job("payroll.run", queue="payroll")
    def run_payroll(ctx: JobContext, month: str) -> dict:
        ...
        ctx.progress(50, "半数员工已计算")
        return {"payslips": 120}

and starts it from a service with ``enqueue("payroll.run", month="2026-11")``.
The job record is written in the caller's transaction; the job itself is
handed to RQ (or run inline when no Redis is configured) only after that
transaction commits, so a job never sees data that was rolled back.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.jobs.models import JobRecord
from app.tenancy import TenantScopeError, current_tenant_id
from app.validation import InputError


@dataclass(frozen=True)
class JobSpec:
    kind: str
    func: Callable
    queue: str
    timeout: int
    # A fan-out runs with no tenant and only enqueues per-tenant jobs.
    fan_out: bool = False
    # Users holding ``job.run`` may start it by name (Jobs page, API).
    startable: bool = False
    # The permission a viewer needs to read a run's result and error (a payroll run's
    # totals need payroll.view); None: whoever may see the jobs page (job.view).
    result_permission: str | None = None
    # The job's name on the jobs page, in the trade's words ("计算工资"); None: its kind.
    label: object = None
    # Its parameters in words, a batch at a time (one query for a page of runs):
    # ``describe(list of params) -> list of str``.  None: "name：value" pairs.
    describe: Callable[[list[dict]], list[str]] | None = None


REGISTRY: dict[str, JobSpec] = {}


def job(kind: str, queue: str = "default", timeout: int = 1800, fan_out: bool = False,
        startable: bool = False, result_permission: str | None = None, label: object = None,
        describe: Callable[[list[dict]], list[str]] | None = None):
    """Register ``func(ctx, **params)`` as the job ``kind``.

    ``startable`` lets a user with ``job.run`` start it by name (``start_job``);
    ``result_permission`` keeps its result and error from those without it;
    ``label`` and ``describe`` name the run and its parameters on the jobs page.
    """

    def decorator(func: Callable) -> Callable:
        if kind in REGISTRY and REGISTRY[kind].func is not func:
            raise ValueError(f"job kind {kind!r} registered twice")
        REGISTRY[kind] = JobSpec(kind, func, queue, timeout, fan_out, startable,
                                 result_permission, label, describe)
        func.job_kind = kind
        return func

    return decorator


def result_visible(record: JobRecord, viewer) -> bool:
    """Whether ``viewer`` may read the run's result and error (see JobSpec)."""
    spec = REGISTRY.get(record.kind)
    permission = spec.result_permission if spec is not None else None
    return permission is None or viewer.can(permission)


def enqueue(kind: str, **params) -> JobRecord:
    """Record a run of ``kind`` for the current tenant; dispatched after commit.

    ``params`` must be JSON values (ids, dates as ISO strings), never ORM objects.
    """
    spec = REGISTRY.get(kind)
    if spec is None:
        raise KeyError(f"no job registered as {kind!r}")
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise TenantScopeError("a job is enqueued for the current tenant; none is current")
    record = JobRecord(
        kind=kind,
        params=params,
        queue=spec.queue,
        requested_by_account_id=_requesting_account_id(),
    )
    db.session.add(record)
    db.session.flush()
    db.session.info.setdefault("muzu_pending_jobs", []).append((record.id, tenant_id))
    return record


class JobStartError(InputError):
    """A job cannot be started as asked, raised as ``JobStartError(field, message)``."""

    def __init__(self, field: str, message: str):
        super().__init__({field: message})


def startable_kinds() -> list[str]:
    return sorted(kind for kind, spec in REGISTRY.items() if spec.startable)


def start_job(kind: str, params: dict | None = None) -> JobRecord:
    """Start a job a user asked for by name: only declared ``startable`` kinds.

    The parameters are checked against the job function's signature here, so a
    typo is refused at once instead of failing later in the worker.
    Raises :class:`JobStartError`; like ``enqueue``, the caller commits.
    """
    spec = REGISTRY.get(kind)
    if spec is None or not spec.startable or spec.fan_out:
        raise JobStartError("kind", f"没有可启动的任务类型 {kind!r}")
    params = dict(params or {})
    try:
        inspect.signature(spec.func).bind(None, **params)
    except TypeError as exc:
        raise JobStartError("params", f"任务参数不正确：{exc}") from exc
    return enqueue(kind, **params)


def dispatch_committed_jobs() -> list[int]:
    """Hand every committed job record to RQ, or run it inline without Redis.

    Called after each request and by ``commit_and_dispatch``.
    """
    session = db.session()
    committed = session.info.pop("muzu_committed_jobs", [])
    if not committed:
        return []
    from app.jobs import queues, runner

    for record_id, tenant_id in committed:
        if queues.is_inline():
            runner.run_job(record_id, tenant_id)
        else:
            queues.enqueue_record(record_id, tenant_id)
    return [record_id for record_id, _ in committed]


def commit_and_dispatch() -> list[int]:
    """Commit the session, then dispatch the jobs it recorded (CLI, tests)."""
    db.session.commit()
    return dispatch_committed_jobs()


@event.listens_for(Session, "after_commit")
def _move_pending_to_committed(session: Session) -> None:
    pending = session.info.pop("muzu_pending_jobs", None)
    if pending:
        session.info.setdefault("muzu_committed_jobs", []).extend(pending)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_jobs(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop("muzu_pending_jobs", None)


def _requesting_account_id() -> int | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        if not getattr(current_user, "is_platform_admin", False):
            return current_user.id
    return None


def init_app(app) -> None:
    """Dispatch the jobs a request recorded once it has committed.

    The registry is filled from above, never from here: the app factory and
    ``app/cron.py`` import ``app.schedule``, which imports every department's jobs.
    """
    app.after_request(_dispatch_after_request)


def _dispatch_after_request(response):
    if db.session.info.get("muzu_committed_jobs"):
        dispatch_committed_jobs()
    return response


__all__ = [
    "JobRecord",
    "JobSpec",
    "JobStartError",
    "REGISTRY",
    "commit_and_dispatch",
    "dispatch_committed_jobs",
    "enqueue",
    "job",
    "start_job",
    "startable_kinds",
]
