"""Technical-department demo data for yuezu: exam rubrics and pass marks, the practical
exams of the 90 days, level thresholds, training, discipline, complaint investigations,
new-technique proposals, and the inputs of last month's skill assessment tuned so that
it recommends a few promotions and exactly one demotion.

``load_technical("yuezu")`` (``flask demo load``, after the front-desk history and HR)
gives the company:

* a rubric (4–5 weighted criteria) and a pass mark (75–78) on its five main items
  (``RUBRICS``); the other items need no exam;
* the spec's level thresholds (初级 0, 中级 70, 高级 80, 金牌 90) where a level has none;
* three exam rounds per store (about a month apart, the last one early in last month):
  every therapist examined on each rubric item they are qualified for, some twice, a
  few failed and passed at a re-exam ten days later; a few exams this month;
  the new therapist's qualification exams before they started; each exam's ``scores``
  is the rubric as scored, its ``score`` the weighted mean (0.01), ``passed`` against
  the item's pass mark; the qualification names the first exam that backs it;
* training, discipline, investigations and proposals: app/demo/technical_records.py.

**Levels and last month's assessment.**  The HR demo gives therapists a level by years
of service, while the front-desk history draws their 点钟, ratings and 退钟 without
regard to level, so the spec's formula would move half of them.  A real chain's
levels follow its past assessments, so this module first moves the therapists whose
floor record cannot keep their level with any plausible exam mean (78–96) to the
level it keeps (about a third of them, most one step down: many 退钟 or few 点钟;
never anyone with an HR level change; 金牌 goes with its pay profile), then writes exam
scores that keep everyone else, promote ``PROMOTIONS`` therapists (those whose floor
record needs the lowest exam mean to reach the next level, one per store) and demote
one in the first store (the therapist 停牌 there for complaints, else the one whose
record is worst against their level; first, though, a therapist HR just promoted whom
not even full marks keep; their complaints last month substantiated, the
complaint's re-exam failed, and their 服务规范 ladder ended in a fine).
Every score keeps ``MARGIN`` points from a threshold.  :func:`expected_assessment`
recomputes the spec's formula from the tables, as the real job will.

Seeded; skipped if the company has practical exams.  Bulk inserts (tenant id explicit),
a fixed number of statements.  Adds and flushes; the caller commits.
"""

from __future__ import annotations

import random
import time as clock
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from app.blueprints.hr.models import EmployeeChange
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import (
    BoardSuspension,
    BusinessDay,
    ComplaintCase,
    Feedback,
    ServiceItem,
    ServiceJob,
    TherapistQualification,
)
from app.blueprints.technical.models import (
    AssessmentRun,
    ComplaintInvestigation,
    ExamCriterion,
    PracticalExam,
)
from app.blueprints.technical.settings import TechnicalSettings, technical_settings
from app.demo.hr_common import month_end, previous_month
from app.demo.hr_settings import GOLD_PROFILE
from app.demo.rows import bulk_insert
from app.extensions import db
from app.models import Account, Employee, PayProfile, Position, Store, Tenant, TherapistLevel
from app.models.people import ON_STAFF_STATUSES
from app.tenancy import current_tenant_id, tenant_context
from app.tenants import find_tenant_by_code

SEED = 2026
CENT = Decimal("0.01")

# Item code -> (pass mark, ((criterion, weight, what the examiner looks at), ...)).
RUBRICS = {
    "ZL60": ("75", (("手法力度", "0.30", "力度均匀、渗透，按客人要求调整"),
                    ("穴位准确", "0.25", "足部反射区定位准确"),
                    ("操作流程", "0.20", "泡脚、放松、按压、收尾顺序完整"),
                    ("服务礼仪", "0.15", "问候、询问力度、结束致谢"),
                    ("时间把控", "0.10", "足钟足时，不拖不赶"))),
    "ZL90": ("75", (("手法力度", "0.30", "力度均匀、渗透，按客人要求调整"),
                    ("穴位准确", "0.25", "足部反射区定位准确"),
                    ("操作流程", "0.20", "足部、小腿、肩颈放松流程完整"),
                    ("服务礼仪", "0.15", "问候、询问力度、结束致谢"),
                    ("时间把控", "0.10", "足钟足时，不拖不赶"))),
    "TN60": ("75", (("手法力度", "0.30", "推、拿、按、揉手法到位"),
                    ("穴位准确", "0.30", "经络与穴位定位准确"),
                    ("操作流程", "0.20", "由上至下、先放松后重点"),
                    ("服务礼仪", "0.10", "询问禁忌与力度"),
                    ("时间把控", "0.10", "足钟足时"))),
    "JY90": ("78", (("手法力度", "0.30", "推油手法连贯、力度适中"),
                    ("精油用量与卫生", "0.20", "用量合适，毛巾与手部卫生"),
                    ("操作流程", "0.25", "开背流程完整"),
                    ("服务礼仪", "0.15", "询问过敏史，保护隐私"),
                    ("时间把控", "0.10", "足钟足时"))),
    "CE30": ("78", (("工具消毒", "0.30", "一客一消毒，工具摆放规范"),
                    ("操作手法", "0.30", "手法稳、轻、准"),
                    ("安全与轻柔", "0.25", "不伤耳道，客人无不适"),
                    ("服务礼仪", "0.15", "提前告知、过程沟通"))),
}
THRESHOLDS = {"初级": Decimal("0"), "中级": Decimal("70"), "高级": Decimal("80"),
              "金牌": Decimal("90")}
# Plausible exam means (latest score per item) of a therapist who keeps their level.
EXAM_LOW, EXAM_HIGH = 78.0, 96.0
EXAM_FULL = 98.0  # the most a therapist's tuned exam mean goes to
# Points every planned score keeps from the threshold it must reach or stay below.
MARGIN = 1.5
PROMOTIONS = 3
# The last exam round: this many days into last month (per store: + its index); the
# two before it a month apart, within the history.
LAST_ROUND_DAY = 9
RE_EXAM_AFTER = 10


@dataclass
class TechnicalResult:
    skipped: bool = False
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    plan: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, count: int) -> None:
        self.rows[name] = self.rows.get(name, 0) + count

    def summary(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.rows.items() if v)


# --- the spec's formula ------------------------------------------------------------------


@dataclass
class Inputs:
    """One therapist's inputs for a period (specs/skill-assessment.md)."""

    completed: int = 0
    requested: int = 0
    rating_sum: int = 0
    rating_count: int = 0
    returns: int = 0
    complaints: int = 0
    exams: list[Decimal] = field(default_factory=list)  # latest valid score per item


@dataclass
class Expected:
    """What the assessment should say about one therapist."""

    employee_id: int
    employee_no: str
    name: str
    level: str
    inputs: Inputs
    exam: Decimal | None
    rating: Decimal | None
    requested: Decimal | None
    deductions: Decimal
    score: Decimal | None
    recommendation: str  # promote / keep / demote / insufficient
    recommended_level: str | None


def components(inputs: Inputs, settings: TechnicalSettings
               ) -> tuple[Decimal | None, Decimal | None, Decimal | None, Decimal]:
    """(exam, rating, requested, deductions) as the spec defines them."""
    exam = (sum(inputs.exams, Decimal(0)) / len(inputs.exams)) if inputs.exams else None
    rating = None
    if inputs.rating_count:
        mean = Decimal(inputs.rating_sum) / inputs.rating_count
        rating = (mean - 1) / 4 * 100
    requested = None
    if inputs.completed:
        rate = Decimal(inputs.requested) / inputs.completed
        requested = min(Decimal(100), rate / settings.target_requested_rate * 100)
    deductions = Decimal(min(30, 10 * inputs.complaints) + min(20, 5 * inputs.returns))
    return exam, rating, requested, deductions


def assessment_score(exam, rating, requested, deductions: Decimal,
                     settings: TechnicalSettings) -> Decimal | None:
    """Weighted mean of the components present, minus deductions, clamped 0–100, 0.01."""
    parts = [(settings.weight_exam, exam), (settings.weight_rating, rating),
             (settings.weight_requested, requested)]
    present = [(Decimal(w), Decimal(c)) for w, c in parts if c is not None]
    weight = sum((w for w, _c in present), Decimal(0))
    if not present or weight == 0:
        return None
    value = sum((w * c for w, c in present), Decimal(0)) / weight - deductions
    return min(Decimal(100), max(Decimal(0), value)).quantize(CENT, ROUND_HALF_UP)


def recommend(score: Decimal | None, completed: int, rank_index: int,
              thresholds: list[Decimal], settings: TechnicalSettings) -> str:
    """promote / keep / demote / insufficient, for a therapist at ``thresholds[rank_index]``."""
    if completed < settings.min_jobs or score is None:
        return "insufficient"
    if rank_index + 1 < len(thresholds) and score >= thresholds[rank_index + 1]:
        return "promote"
    if rank_index > 0 and score < thresholds[rank_index] - settings.demotion_margin:
        return "demote"
    return "keep"


def _local_date(moment: datetime, tz: ZoneInfo) -> date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).date()


def period_inputs(period_start: date, period_end: date, exam_cutoff: date | None = None,
                  settings: TechnicalSettings | None = None) -> dict[int, Inputs]:
    """Every therapist's inputs for the period, from the tables (a fixed number of
    queries).  Exams count up to ``exam_cutoff`` (default: the period's end)."""
    settings = settings or technical_settings()
    tz = ZoneInfo(db.session.get(Tenant, current_tenant_id()).timezone)
    found: dict[int, Inputs] = defaultdict(Inputs)
    in_period = BusinessDay.business_date.between(period_start, period_end)
    for therapist, status, kind, count in db.session.execute(
            select(ServiceJob.therapist_id, ServiceJob.status, ServiceJob.job_type, func.count())
            .join(BusinessDay, BusinessDay.id == ServiceJob.business_day_id)
            .where(in_period, ServiceJob.status.in_(("finished", "returned")))
            .group_by(ServiceJob.therapist_id, ServiceJob.status, ServiceJob.job_type)):
        row = found[therapist]
        if status == "returned":
            row.returns += count
        else:
            row.completed += count
            row.requested += count if kind == "requested" else 0
    for therapist, total, count in db.session.execute(
            select(ServiceJob.therapist_id, func.sum(Feedback.rating), func.count(Feedback.id))
            .join(Feedback, Feedback.job_id == ServiceJob.id)
            .join(BusinessDay, BusinessDay.id == ServiceJob.business_day_id)
            .where(in_period, ServiceJob.status == "finished")
            .group_by(ServiceJob.therapist_id)):
        found[therapist].rating_sum += int(total or 0)
        found[therapist].rating_count += count
    for therapist, created in db.session.execute(
            select(ComplaintInvestigation.therapist_id, ComplaintCase.created_at)
            .join(ComplaintCase, ComplaintCase.id == ComplaintInvestigation.complaint_id)
            .where(ComplaintInvestigation.status == "concluded",
                   ComplaintInvestigation.substantiated.is_(True),
                   ComplaintInvestigation.therapist_id.is_not(None))):
        if period_start <= _local_date(created, tz) <= period_end:
            found[therapist].complaints += 1
    qualified = set(db.session.execute(select(TherapistQualification.employee_id,
                                              TherapistQualification.service_item_id)).all())
    cutoff = exam_cutoff or period_end
    latest: dict[tuple[int, int], tuple[date, int, Decimal]] = {}
    for employee, item, day, exam_id, score in db.session.execute(
            select(PracticalExam.employee_id, PracticalExam.service_item_id,
                   PracticalExam.examined_on, PracticalExam.id, PracticalExam.score)
            .where(PracticalExam.examined_on <= cutoff,
                   PracticalExam.examined_on > period_end - timedelta(
                       days=settings.exam_validity_days))):
        key = (employee, item)
        if key in qualified and (key not in latest or (day, exam_id) > latest[key][:2]):
            latest[key] = (day, exam_id, Decimal(score))
    for (employee, _item), (_day, _id, score) in sorted(latest.items()):
        found[employee].exams.append(score)
    return found


def _levels() -> list[tuple[int, str, Decimal]]:
    """(id, name, threshold) in rank order (levels reached by assessment)."""
    return [(i, n, t) for i, n, t in db.session.execute(
        select(TherapistLevel.id, TherapistLevel.name, TherapistLevel.assessment_threshold)
        .where(TherapistLevel.is_active).order_by(TherapistLevel.rank, TherapistLevel.id))
        if t is not None]


def _therapists(period_end: date) -> list[tuple[int, str, str, int | None]]:
    """(id, number, name, level id in force at the period's end) of the therapists on
    staff at the period's end."""
    rows = db.session.execute(
        select(Employee.id, Employee.employee_no, Employee.name, Employee.level_id)
        .join(Position, Position.id == Employee.position_id)
        .where(Position.role == "therapist", Employee.status.in_(ON_STAFF_STATUSES),
               Employee.hire_date <= period_end)
        .order_by(Employee.employee_no)).all()
    later = db.session.execute(
        select(EmployeeChange.employee_id, EmployeeChange.old_level_id)
        .where(EmployeeChange.status == "applied", EmployeeChange.new_level_id.is_not(None),
               EmployeeChange.effective_on > period_end)
        .order_by(EmployeeChange.effective_on.desc())).all()
    level = {e: lv for e, _n, _m, lv in rows}
    for employee, old in reversed(later):  # the earliest later change names the level then
        if employee in level:
            level[employee] = old
    return [(e, no, name, level[e]) for e, no, name, _lv in rows]


def expected_assessment(period_start: date, period_end: date,
                        exam_cutoff: date | None = None) -> dict[int, Expected]:
    """The spec's assessment of every therapist for the period, recomputed here from
    the tables (current tenant): employee id -> :class:`Expected`.  The integrator
    cross-checks the real job (app.blueprints.technical.assessment) against it."""
    settings = technical_settings()
    levels = _levels()
    index = {lv_id: n for n, (lv_id, _name, _t) in enumerate(levels)}
    thresholds = [t for _i, _n, t in levels]
    inputs = period_inputs(period_start, period_end, exam_cutoff, settings)
    result = {}
    for employee, number, name, level_id in _therapists(period_end):
        if level_id not in index:
            continue
        got = inputs.get(employee, Inputs())
        exam, rating, requested, deductions = components(got, settings)
        score = assessment_score(exam, rating, requested, deductions, settings)
        n = index[level_id]
        verdict = recommend(score, got.completed, n, thresholds, settings)
        target = {"promote": n + 1, "demote": n - 1}.get(verdict)
        result[employee] = Expected(employee, number, name, levels[n][1], got, exam, rating,
                                    requested, deductions, score, verdict,
                                    levels[target][1] if target is not None else None)
    return result


def load_last_month_assessment(result: TechnicalResult | None = None) -> AssessmentRun | None:
    """Last calendar month's skill assessment of every store, computed as the monthly job
    computes it (inline: the demo has no worker), so its promotions and its demotion wait
    for a technical supervisor's confirmation.  Skipped when last month has a run."""
    from app.blueprints.technical import assessment

    first, last = assessment.previous_month(today_for_store())
    if db.session.scalar(select(AssessmentRun.id).where(
            AssessmentRun.period_start == first, AssessmentRun.period_end == last)
            .limit(1)) is not None:
        return None
    run = AssessmentRun(period_start=first, period_end=last, store_id=None, status="queued",
                        settings=technical_settings().as_dict())
    db.session.add(run)
    db.session.flush()
    summary = assessment.compute_run(run.id)
    if result is not None:
        result.add("assessments", summary.get("assessed", 0))
    return run


# --- loading -----------------------------------------------------------------------------


@dataclass
class Therapist:
    id: int
    no: str
    name: str
    store_id: int
    level_id: int | None
    hire_date: date
    pay_profile_id: int | None
    items: list[int] = field(default_factory=list)  # rubric items qualified for
    plan: str = "keep"
    target: float = 85.0


def load_technical(company_code: str = "yuezu") -> TechnicalResult:
    """Give the demo company its technical-department data (skipped if it has exams)."""
    from app.demo import technical_records

    started = clock.perf_counter()
    result = TechnicalResult()
    tenant = find_tenant_by_code(company_code)
    if tenant is None:
        result.skipped = True
        return result
    with tenant_context(tenant.id):
        if db.session.scalar(select(PracticalExam.id).limit(1)) is not None:
            result.skipped = True
            return result
        ensure_thresholds()
        ctx = _context(tenant)
        if not ctx.therapists:
            result.skipped = True
            return result
        criteria = add_rubrics(ctx)
        technical_records.plan_investigations(ctx)
        plan_outcomes(ctx, result)
        exams = add_exams(ctx, criteria, result)
        technical_records.add_records(ctx, exams, result)
        db.session.flush()
        load_last_month_assessment(result)
    result.seconds = clock.perf_counter() - started
    return result


def ensure_thresholds() -> None:
    """The spec's thresholds on the levels that have none (by name; else by rank)."""
    levels = db.session.execute(select(TherapistLevel.id, TherapistLevel.name,
                                       TherapistLevel.assessment_threshold)
                                .order_by(TherapistLevel.rank, TherapistLevel.id)).all()
    defaults = list(THRESHOLDS.values())
    rows = []
    for n, (level_id, name, threshold) in enumerate(levels):
        if threshold is None and (name in THRESHOLDS or n < len(defaults)):
            rows.append({"tenant_id": current_tenant_id(), "id": level_id,
                         "assessment_threshold": THRESHOLDS.get(name, defaults[n])})
    if rows:
        db.session.execute(update(TherapistLevel), rows)


@dataclass
class Context:
    tenant_id: int
    tz: ZoneInfo
    today: date
    first_day: date  # the history's first day
    period_start: date
    period_end: date
    rng: random.Random
    settings: TechnicalSettings
    stores: list[tuple[int, str, str]]  # id, code, name
    therapists: list[Therapist]
    levels: list[tuple[int, str, Decimal]]
    items: dict[str, tuple[int, str, Decimal]]  # code -> id, name, pass mark
    qualifications: dict[tuple[int, int], int]  # (employee, item) -> id
    accounts: dict[str, int]  # role -> the demo login's account id
    staff: dict[str, dict[int | None, int]]  # role -> store -> employee id (first)
    changed: set[int]  # therapists with an HR level change
    joiners: list[tuple[int, bool]]  # therapist in onboarding, 入职技师审核 done
    inputs: dict[int, Inputs] = field(default_factory=dict)
    complaints: list[dict] = field(default_factory=list)
    substantiated_last_month: dict[int, int] = field(default_factory=dict)
    promoted: list[int] = field(default_factory=list)
    demoted: int | None = None

    def utc(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.tz).astimezone(UTC)

    def examiner(self, store_id: int | None) -> int | None:
        """The store's technical supervisor's login (store 1) or the director's."""
        if store_id == self.stores[0][0] and "technical_supervisor" in self.accounts:
            return self.accounts["technical_supervisor"]
        return self.accounts.get("technical_director")


def _context(tenant: Tenant) -> Context:
    from app.blueprints.hr.models import ChecklistItem, Onboarding

    today = today_for_store()
    first = previous_month(today)
    stores = [tuple(r) for r in db.session.execute(
        select(Store.id, Store.code, Store.name).order_by(Store.code))]
    history_start = db.session.scalar(select(func.min(BusinessDay.business_date))) or \
        today - timedelta(days=90)
    items = {}
    for item_id, code, name in db.session.execute(
            select(ServiceItem.id, ServiceItem.code, ServiceItem.name)
            .where(ServiceItem.code.in_(tuple(RUBRICS)))):
        items[code] = (item_id, name, Decimal(RUBRICS[code][0]))
    rubric_ids = {v[0] for v in items.values()}
    therapists = [Therapist(*row) for row in db.session.execute(
        select(Employee.id, Employee.employee_no, Employee.name, Employee.store_id,
               Employee.level_id, Employee.hire_date, Employee.pay_profile_id)
        .join(Position, Position.id == Employee.position_id)
        .where(Position.role == "therapist", Employee.status.in_(ON_STAFF_STATUSES),
               Employee.store_id.is_not(None))
        .order_by(Employee.employee_no))]
    qualifications = {}
    by_id = {t.id: t for t in therapists}
    for qid, employee, item in db.session.execute(
            select(TherapistQualification.id, TherapistQualification.employee_id,
                   TherapistQualification.service_item_id).order_by(TherapistQualification.id)):
        qualifications[(employee, item)] = qid
        if item in rubric_ids and employee in by_id:
            by_id[employee].items.append(item)
    accounts: dict[str, int] = {}
    for account_id, role in db.session.execute(select(Account.id, Account.role)
                                               .order_by(Account.id)):
        accounts.setdefault(role, account_id)
    staff: dict[str, dict[int | None, int]] = defaultdict(dict)
    for employee, role, store in db.session.execute(
            select(Employee.id, Position.role, Employee.store_id)
            .join(Position, Position.id == Employee.position_id)
            .where(Position.role.in_(("technical_director", "technical_supervisor",
                                      "trainee_supervisor", "store_manager")))
            .order_by(Employee.employee_no)):
        staff[role].setdefault(store, employee)
    changed = set(db.session.scalars(select(EmployeeChange.employee_id).where(
        EmployeeChange.new_level_id.is_not(None))))
    joiners = []
    reviewed = set(db.session.scalars(select(ChecklistItem.employee_id).where(
        ChecklistItem.action == "technical_review", ChecklistItem.done_at.is_not(None))))
    for employee in db.session.scalars(select(Onboarding.employee_id).order_by(
            Onboarding.employee_id)):
        if employee in by_id:
            joiners.append((employee, employee in reviewed))
    settings = technical_settings()
    ctx = Context(tenant.id, ZoneInfo(tenant.timezone), today, history_start, first,
                  month_end(first), random.Random(f"{SEED}-technical"), settings, stores,
                  therapists, [], items, qualifications, accounts, staff, changed, joiners)
    ctx.levels = _levels()
    ctx.inputs = period_inputs(first, month_end(first), settings=settings)
    ctx.complaints = [
        {"id": cid, "store_id": store, "therapist_id": therapist, "description": text,
         "created_at": created, "date": _local_date(created, ctx.tz)}
        for cid, store, therapist, text, created in db.session.execute(
            select(ComplaintCase.id, ComplaintCase.store_id, ComplaintCase.therapist_id,
                   ComplaintCase.description, ComplaintCase.created_at)
            .order_by(ComplaintCase.id))]
    return ctx


def add_rubrics(ctx: Context) -> dict[int, list[tuple[int, str, Decimal]]]:
    """Pass marks and criteria of the rubric items; item id -> [(criterion, name, weight)]."""
    rows, order = [], []
    for code, (_pass_mark, criteria) in RUBRICS.items():
        if code not in ctx.items:
            continue
        item_id = ctx.items[code][0]
        for n, (name, weight, description) in enumerate(criteria, start=1):
            rows.append({"tenant_id": ctx.tenant_id, "service_item_id": item_id, "name": name,
                         "description": description, "weight": Decimal(weight),
                         "sort_order": n, "is_active": True,
                         "created_at": ctx.utc(ctx.first_day - timedelta(days=10), time(10))})
            order.append((item_id, name, Decimal(weight)))
    ids = bulk_insert(ExamCriterion, rows, returning=True)
    db.session.execute(update(ServiceItem), [
        {"tenant_id": ctx.tenant_id, "id": ctx.items[code][0],
         "exam_pass_score": Decimal(RUBRICS[code][0])} for code in RUBRICS if code in ctx.items])
    criteria: dict[int, list[tuple[int, str, Decimal]]] = defaultdict(list)
    for cid, (item_id, name, weight) in zip(ids, order, strict=True):
        criteria[item_id].append((cid, name, weight))
    return criteria


# --- planning last month's outcomes ------------------------------------------------------


def _exam_for(ctx: Context, t: Therapist, score: float) -> float | None:
    """The exam mean at which ``t``'s score is ``score`` (None: no exam weight / no data)."""
    got = ctx.inputs.get(t.id)
    if got is None or got.completed < ctx.settings.min_jobs:
        return None
    s = ctx.settings
    _exam, rating, requested, deductions = components(got, s)
    extra = ctx.substantiated_last_month.get(t.id, 0)
    deductions = Decimal(min(30, 10 * (got.complaints + extra)) + min(20, 5 * got.returns))
    parts = [(s.weight_rating, rating), (s.weight_requested, requested)]
    present = [(float(w), float(c)) for w, c in parts if c is not None]
    weight = float(s.weight_exam) + sum(w for w, _c in present)
    if float(s.weight_exam) == 0:
        return None
    return ((score + float(deductions)) * weight - sum(w * c for w, c in present)) \
        / float(s.weight_exam)


def _band(ctx: Context, t: Therapist, rank: int) -> tuple[float, float]:
    """The exam means that keep ``t`` at level ``rank`` (low, high)."""
    thresholds = [float(x) for _i, _n, x in ctx.levels]
    low = -1e9 if rank == 0 else _exam_for(
        ctx, t, thresholds[rank] - float(ctx.settings.demotion_margin) + MARGIN)
    high = 1e9 if rank + 1 >= len(thresholds) else _exam_for(
        ctx, t, thresholds[rank + 1] - MARGIN)
    return low, high


def plan_outcomes(ctx: Context, result: TechnicalResult) -> None:
    """Relevel where no plausible exam keeps the level, pick the promotions and the
    demotion, and give every therapist the exam mean their outcome needs."""
    from app.demo import technical_records

    rank_of = {lv_id: n for n, (lv_id, _n, _t) in enumerate(ctx.levels)}
    assessable = [t for t in ctx.therapists if t.level_id in rank_of and t.items
                  and _exam_for(ctx, t, 0) is not None]
    # The demotion, in the first store (its supervisor's login sees it): the therapist
    # 停牌 there for complaints (app/demo/history.py), else the 中级+ one the floor
    # record puts furthest below their level.
    # A therapist whose level HR just changed keeps it (no relevelling); if not even
    # full marks keep them there, they are the demotion.
    forced = []
    for t in assessable:
        if t.id in ctx.changed and rank_of[t.level_id] > 0:
            technical_records.unsubstantiate(ctx, t.id)
            if _band(ctx, t, rank_of[t.level_id])[0] > EXAM_FULL:
                forced.append(t)
    demotable = [t for t in assessable if rank_of[t.level_id] > 0 and t.id not in ctx.changed]
    suspended = set(db.session.scalars(select(BoardSuspension.therapist_id)))
    worst = forced[0] if forced else max(demotable, default=None, key=lambda t: (
        t.store_id == ctx.stores[0][0], t.id in suspended,
        _band(ctx, t, rank_of[t.level_id])[0], t.no))
    if worst is not None:
        worst.plan = "demote"
        ctx.demoted = worst.id
        technical_records.substantiate_demoted(ctx)
    relevelled = []
    for t in assessable:
        if t is worst:
            continue
        rank = rank_of[t.level_id]
        low, high = _band(ctx, t, rank)
        if ctx.substantiated_last_month.get(t.id) and (low > EXAM_HIGH or t.id in ctx.changed):
            # The complaint alone would move them: the investigation found it unfounded.
            technical_records.unsubstantiate(ctx, t.id)
            low, high = _band(ctx, t, rank)
        while low > EXAM_HIGH and rank > 0 and t.id not in ctx.changed:
            rank -= 1
            low, high = _band(ctx, t, rank)
        while high < EXAM_LOW and rank + 1 < len(ctx.levels) and t.id not in ctx.changed:
            rank += 1
            low, high = _band(ctx, t, rank)
        if ctx.levels[rank][0] != t.level_id:
            relevelled.append((t, ctx.levels[rank][0]))
            t.level_id = ctx.levels[rank][0]
    _apply_levels(ctx, relevelled)
    result.plan["relevelled"] = [f"{t.no} {t.name}" for t, _lv in relevelled]
    # Promotions: who needs the lowest exam mean to reach the next level, one per store
    # (those whose level was just set last).
    moved = {t.id for t, _lv in relevelled}
    candidates = []
    for t in assessable:
        rank = rank_of[t.level_id]
        if t is worst or rank + 1 >= len(ctx.levels) or t.id in ctx.changed:
            continue
        need = _exam_for(ctx, t, float(ctx.levels[rank + 1][2]) + MARGIN)
        if need <= EXAM_HIGH and need >= _band(ctx, t, rank)[0]:
            candidates.append((t.id in moved, max(need, EXAM_LOW), t.no, t))
    stores: set[int] = set()
    for _moved, need, _no, t in sorted(candidates, key=lambda c: c[:3]):
        if len(ctx.promoted) < PROMOTIONS and t.store_id not in stores:
            stores.add(t.store_id)
            t.plan, t.target = "promote", min(EXAM_HIGH, need + 1.5)
            ctx.promoted.append(t.id)
    for t in assessable:
        low, high = _band(ctx, t, rank_of[t.level_id])
        if t.plan == "keep":
            low, high = max(low, EXAM_LOW), min(high, EXAM_HIGH)
            if low <= high:
                t.target = min((low + high) / 2, low + 6 + ctx.rng.uniform(0, 4))
            else:  # only an HR level change is left here: as close to keeping as exams go
                t.target = min(EXAM_FULL, low) if low > EXAM_HIGH else max(EXAM_LOW, high)
        elif t.plan == "demote":
            t.target = min(78.0, low - 8)
    result.plan["promote"] = [f"{t.no} {t.name}" for t in assessable if t.plan == "promote"]
    result.plan["demote"] = [f"{t.no} {t.name}" for t in assessable if t.plan == "demote"]


def _apply_levels(ctx: Context, moves: list[tuple[Therapist, int]]) -> None:
    """Write the levels the floor record keeps; moving onto or off 金牌 moves the
    therapist onto or off the 金牌技师 pay profile (and its SI base), as the HR demo
    gives it (app/demo/hr_file.py)."""
    if not moves:
        return
    gold = next((i for i, n, _t in ctx.levels if n == "金牌"), None)
    profiles = {name: (pid, base) for pid, name, base in db.session.execute(
        select(PayProfile.id, PayProfile.name, PayProfile.monthly_base))}
    gold_profile = profiles.get(GOLD_PROFILE[0])
    plain = db.session.execute(
        select(PayProfile.id, PayProfile.monthly_base)
        .join(Position, Position.id == PayProfile.position_id)
        .where(Position.role == "therapist")).first()
    plain_rows, profile_rows = [], []
    for t, level_id in moves:
        row = {"tenant_id": ctx.tenant_id, "id": t.id, "level_id": level_id}
        on_gold = gold_profile is not None and t.pay_profile_id == gold_profile[0]
        if gold_profile is not None and plain is not None and (level_id == gold) != on_gold:
            profile_id, base = gold_profile if level_id == gold else (None, plain[1])
            profile_rows.append({**row, "pay_profile_id": profile_id, "si_base": base})
        else:
            plain_rows.append(row)
    for rows in (plain_rows, profile_rows):
        if rows:
            db.session.execute(update(Employee), rows)


# --- exams -------------------------------------------------------------------------------


def _score(criteria: list[tuple[int, str, Decimal]], marks: list[int]) -> Decimal:
    weight = sum((w for _c, _n, w in criteria), Decimal(0))
    total = sum((w * m for (_c, _n, w), m in zip(criteria, marks, strict=True)), Decimal(0))
    return (total / weight).quantize(CENT, ROUND_HALF_UP)


def _marks(rng: random.Random, n: int, target: float) -> list[int]:
    return [max(40, min(100, round(target + rng.gauss(0, 2.5)))) for _ in range(n)]


def add_exams(ctx: Context, criteria: dict[int, list[tuple[int, str, Decimal]]],
              result: TechnicalResult) -> list[dict]:
    """Write the exams; return them (dicts with their ids) for the other records."""
    rng = ctx.rng
    store_index = {sid: n for n, (sid, _c, _n) in enumerate(ctx.stores)}
    pass_mark = {v[0]: v[2] for v in ctx.items.values()}
    item_codes = {v[0]: code for code, v in ctx.items.items()}
    exams: list[dict] = []
    joiner_ids = {e for e, _done in ctx.joiners}
    demoted_case = _demoted_complaint(ctx)

    def exam(t: Therapist, item: int, day: date, target: float, kind: str = "regular",
             complaint: int | None = None) -> dict:
        row = {"t": t, "item": item, "day": day, "kind": kind, "complaint": complaint,
               "marks": _marks(rng, len(criteria[item]), target)}
        exams.append(row)
        return row

    for t in ctx.therapists:
        if not t.items:
            continue
        if t.id in joiner_ids:
            for item in t.items:
                exam(t, item, t.hire_date - timedelta(days=2), 82 + rng.uniform(0, 6),
                     "qualification")
            continue
        rounds = _rounds(ctx, store_index[t.store_id])
        latest = []
        offsets = [rng.uniform(-4, 4) for _ in t.items]
        mean = sum(offsets) / len(offsets)
        twice = t.plan == "promote" or rng.random() < 0.25
        fails = t.plan == "keep" and rng.random() < 0.12
        for n, item in enumerate(t.items):
            target = max(float(pass_mark[item]) + 2.5, t.target + offsets[n] - mean)
            first_round = rounds[0] if item_codes[item] in ("ZL60", "ZL90") else rounds[1]
            if t.plan == "promote":
                exam(t, item, first_round, min(target, t.target - 6))
                latest.append(exam(t, item, rounds[2], target))
            elif fails and n == len(t.items) - 1:
                exam(t, item, first_round, float(pass_mark[item]) - 7)
                latest.append(exam(t, item, first_round + timedelta(days=RE_EXAM_AFTER),
                                   target, "re_exam"))
            elif twice and n == 0:
                exam(t, item, rounds[0], target - 4)
                latest.append(exam(t, item, rounds[2], target))
            else:
                latest.append(exam(t, item, first_round, target))
        if t.plan == "demote":
            # The complaint's re-exam, failed, on the last item (latest of all).
            item = t.items[-1]
            day = demoted_case[1] + timedelta(days=3) if demoted_case else rounds[2]
            latest = [e for e in latest if e["item"] != item]
            latest.append(exam(t, item, min(day, ctx.period_end - timedelta(days=1)),
                               float(pass_mark[item]) - 8, "re_exam",
                               demoted_case[0] if demoted_case else None))
        _tune(ctx, t, latest, criteria)
        if t.plan == "keep" and rng.random() < 0.1 and ctx.today - timedelta(days=1) > \
                ctx.period_end:
            # This month's exam: the same marks as the item's latest (the mean is unchanged
            # whether or not the assessment reads exams after the period's end).
            last = latest[0]
            day = ctx.period_end + timedelta(days=1 + rng.randint(
                0, max(0, (ctx.today - ctx.period_end).days - 2)))
            exams.append({**last, "day": day, "kind": "regular", "marks": list(last["marks"])})
    _write_exams(ctx, exams, criteria, pass_mark)
    result.add("exams", len(exams))
    return exams


def _rounds(ctx: Context, index: int) -> list[date]:
    """The store's three exam days: the last in the middle of last month."""
    last = ctx.period_start + timedelta(days=LAST_ROUND_DAY + index)
    first = max(last - timedelta(days=60), ctx.first_day + timedelta(days=1 + index))
    return [first, max(last - timedelta(days=30), first + timedelta(days=12)), last]


def _demoted_complaint(ctx: Context) -> tuple[int, date] | None:
    cases = [c for c in ctx.complaints if c["attributed"] == ctx.demoted
             and ctx.period_start <= c["date"] <= ctx.period_end and c.get("substantiated")]
    return (cases[0]["id"], cases[0]["date"]) if cases else None


def _tune(ctx: Context, t: Therapist, latest: list[dict],
          criteria: dict[int, list[tuple[int, str, Decimal]]]) -> None:
    """Shift the latest exams' marks so their mean is the therapist's target (±0.5)."""
    for _round in range(6):
        scores = [_score(criteria[e["item"]], e["marks"]) for e in latest]
        mean = float(sum(scores) / len(scores))
        delta = round(t.target - mean)
        if abs(t.target - mean) <= 0.5 or delta == 0:
            return
        for e in latest:
            if t.plan == "demote" and e["kind"] == "re_exam":
                continue
            e["marks"] = [max(40, min(100, m + delta)) for m in e["marks"]]


def _write_exams(ctx: Context, exams: list[dict],
                 criteria: dict[int, list[tuple[int, str, Decimal]]],
                 pass_mark: dict[int, Decimal]) -> None:
    exams.sort(key=lambda e: (e["day"], e["t"].no, e["item"]))
    rows = []
    for e in exams:
        t, item = e["t"], e["item"]
        score = _score(criteria[item], e["marks"])
        e["score"], e["passed"] = score, score >= pass_mark[item]
        examiner = ctx.examiner(t.store_id)
        e["examiner"] = examiner
        note = ""
        if e["kind"] == "re_exam" and e["complaint"]:
            note = "客诉调查要求复考"
        elif e["kind"] == "re_exam":
            note = "上次考核未通过，复考"
        elif e["kind"] == "qualification":
            note = "新技师上岗资格考核"
        rows.append({
            "tenant_id": ctx.tenant_id, "employee_id": t.id, "service_item_id": item,
            "store_id": t.store_id, "kind": e["kind"], "examined_on": e["day"],
            "examiner_account_id": examiner,
            "scores": [{"criterion_id": cid, "name": name, "weight": str(weight),
                        "score": str(mark)}
                       for (cid, name, weight), mark in zip(criteria[item], e["marks"],
                                                            strict=True)],
            "score": score, "pass_score": pass_mark[item], "passed": e["passed"],
            "note": note, "complaint_id": e["complaint"],
            "created_at": ctx.utc(e["day"], time(15, 30))})
    for e, exam_id in zip(exams, bulk_insert(PracticalExam, rows, returning=True), strict=True):
        e["id"] = exam_id
    # The qualification names the first passed exam that backs it.
    backed: dict[int, dict] = {}
    for e in exams:
        qid = ctx.qualifications.get((e["t"].id, e["item"]))
        if qid is not None and e["passed"] and qid not in backed:
            backed[qid] = e
    if backed:
        db.session.execute(update(TherapistQualification), [
            {"tenant_id": ctx.tenant_id, "id": qid, "exam_id": e["id"], "granted_on": e["day"],
             "granted_by_account_id": e["examiner"]} for qid, e in backed.items()])


__all__ = ["expected_assessment", "load_last_month_assessment", "load_technical"]
