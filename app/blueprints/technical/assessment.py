"""技能评定: start a run, load every therapist's inputs, write the assessments.

specs/skill-assessment.md; the arithmetic is assessment_rules.py (plain functions).

Loading is set-based: a run reads its inputs in a fixed number of statements
whatever the number of therapists (grouped aggregates over the period, one query
each for jobs, ratings, exams, complaints, the level history and the rows already
there), then computes in Python and writes the rows.  benchmarks/assessment.py
measures it; tests/technical/test_assessment_job.py counts the statements.

Rules chosen where the spec is silent:

* Who is assessed: employees whose post's role is ``therapist``, on staff now
  (probation, active, offboarding), hired on or before the period's end and not
  gone before its start (``last_day``), whose store at the period's end (from the
  applied transfers, as payroll reads them) is the run's store (or any, for a
  company-wide run).  The level assessed is the one in force at the period's end.
* The window of jobs, ratings and returns is the business days of the period; a
  rating is that of a completed job of the window; a substantiated complaint counts
  when its case was opened in the period (tenant time zone).  An exam counts when
  examined in the ``exam_validity_days`` days ending on the period's end, on an item
  the therapist is qualified for now; every recorded exam is by a supervisor
  (recording one needs ``therapist.assess``).
* A rerun of a period (for a store, or every store) deletes the ``pending`` and
  ``no_action`` assessments of the therapists it assesses and writes new ones; a
  confirmed or rejected one stays and that therapist is skipped (counted as kept).
  The same inputs give the same figures: nothing depends on the time of the run.
* The scheduled run (``technical.assessment_monthly``) starts a company-wide run for
  the previous calendar month from the 1st at 03:00 tenant time (catching up on the
  2nd and 3rd if missed); it starts none when a company-wide run of that month
  exists already (queued, running or done: a failed one is started again), so it is
  idempotent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, func, insert, select

from app.audit import record_audit, register_audit_actions
from app.blueprints.hr.payroll.change_history import load_applied_changes, value_on
from app.blueprints.store.models import (
    BusinessDay,
    ComplaintCase,
    Feedback,
    ServiceItem,
    ServiceJob,
    TherapistQualification,
)
from app.blueprints.technical import assessment_rules as rules
from app.blueprints.technical.models import (
    AssessmentRun,
    ComplaintInvestigation,
    PracticalExam,
    SkillAssessment,
)
from app.blueprints.technical.settings import technical_settings
from app.extensions import db
from app.jobs.models import JobRecord
from app.models import Employee, Position, Store, Tenant, TherapistLevel
from app.models.base import utcnow
from app.models.people import ON_STAFF_STATUSES
from app.permissions import store_scope
from app.tenancy import current_tenant_id
from app.validation import InputError

register_audit_actions({
    "technical.assessment_run": _l("开始技能评定"),
    "technical.assessment_confirm": _l("确认技能评定（晋升/降级）"),
    "technical.assessment_reject": _l("不采纳技能评定建议"),
})

JOB_KIND = "technical.skill_assessment"
MONTHLY_KIND = "technical.assessment_monthly"
UNDECIDED = ("pending", "no_action")
DECIDED = ("confirmed", "rejected")
# The scheduled run starts from this local hour of the 1st; later days catch up.
SCHEDULE_HOUR = 3
CATCH_UP_DAYS = 3
# Progress is reported in at most this many chunks, so it costs a fixed number of writes.
PROGRESS_CHUNKS = 10

RECOMMENDATION_LABELS = {
    "promote": _l("建议晋升"),
    "keep": _l("保持"),
    "demote": _l("建议降级"),
    "insufficient": _l("数据不足"),
}
STATUS_LABELS = {
    "pending": _l("待确认"),
    "no_action": _l("无需处理"),
    "confirmed": _l("已确认"),
    "rejected": _l("不采纳"),
}
RUN_STATUS_LABELS = {
    "queued": _l("排队中"),
    "running": _l("计算中"),
    "done": _l("已完成"),
    "failed": _l("失败"),
}


class AssessmentError(InputError):
    """A run or a decision that cannot be made as asked; names the field."""


# --------------------------------------------------------------------------- periods


def month_period(month: date) -> tuple[date, date]:
    """The first and last day of ``month``'s calendar month."""
    start = month.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


def previous_month(today: date) -> tuple[date, date]:
    return month_period(today.replace(day=1) - timedelta(days=1))


def default_effective_on(period_end: date) -> date:
    """The 1st of the month after the period: when a confirmed change takes effect."""
    return (period_end.replace(day=1) + timedelta(days=32)).replace(day=1)


def _zone() -> ZoneInfo:
    tenant = db.session.get(Tenant, current_tenant_id())
    return ZoneInfo((tenant.timezone if tenant else None) or "Asia/Shanghai")


def tenant_now() -> datetime:
    return utcnow().astimezone(_zone())


# --------------------------------------------------------------------------- starting


def start_assessment_run(period_start: date, period_end: date, store_id: int | None,
                         actor=None) -> AssessmentRun:
    """Record a run and enqueue its job (dispatched after the caller commits).

    A store-level supervisor runs it for one of their stores only; a period may not
    end in the future nor last more than 92 days; a second run of the same period and
    store while one is queued or running is refused.
    """
    from app.jobs import enqueue

    errors = {}
    if not isinstance(period_start, date) or not isinstance(period_end, date):
        raise AssessmentError({"period_start": _("请填写评定期间")})
    if period_end < period_start:
        errors["period_end"] = _("结束日期不能早于开始日期")
    elif (period_end - period_start).days > 92:
        errors["period_end"] = _("评定期间最长 92 天")
    if period_end > tenant_now().date():
        errors["period_end"] = _("评定期间不能晚于今天")
    if store_id is not None:
        store = db.session.get(Store, store_id)
        if store is None or store.tenant_id != current_tenant_id():
            errors["store_id"] = _("没有这个门店")
    if actor is not None and getattr(actor, "is_authenticated", True) and \
            hasattr(actor, "can"):
        scope = store_scope(actor)
        if scope is not None and (store_id is None or store_id not in scope):
            errors["store_id"] = _("请选择您管理的门店")
    if errors:
        raise AssessmentError(errors)
    busy = db.session.scalar(
        _runs_of(period_start, period_end, store_id, ("queued", "running")).limit(1))
    if busy is not None:
        raise AssessmentError({"period_start": _("该期间的技能评定正在计算，请稍候")})
    run = AssessmentRun(period_start=period_start, period_end=period_end, store_id=store_id,
                        status="queued", settings=technical_settings().as_dict(),
                        started_by_account_id=getattr(actor, "id", None) if actor else None)
    db.session.add(run)
    db.session.flush()
    record = enqueue(JOB_KIND, run_id=run.id)
    run.job_record_id = record.id
    db.session.flush()
    record_audit("technical.assessment_run", "assessment_run", run.id,
                 after={"period_start": period_start.isoformat(),
                        "period_end": period_end.isoformat(), "store_id": store_id},
                 actor=actor)
    return run


def _runs_of(period_start: date, period_end: date, store_id: int | None,
             job_statuses: tuple[str, ...]):
    """Runs of the period and store whose job is in ``job_statuses`` (a failed job
    leaves its run as it was: the job record says what happened)."""
    return select(AssessmentRun.id).join(JobRecord, JobRecord.id == AssessmentRun.job_record_id) \
        .where(AssessmentRun.period_start == period_start,
               AssessmentRun.period_end == period_end,
               AssessmentRun.store_id.is_(None) if store_id is None
               else AssessmentRun.store_id == store_id,
               JobRecord.status.in_(job_statuses))


def start_monthly_run_if_due(now: datetime | None = None) -> AssessmentRun | None:
    """The schedule's check for the current tenant: the previous month's company-wide
    run, from the 1st at 03:00 local time to the 3rd; None when not due or done."""
    local = (now or utcnow()).astimezone(_zone())
    if local.day > CATCH_UP_DAYS or (local.day == 1 and local.hour < SCHEDULE_HOUR):
        return None
    period_start, period_end = previous_month(local.date())
    exists = db.session.scalar(
        _runs_of(period_start, period_end, None, ("queued", "running", "finished")).limit(1))
    if exists is not None:
        return None
    return start_assessment_run(period_start, period_end, None, actor=None)


# --------------------------------------------------------------------------- loading


@dataclass
class Therapist:
    id: int
    name: str
    employee_no: str
    store_id: int | None
    level_id: int | None


def therapists_of(period_start: date, period_end: date, store_id: int | None
                  ) -> list[Therapist]:
    """The therapists a run assesses (module docstring), two statements."""
    rows = db.session.execute(
        select(Employee.id, Employee.name, Employee.employee_no, Employee.store_id,
               Employee.level_id)
        .join(Position, Position.id == Employee.position_id)
        .where(Position.role == "therapist", Employee.status.in_(ON_STAFF_STATUSES),
               (Employee.hire_date.is_(None)) | (Employee.hire_date <= period_end),
               (Employee.last_day.is_(None)) | (Employee.last_day >= period_start))
        .order_by(Employee.id)).all()
    history = load_applied_changes([row.id for row in rows]) if rows else {}
    found = []
    for row in rows:
        changes = history.get(row.id, [])
        store_at_end = value_on(changes, "store_id", period_end, row.store_id)
        if store_id is not None and store_at_end != store_id:
            continue
        found.append(Therapist(row.id, row.name, row.employee_no, store_at_end,
                               value_on(changes, "level_id", period_end, row.level_id)))
    return found


@dataclass
class LoadedInputs:
    jobs: dict[int, dict]
    ratings: dict[int, tuple[int, int]]
    exams: dict[int, list[dict]]
    complaints: dict[int, int]


def _day_window(period_start: date, period_end: date):
    zone = _zone()
    start = datetime.combine(period_start, time.min, tzinfo=zone)
    end = datetime.combine(period_end + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def load_inputs(ids: list[int], period_start: date, period_end: date,
                exam_validity_days: int) -> LoadedInputs:
    """Every input of the therapists ``ids``: four grouped statements (five with items)."""
    if not ids:
        return LoadedInputs({}, {}, {}, {})
    in_window = (BusinessDay.business_date >= period_start) & \
        (BusinessDay.business_date <= period_end)
    finished = ServiceJob.status == "finished"
    jobs = {}
    for row in db.session.execute(
            select(ServiceJob.therapist_id,
                   func.sum(case((finished, 1), else_=0)).label("completed"),
                   func.sum(case((finished & (ServiceJob.job_type == "requested"), 1),
                                 else_=0)).label("requested"),
                   func.sum(case((ServiceJob.status == "returned", 1), else_=0))
                   .label("returns"))
            .join(BusinessDay, BusinessDay.id == ServiceJob.business_day_id)
            .where(in_window, ServiceJob.therapist_id.in_(ids),
                   ServiceJob.status.in_(("finished", "returned")))
            .group_by(ServiceJob.therapist_id)):
        jobs[row.therapist_id] = {"completed": int(row.completed or 0),
                                  "requested": int(row.requested or 0),
                                  "returns": int(row.returns or 0)}
    ratings = {}
    for row in db.session.execute(
            select(ServiceJob.therapist_id, func.count(Feedback.id).label("n"),
                   func.sum(Feedback.rating).label("total"))
            .join(ServiceJob, ServiceJob.id == Feedback.job_id)
            .join(BusinessDay, BusinessDay.id == ServiceJob.business_day_id)
            .where(in_window, finished, ServiceJob.therapist_id.in_(ids))
            .group_by(ServiceJob.therapist_id)):
        ratings[row.therapist_id] = (int(row.total or 0), int(row.n or 0))
    exams: dict[int, list[dict]] = defaultdict(list)
    first_valid = period_end - timedelta(days=exam_validity_days - 1)
    latest: dict[tuple[int, int], tuple] = {}
    for row in db.session.execute(
            select(PracticalExam.id, PracticalExam.employee_id, PracticalExam.service_item_id,
                   PracticalExam.examined_on, PracticalExam.score, ServiceItem.name)
            .join(TherapistQualification,
                  (TherapistQualification.employee_id == PracticalExam.employee_id)
                  & (TherapistQualification.service_item_id == PracticalExam.service_item_id))
            .join(ServiceItem, ServiceItem.id == PracticalExam.service_item_id)
            .where(PracticalExam.employee_id.in_(ids),
                   PracticalExam.examined_on >= first_valid,
                   PracticalExam.examined_on <= period_end)):
        key = (row.employee_id, row.service_item_id)
        if key not in latest or (row.examined_on, row.id) > (latest[key][0], latest[key][1]):
            latest[key] = (row.examined_on, row.id, row.score, row.name)
    for (employee_id, item_id), (examined_on, exam_id, score, name) in sorted(latest.items()):
        exams[employee_id].append({"exam_id": exam_id, "service_item_id": item_id,
                                   "item": name, "examined_on": examined_on.isoformat(),
                                   "score": str(score)})
    start, end = _day_window(period_start, period_end)
    complaints = dict(db.session.execute(
        select(ComplaintInvestigation.therapist_id, func.count(ComplaintInvestigation.id))
        .join(ComplaintCase, ComplaintCase.id == ComplaintInvestigation.complaint_id)
        .where(ComplaintInvestigation.status == "concluded",
               ComplaintInvestigation.substantiated.is_(True),
               ComplaintInvestigation.therapist_id.in_(ids),
               ComplaintCase.created_at >= start, ComplaintCase.created_at < end)
        .group_by(ComplaintInvestigation.therapist_id)).all())
    return LoadedInputs(jobs, ratings, dict(exams), {k: int(v) for k, v in complaints.items()})


def level_refs() -> list[rules.LevelRef]:
    """The company's active levels, by rank."""
    return rules.ordered_levels([
        rules.LevelRef(row.id, row.rank, row.assessment_threshold, row.name)
        for row in db.session.execute(
            select(TherapistLevel.id, TherapistLevel.rank, TherapistLevel.assessment_threshold,
                   TherapistLevel.name).where(TherapistLevel.is_active.is_(True)))])


# --------------------------------------------------------------------------- computing


def _level_json(level: rules.LevelRef | None) -> dict | None:
    if level is None:
        return None
    return {"id": level.id, "name": level.name, "rank": level.rank,
            "threshold": str(level.threshold) if level.threshold is not None else None}


def build_assessment(therapist: Therapist, loaded: LoadedInputs, settings,
                     levels: list[rules.LevelRef], run: AssessmentRun) -> dict:
    """One therapist's row as column values: inputs, components, score, recommendation."""
    jobs = loaded.jobs.get(therapist.id, {"completed": 0, "requested": 0, "returns": 0})
    rating_sum, rating_count = loaded.ratings.get(therapist.id, (0, 0))
    exams = loaded.exams.get(therapist.id, [])
    complaints = loaded.complaints.get(therapist.id, 0)
    weights = {"exam": settings.weight_exam, "rating": settings.weight_rating,
               "requested": settings.weight_requested}
    result = rules.assess(rules.Inputs(
        latest_exam_scores=[Decimal(e["score"]) for e in exams], rating_sum=rating_sum,
        rating_count=rating_count, requested_jobs=jobs["requested"],
        completed_jobs=jobs["completed"], substantiated_complaints=complaints,
        returns=jobs["returns"]), weights, settings.target_requested_rate)
    advice = rules.recommend(result.score, jobs["completed"], therapist.level_id, levels,
                             settings.min_jobs, settings.demotion_margin)
    by_id = {level.id: level for level in levels}
    rating_mean = (Decimal(rating_sum) / rating_count).quantize(Decimal("0.0001")) \
        if rating_count else None
    inputs = {
        "weights": {k: str(v) for k, v in weights.items()},
        "shares": {k: str(v) for k, v in result.shares.items()},
        "target_requested_rate": str(settings.target_requested_rate),
        "exam_validity_days": settings.exam_validity_days,
        "min_jobs": settings.min_jobs,
        "demotion_margin": str(settings.demotion_margin),
        "exams": exams,
        "rating_sum": rating_sum,
        "rating_count": rating_count,
        "completed_jobs": jobs["completed"],
        "requested_jobs": jobs["requested"],
        "requested_rate": str((Decimal(jobs["requested"]) / jobs["completed"])
                              .quantize(Decimal("0.0001"))) if jobs["completed"] else None,
        "substantiated_complaints": complaints,
        "returns": jobs["returns"],
        "deductions": {k: str(v) for k, v in result.deductions.items()},
        "level": _level_json(by_id.get(therapist.level_id)),
        "recommended_level": _level_json(by_id.get(advice.level_id)),
        "levels": [_level_json(level) for level in levels],
        "compared_with": str(advice.compared_with) if advice.compared_with is not None
        else None,
        "rule": advice.rule,
    }
    return dict(
        tenant_id=run.tenant_id, run_id=run.id, employee_id=therapist.id,
        store_id=therapist.store_id,
        period_start=run.period_start, period_end=run.period_end,
        level_id=therapist.level_id, completed_jobs=jobs["completed"],
        requested_jobs=jobs["requested"], rating_count=rating_count, rating_mean=rating_mean,
        exam_count=len(exams), substantiated_complaints=complaints, returns=jobs["returns"],
        exam_component=result.exam, rating_component=result.rating,
        requested_component=result.requested, deductions=result.deductions["total"],
        score=result.score, recommendation=advice.kind, recommended_level_id=advice.level_id,
        inputs=inputs,
        status="pending" if advice.kind in ("promote", "demote") else "no_action")


def compute_run(run_id: int, ctx=None) -> dict:
    """The job's body: assess every therapist of the run; rows replaced as the module says.

    Writes in the job's one transaction (the runner commits it with the final status).
    """
    def progress(percent: int, message: str) -> None:
        if ctx is not None:
            ctx.progress(percent, message)

    run = db.session.get(AssessmentRun, run_id)
    if run is None:
        raise LookupError(f"assessment run {run_id} not found")
    run.status = "running"
    settings = technical_settings()
    progress(5, _("读取技师名单"))
    therapists = therapists_of(run.period_start, run.period_end, run.store_id)
    ids = [t.id for t in therapists]
    decided = set(db.session.scalars(
        select(SkillAssessment.employee_id).where(
            SkillAssessment.period_start == run.period_start,
            SkillAssessment.period_end == run.period_end,
            SkillAssessment.status.in_(DECIDED), SkillAssessment.employee_id.in_(ids or [-1]))))
    progress(15, _("读取钟数、评分、考核与投诉"))
    loaded = load_inputs(ids, run.period_start, run.period_end, settings.exam_validity_days)
    levels = level_refs()
    progress(50, _("计算评分"))
    if ids:
        db.session.execute(delete(SkillAssessment).where(
            SkillAssessment.period_start == run.period_start,
            SkillAssessment.period_end == run.period_end,
            SkillAssessment.status.in_(UNDECIDED), SkillAssessment.employee_id.in_(ids)))
    todo = [t for t in therapists if t.id not in decided]
    counts = {kind: 0 for kind in rules_recommendations()}
    rows: list[dict] = []
    chunk = max(1, -(-len(todo) // PROGRESS_CHUNKS))
    for start in range(0, len(todo), chunk):
        rows.extend(build_assessment(t, loaded, settings, levels, run)
                    for t in todo[start:start + chunk])
        progress(50 + 40 * min(len(todo), start + chunk) // max(1, len(todo)),
                 _("已评定 %(n)s / %(total)s 人", n=min(len(todo), start + chunk),
                   total=len(todo)))
    for row in rows:
        counts[row["recommendation"]] += 1
    if rows:
        # One executemany, whatever the number of therapists (the ORM's unit of work
        # sends one INSERT per row on SQLite, and a bulk insert one per set of None
        # columns unless it renders the NULLs); tenant_id is set in build_assessment.
        db.session.execute(insert(SkillAssessment).execution_options(render_nulls=True),
                           rows)
    progress(95, _("保存评定结果"))
    run.status = "done"
    run.finished_at = utcnow()
    run.settings = settings.as_dict()
    run.summary = {"therapists": len(therapists), "assessed": len(todo),
                   "kept_decided": len(decided), **counts}
    db.session.flush()
    progress(100, _("评定完成"))
    return dict(run.summary)


def rules_recommendations() -> tuple[str, ...]:
    from app.blueprints.technical.models import RECOMMENDATIONS

    return RECOMMENDATIONS


def mark_run_failed(run_id: int) -> None:
    run = db.session.get(AssessmentRun, run_id)
    if run is not None and run.status != "done":
        run.status = "failed"
        run.finished_at = utcnow()
