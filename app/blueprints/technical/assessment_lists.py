"""技能评定 lists: the runs and results a person may see (their stores), a page at a time
in a fixed number of statements."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.blueprints.technical.models import AssessmentRun, SkillAssessment
from app.extensions import db
from app.jobs.models import JobRecord
from app.models import Employee, Store, TherapistLevel

RUN_LIMIT = 24
RESULT_LIMIT = 500


def runs_visible(scope: set[int] | None, limit: int = RUN_LIMIT) -> list[AssessmentRun]:
    """Newest first; a store-level supervisor sees company-wide runs and their stores'."""
    stmt = select(AssessmentRun)
    if scope is not None:
        stmt = stmt.where(AssessmentRun.store_id.is_(None)
                          | AssessmentRun.store_id.in_(sorted(scope) or [-1]))
    return list(db.session.scalars(stmt.order_by(AssessmentRun.id.desc()).limit(limit)))


def run_visible(run: AssessmentRun | None, scope: set[int] | None) -> bool:
    return run is not None and (scope is None or run.store_id is None or run.store_id in scope)


def jobs_of(runs: list[AssessmentRun]) -> dict[int, JobRecord]:
    ids = [run.job_record_id for run in runs if run.job_record_id]
    if not ids:
        return {}
    return {job.id: job for job in db.session.scalars(
        select(JobRecord).where(JobRecord.id.in_(ids)))}


def display_status(run: AssessmentRun, job: JobRecord | None) -> str:
    """The run's state; a failed job leaves the run as it was, so ask the job."""
    if job is not None and job.status == "failed":
        return "failed"
    return run.status


@dataclass(frozen=True)
class ResultFilters:
    run_id: int | None = None
    store_id: int | None = None
    recommendation: str | None = None
    status: str | None = None
    employee_id: int | None = None


def results_query(filters: ResultFilters, scope: set[int] | None):
    """Assessments with their therapist loaded, by store then 工号."""
    stmt = select(SkillAssessment).join(Employee, Employee.id == SkillAssessment.employee_id) \
        .options(joinedload(SkillAssessment.employee))
    if filters.run_id is not None:
        run = db.session.get(AssessmentRun, filters.run_id)
        if run is None:
            stmt = stmt.where(SkillAssessment.id == -1)
        else:  # kept (decided) results of earlier runs of the period show too
            stmt = stmt.where(SkillAssessment.period_start == run.period_start,
                              SkillAssessment.period_end == run.period_end)
            if run.store_id is not None:
                stmt = stmt.where(SkillAssessment.store_id == run.store_id)
    if scope is not None:
        stmt = stmt.where(SkillAssessment.store_id.in_(sorted(scope) or [-1]))
    for column, value in ((SkillAssessment.store_id, filters.store_id),
                          (SkillAssessment.recommendation, filters.recommendation),
                          (SkillAssessment.status, filters.status),
                          (SkillAssessment.employee_id, filters.employee_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt.order_by(SkillAssessment.period_end.desc(), SkillAssessment.store_id,
                         Employee.employee_no, SkillAssessment.id)


def results(filters: ResultFilters, scope: set[int] | None) -> list[SkillAssessment]:
    return list(db.session.scalars(results_query(filters, scope).limit(RESULT_LIMIT)).unique())


def store_names() -> dict[int, str]:
    return dict(db.session.execute(select(Store.id, Store.name)).all())


def level_names() -> dict[int, str]:
    return dict(db.session.execute(select(TherapistLevel.id, TherapistLevel.name)).all())


def levels_by_rank() -> list[TherapistLevel]:
    return list(db.session.scalars(select(TherapistLevel).order_by(TherapistLevel.rank,
                                                                   TherapistLevel.id)))
