"""技术部 background jobs (thin: load ids, call the technical functions, report progress)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.blueprints.technical import assessment
from app.blueprints.technical.models import AssessmentRun
from app.extensions import db
from app.jobs import commit_and_dispatch, job
from app.models import Store, Tenant
from app.tenancy import cross_tenant_access, tenant_context


def describe_assessment_runs(params_list: list[dict]) -> list[str]:
    """"2026-11-01 至 2026-11-30 · 全部门店" for each ``{"run_id": …}`` (one query)."""
    ids = [p.get("run_id") for p in params_list if isinstance(p.get("run_id"), int)]
    runs = {row.id: row for row in db.session.execute(
        select(AssessmentRun.id, AssessmentRun.period_start, AssessmentRun.period_end,
               AssessmentRun.store_id, Store.name)
        .outerjoin(Store, Store.id == AssessmentRun.store_id)
        .where(AssessmentRun.id.in_(ids or [-1])))}
    texts = []
    for params in params_list:
        run = runs.get(params.get("run_id"))
        if run is None:
            texts.append(_("评定批次 %(id)s", id=params.get("run_id", "—")))
            continue
        texts.append(_("%(start)s 至 %(end)s · %(where)s", start=run.period_start.isoformat(),
                       end=run.period_end.isoformat(),
                       where=run.name if run.store_id is not None else _("全部门店")))
    return texts


@job(assessment.JOB_KIND, queue="reports", timeout=1800, label=_l("技能评定"),
     describe=describe_assessment_runs)
def skill_assessment(ctx, run_id: int) -> dict:
    """技能评定: every therapist of the run's period and store assessed, in the job's one
    transaction (a rerun replaces only unconfirmed results; assessment.py)."""
    return assessment.compute_run(run_id, ctx)


@job(assessment.MONTHLY_KIND, queue="default", fan_out=True, label=_l("月度技能评定"))
def assessment_monthly(ctx=None) -> dict:
    """Hourly around the turn of the month: for each active company whose local time is
    past the 1st at 03:00 (to the 3rd), start the previous month's company-wide
    assessment unless one exists (assessment.start_monthly_run_if_due).

    A declared fan-out: it lists the companies, then works in each one's own scope.
    """
    with cross_tenant_access("technical.assessment_monthly: list companies"):
        tenant_ids = db.session.scalars(
            select(Tenant.id).where(Tenant.status == "active").order_by(Tenant.id)).all()
    started = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            if assessment.start_monthly_run_if_due() is not None:
                started += 1
            commit_and_dispatch()
        db.session.remove()
    return {"started": started}
