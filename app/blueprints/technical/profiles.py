"""技师档案: one therapist's file and figures for a period, and a 12-month trend.

Plain reads (no request, no commit), each a constant number of statements whatever
the number of jobs, exams or months: the jobs are read in one statement grouped by
business day and kind, and the period's figures and the monthly trend are both
folded from those rows in Python (so SQLite and PostgreSQL agree, with no
dialect-specific month arithmetic in SQL).

Definitions (the cross-helper contract of the technical department):

* A job's date is its business day's date (营业日, already in the tenant's time
  zone: a job at 01:30 belongs to the day before).
* **Completed** (完成) = ``ServiceJob.status == "finished"``; of those, **点钟**
  = ``job_type == "requested"`` and **轮钟** = ``job_type == "rotation"``, so
  轮钟 + 点钟 = completed; **加钟** = completed jobs with ``is_addon`` (an add-on is
  also a 轮钟 or a 点钟, so 加钟 is shown as "of which").
* **点钟率** = 点钟 / completed.  **加钟率** = 加钟 / completed jobs that are not
  add-ons: how many add-ons one base job brings (0.25 = one add-on per four jobs).
* **退钟** = jobs with ``status == "returned"``.
* **Rating** = ``Feedback.rating`` of the therapist's completed jobs (by the job's
  date), mean and count.
* **Complaints**: complaint cases created in the period (tenant time zone) that
  name the therapist or whose investigation attributes them: *substantiated* = a
  concluded investigation attributing the therapist with ``substantiated``; *not
  substantiated* = concluded otherwise (not substantiated, or attributed to nobody
  or someone else); *open* = the investigation is not concluded; *uninvestigated*
  = a case naming the therapist with no investigation yet.
* **Training attended** = ``TrainingAttendance.attended`` on a ``held`` session
  starting in the period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, or_, select

from app.blueprints.hr.common import get_by_id, tenant_today
from app.blueprints.hr.models import EmployeeChange
from app.blueprints.store.models import (
    BusinessDay,
    ComplaintCase,
    Feedback,
    ServiceItem,
    ServiceJob,
    TherapistQualification,
)
from app.blueprints.technical import assessment, discipline, exams, training
from app.blueprints.technical.models import (
    ComplaintInvestigation,
    DisciplineRecord,
    PracticalExam,
    SkillAssessment,
    TrainingAttendance,
    TrainingSession,
)
from app.extensions import db
from app.inputs import in_date_range
from app.models import Employee, Position, Store, Tenant, TherapistLevel
from app.tenancy import current_tenant_id
from app.validation import InputError

PERIOD_KEYS = ("this_month", "last_month", "last_90_days", "custom")
PERIOD_LABELS = {
    "this_month": _l("本月"),
    "last_month": _l("上月"),
    "last_90_days": _l("近90天"),
    "custom": _l("自定义"),
}
# A custom period longer than this is refused (the jobs are read day by day).
MAX_PERIOD_DAYS = 731
TREND_MONTHS = 12
HEALTH_CERT_WARNING_DAYS = 30

COMPLAINT_OUTCOMES = ("substantiated", "not_substantiated", "open", "uninvestigated")
COMPLAINT_OUTCOME_LABELS = {
    "substantiated": _l("属实"),
    "not_substantiated": _l("不属实"),
    "open": _l("调查中"),
    "uninvestigated": _l("未调查"),
}
# The words of each code, as the department's own pages say them.
EXAM_KIND_LABELS = exams.EXAM_KIND_LABELS
DISCIPLINE_STEP_LABELS = discipline.STEP_LABELS
REQUEST_STATUS_LABELS = discipline.STATUS_LABELS
RECOMMENDATION_LABELS = assessment.RECOMMENDATION_LABELS
ASSESSMENT_STATUS_LABELS = assessment.STATUS_LABELS
TRAINING_KIND_LABELS = training.KIND_LABELS


class ProfileError(InputError):
    """A period the profile cannot show; ``fields`` names start or end."""


# --------------------------------------------------------------------------- period


@dataclass(frozen=True)
class Period:
    key: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def month_start(day: date, months_back: int = 0) -> date:
    """The first day of ``day``'s month, ``months_back`` months earlier."""
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _parse_date(name: str, text: str | date | None) -> date:
    if isinstance(text, date):
        value = text
    else:
        try:
            value = date.fromisoformat((text or "").strip())
        except ValueError:
            raise ProfileError.on(name, str(_l("请输入日期，格式为 YYYY-MM-DD"))) from None
    if not in_date_range(value):
        raise ProfileError.on(name, str(_l("日期超出范围")))
    return value


def resolve_period(key: str | None, start: str | date | None = None,
                   end: str | date | None = None, today: date | None = None) -> Period:
    """The period asked for: a named one relative to the tenant's today, or custom.

    Given ``start``/``end`` without a key means custom.  Bad dates, an end before
    the start or a period over ``MAX_PERIOD_DAYS`` raise :class:`ProfileError`.
    """
    today = today or tenant_today()
    if not key:
        key = "custom" if (start or end) else "this_month"
    if key not in PERIOD_KEYS:
        raise ProfileError.on("period", str(_l("没有这个期间")))
    if key == "this_month":
        return Period(key, month_start(today), today)
    if key == "last_month":
        first = month_start(today, 1)
        return Period(key, first, month_start(today) - timedelta(days=1))
    if key == "last_90_days":
        return Period(key, today - timedelta(days=89), today)
    first = _parse_date("start", start)
    last = _parse_date("end", end)
    if last < first:
        raise ProfileError.on("end", str(_l("结束日期不能早于开始日期")))
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise ProfileError.on("end", str(_l("期间最长 %(n)s 天", n=MAX_PERIOD_DAYS)))
    return Period(key, first, last)


def _tenant_zone() -> ZoneInfo:
    tenant = db.session.get(Tenant, current_tenant_id())
    return ZoneInfo((tenant.timezone if tenant else None) or "Asia/Shanghai")


def _utc_window(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start 00:00, end + 1 day 00:00) in the tenant's zone, as UTC."""
    return (datetime.combine(start, time(0), zone).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(UTC))


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    """A stored moment on the tenant's clock (SQLite hands back naive UTC values)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone)


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"),
                                                                ROUND_HALF_UP)


# --------------------------------------------------------------------------- jobs


@dataclass
class JobFigures:
    """Counts of one span (a period or a month); rates are derived."""

    rotation: int = 0  # 轮钟 completed (add-ons included)
    requested: int = 0  # 点钟 completed (add-ons included)
    addon: int = 0  # 加钟 completed
    returned: int = 0  # 退钟
    rating_count: int = 0
    rating_sum: int = 0

    @property
    def completed(self) -> int:
        return self.rotation + self.requested

    @property
    def requested_rate(self) -> Decimal | None:
        """点钟率 = 点钟 / completed."""
        return _ratio(self.requested, self.completed)

    @property
    def addon_rate(self) -> Decimal | None:
        """加钟率 = 加钟 / completed jobs that are not add-ons."""
        return _ratio(self.addon, self.completed - self.addon)

    @property
    def rating_mean(self) -> Decimal | None:
        if not self.rating_count:
            return None
        return (Decimal(self.rating_sum) / Decimal(self.rating_count)).quantize(
            Decimal("0.01"), ROUND_HALF_UP)

    def add(self, other: JobFigures) -> None:
        self.rotation += other.rotation
        self.requested += other.requested
        self.addon += other.addon
        self.returned += other.returned
        self.rating_count += other.rating_count
        self.rating_sum += other.rating_sum


def jobs_by_day(employee_id: int, start: date, end: date) -> dict[date, JobFigures]:
    """The therapist's finished and returned jobs (and their ratings) per business day
    in [start, end]: one grouped statement."""
    rows = db.session.execute(
        select(BusinessDay.business_date, ServiceJob.status, ServiceJob.job_type,
               ServiceJob.is_addon, func.count(distinct(ServiceJob.id)),
               func.count(Feedback.id), func.coalesce(func.sum(Feedback.rating), 0))
        .select_from(ServiceJob)
        .join(BusinessDay, BusinessDay.id == ServiceJob.business_day_id)
        .outerjoin(Feedback, Feedback.job_id == ServiceJob.id)
        .where(ServiceJob.therapist_id == employee_id,
               ServiceJob.status.in_(("finished", "returned")),
               BusinessDay.business_date >= start, BusinessDay.business_date <= end)
        .group_by(BusinessDay.business_date, ServiceJob.status, ServiceJob.job_type,
                  ServiceJob.is_addon))
    days: dict[date, JobFigures] = defaultdict(JobFigures)
    for day, status, job_type, is_addon, jobs, ratings, rating_sum in rows:
        figures = days[day]
        if status == "returned":
            figures.returned += jobs
            continue
        if job_type == "requested":
            figures.requested += jobs
        else:
            figures.rotation += jobs
        if is_addon:
            figures.addon += jobs
        figures.rating_count += ratings
        figures.rating_sum += int(rating_sum or 0)
    return dict(days)


def month_jobs_of(employee_ids: list[int], start: date, end: date) -> dict[int, JobFigures]:
    """Completed jobs by kind for many therapists in [start, end] (the list page's
    columns): one grouped statement, no ratings."""
    if not employee_ids:
        return {}
    rows = db.session.execute(
        select(ServiceJob.therapist_id, ServiceJob.status, ServiceJob.job_type,
               func.count(ServiceJob.id))
        .join(BusinessDay, BusinessDay.id == ServiceJob.business_day_id)
        .where(ServiceJob.therapist_id.in_(employee_ids),
               ServiceJob.status.in_(("finished", "returned")),
               BusinessDay.business_date >= start, BusinessDay.business_date <= end)
        .group_by(ServiceJob.therapist_id, ServiceJob.status, ServiceJob.job_type))
    figures: dict[int, JobFigures] = defaultdict(JobFigures)
    for therapist_id, status, job_type, jobs in rows:
        if status == "returned":
            figures[therapist_id].returned += jobs
        elif job_type == "requested":
            figures[therapist_id].requested += jobs
        else:
            figures[therapist_id].rotation += jobs
    return dict(figures)


def sum_days(days: dict[date, JobFigures], start: date, end: date) -> JobFigures:
    total = JobFigures()
    for day, figures in days.items():
        if start <= day <= end:
            total.add(figures)
    return total


@dataclass(frozen=True)
class TrendPoint:
    month: date
    figures: JobFigures

    @property
    def label(self) -> str:
        return f"{self.month.year}-{self.month.month:02d}"


def monthly_trend(days: dict[date, JobFigures], last_month: date,
                  months: int = TREND_MONTHS) -> list[TrendPoint]:
    """``months`` calendar months ending with ``last_month``'s, oldest first."""
    buckets = {month_start(last_month, back): JobFigures() for back in range(months)}
    for day, figures in days.items():
        bucket = buckets.get(month_start(day))
        if bucket is not None:
            bucket.add(figures)
    return [TrendPoint(month, buckets[month]) for month in sorted(buckets)]


# --------------------------------------------------------------------------- complaints


@dataclass(frozen=True)
class ComplaintRow:
    complaint_id: int
    created_at: datetime  # on the tenant's clock
    description: str
    outcome: str
    investigation_id: int | None


@dataclass
class ComplaintFigures:
    rows: list[ComplaintRow] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {outcome: self.count(outcome) for outcome in COMPLAINT_OUTCOMES}


def complaint_outcome(employee_id: int, investigation: ComplaintInvestigation | None) -> str:
    if investigation is None:
        return "uninvestigated"
    if investigation.status != "concluded":
        return "open"
    if investigation.therapist_id == employee_id and investigation.substantiated is True:
        return "substantiated"
    return "not_substantiated"


def complaints(employee_id: int, window: tuple[datetime, datetime],
               zone: ZoneInfo) -> ComplaintFigures:
    """Complaint cases created in the window naming or attributed to the therapist."""
    since, until = window
    rows = db.session.execute(
        select(ComplaintCase, ComplaintInvestigation)
        .outerjoin(ComplaintInvestigation,
                   ComplaintInvestigation.complaint_id == ComplaintCase.id)
        .where(or_(ComplaintCase.therapist_id == employee_id,
                   ComplaintInvestigation.therapist_id == employee_id),
               ComplaintCase.created_at >= since, ComplaintCase.created_at < until)
        .order_by(ComplaintCase.created_at.desc(), ComplaintCase.id.desc()))
    return ComplaintFigures([
        ComplaintRow(case.id, _local(case.created_at, zone), case.description,
                     complaint_outcome(employee_id, investigation),
                     investigation.id if investigation is not None else None)
        for case, investigation in rows])


# --------------------------------------------------------------------------- exams


@dataclass(frozen=True)
class ExamRow:
    id: int
    service_item_id: int
    item_name: str
    kind: str
    examined_on: date
    score: Decimal
    pass_score: Decimal
    passed: bool


@dataclass
class ExamFigures:
    latest_by_item: list[ExamRow]  # the latest exam of each item up to the period's end
    history: list[ExamRow]  # every exam in the period, newest first

    @property
    def mean_score(self) -> Decimal | None:
        if not self.history:
            return None
        return (sum((row.score for row in self.history), Decimal(0))
                / len(self.history)).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def failed(self) -> int:
        return sum(1 for row in self.history if not row.passed)


def exams(employee_id: int, start: date, end: date) -> ExamFigures:
    """Practical exams up to ``end`` (one statement): latest per item and the period's."""
    rows = [
        ExamRow(exam.id, exam.service_item_id, item_name, exam.kind, exam.examined_on,
                exam.score, exam.pass_score, exam.passed)
        for exam, item_name in db.session.execute(
            select(PracticalExam, ServiceItem.name)
            .join(ServiceItem, ServiceItem.id == PracticalExam.service_item_id)
            .where(PracticalExam.employee_id == employee_id, PracticalExam.examined_on <= end)
            .order_by(PracticalExam.examined_on.desc(), PracticalExam.id.desc()))]
    latest: dict[int, ExamRow] = {}
    for row in rows:
        latest.setdefault(row.service_item_id, row)
    return ExamFigures(
        latest_by_item=sorted(latest.values(), key=lambda row: row.item_name),
        history=[row for row in rows if row.examined_on >= start])


# --------------------------------------------------------------------------- training, discipline


@dataclass(frozen=True)
class TrainingRow:
    session_id: int
    topic: str
    kind: str
    starts_at: datetime  # on the tenant's clock
    duration_minutes: int
    passed: bool | None


def trainings_attended(employee_id: int, window: tuple[datetime, datetime],
                       zone: ZoneInfo) -> list[TrainingRow]:
    since, until = window
    return [
        TrainingRow(session.id, session.topic, session.kind, _local(session.starts_at, zone),
                    session.duration_minutes, attendance.passed)
        for session, attendance in db.session.execute(
            select(TrainingSession, TrainingAttendance)
            .join(TrainingAttendance, TrainingAttendance.session_id == TrainingSession.id)
            .where(TrainingAttendance.employee_id == employee_id,
                   TrainingAttendance.attended.is_(True),
                   TrainingSession.status == "held",
                   TrainingSession.starts_at >= since, TrainingSession.starts_at < until)
            .order_by(TrainingSession.starts_at.desc()))]


def discipline_records(employee_id: int, start: date, end: date) -> list[DisciplineRecord]:
    return list(db.session.scalars(
        select(DisciplineRecord)
        .where(DisciplineRecord.employee_id == employee_id,
               DisciplineRecord.occurred_on >= start, DisciplineRecord.occurred_on <= end)
        .order_by(DisciplineRecord.occurred_on.desc(), DisciplineRecord.id.desc())))


# --------------------------------------------------------------------------- the file


@dataclass(frozen=True)
class LevelStep:
    effective_on: date
    old_level: str | None
    new_level: str
    kind: str
    reason: str


def level_history(employee_id: int, levels: dict[int, TherapistLevel]) -> list[LevelStep]:
    """Every applied 人事变动 that set a level, oldest first."""
    changes = db.session.scalars(
        select(EmployeeChange)
        .where(EmployeeChange.employee_id == employee_id, EmployeeChange.status == "applied",
               EmployeeChange.new_level_id.is_not(None))
        .order_by(EmployeeChange.effective_on, EmployeeChange.id))

    def name(level_id):
        level = levels.get(level_id)
        return level.name if level is not None else None

    return [LevelStep(change.effective_on, name(change.old_level_id),
                      name(change.new_level_id) or "", change.kind, change.reason)
            for change in changes]


@dataclass(frozen=True)
class QualificationRow:
    service_item_id: int
    item_name: str
    granted_on: date | None
    exam_id: int | None
    exam_score: Decimal | None
    exam_on: date | None


def qualified_items(employee_id: int) -> list[QualificationRow]:
    """The items the therapist may do and why (the passed exam, or by hand)."""
    return [
        QualificationRow(qualification.service_item_id, item_name, qualification.granted_on,
                         qualification.exam_id, score, examined_on)
        for qualification, item_name, score, examined_on in db.session.execute(
            select(TherapistQualification, ServiceItem.name, PracticalExam.score,
                   PracticalExam.examined_on)
            .join(ServiceItem, ServiceItem.id == TherapistQualification.service_item_id)
            .outerjoin(PracticalExam, PracticalExam.id == TherapistQualification.exam_id)
            .where(TherapistQualification.employee_id == employee_id)
            .order_by(ServiceItem.name))]


@dataclass(frozen=True)
class HealthCertificate:
    number: str
    expires_on: date | None
    state: str  # ok / expiring / expired / missing

    @property
    def warning(self) -> bool:
        return self.state in ("expiring", "expired", "missing")


def health_certificate(employee: Employee, today: date) -> HealthCertificate:
    expires = employee.health_cert_expires_on
    if not employee.health_cert_no and expires is None:
        state = "missing"
    elif expires is not None and expires < today:
        state = "expired"
    elif expires is not None and expires <= today + timedelta(days=HEALTH_CERT_WARNING_DAYS):
        state = "expiring"
    else:
        state = "ok"
    return HealthCertificate(employee.health_cert_no or "", expires, state)


def latest_assessment(employee_id: int) -> SkillAssessment | None:
    return db.session.scalar(
        select(SkillAssessment).where(SkillAssessment.employee_id == employee_id)
        .order_by(SkillAssessment.period_end.desc(), SkillAssessment.id.desc()).limit(1))


def is_therapist(employee: Employee) -> bool:
    position = db.session.get(Position, employee.position_id)
    return position is not None and position.role == "therapist"


def therapist_in_scope(employee_id: int, scope: set[int] | None) -> Employee | None:
    """The therapist with this id in one of the ``scope`` stores (``None``: any store),
    or None: someone who is not a therapist has no profile, and another store's
    therapist is unknown to a store-level supervisor."""
    employee = get_by_id(Employee, employee_id)
    if employee is None or not is_therapist(employee):
        return None
    if scope is not None and employee.store_id not in scope:
        return None
    return employee


@dataclass
class TherapistProfile:
    employee: Employee
    store: Store | None
    level: TherapistLevel | None
    period: Period
    jobs: JobFigures
    trend: list[TrendPoint]
    complaints: ComplaintFigures
    exams: ExamFigures
    trainings: list[TrainingRow]
    discipline: list[DisciplineRecord]
    level_history: list[LevelStep]
    qualifications: list[QualificationRow]
    health_certificate: HealthCertificate
    assessment: SkillAssessment | None

    @property
    def training_minutes(self) -> int:
        return sum(row.duration_minutes for row in self.trainings)

    def trend_chart(self) -> dict:
        """The trend as plain JSON for the page's chart (labels and four series)."""
        return {
            "labels": [point.label for point in self.trend],
            "completed": [point.figures.completed for point in self.trend],
            "requested_rate": [_percent(point.figures.requested_rate) for point in self.trend],
            "rating_mean": [_number(point.figures.rating_mean) for point in self.trend],
            "returned": [point.figures.returned for point in self.trend],
        }


def _percent(rate: Decimal | None) -> float | None:
    return None if rate is None else float((rate * 100).quantize(Decimal("0.1")))


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def therapist_profile(employee: Employee, period: Period,
                      today: date | None = None) -> TherapistProfile:
    """Everything the 技师档案 shows for ``period``; the trend covers the 12 months
    ending with the period's last month.  About a dozen statements in all."""
    today = today or tenant_today()
    zone = _tenant_zone()
    trend_start = month_start(period.end, TREND_MONTHS - 1)
    days = jobs_by_day(employee.id, min(period.start, trend_start), period.end)
    window = _utc_window(period.start, period.end, zone)
    levels = {level.id: level for level in db.session.scalars(select(TherapistLevel))}
    return TherapistProfile(
        employee=employee,
        store=db.session.get(Store, employee.store_id) if employee.store_id else None,
        level=levels.get(employee.level_id) if employee.level_id else None,
        period=period,
        jobs=sum_days(days, period.start, period.end),
        trend=monthly_trend(days, period.end),
        complaints=complaints(employee.id, window, zone),
        exams=exams(employee.id, period.start, period.end),
        trainings=trainings_attended(employee.id, window, zone),
        discipline=discipline_records(employee.id, period.start, period.end),
        level_history=level_history(employee.id, levels),
        qualifications=qualified_items(employee.id),
        health_certificate=health_certificate(employee, today),
        assessment=latest_assessment(employee.id),
    )
