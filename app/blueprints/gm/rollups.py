"""Daily per-store rollups (营业日汇总, ``StoreDayRollup``): computed from the source rows,
kept current by a job, rebuildable exactly for any range; the dashboard and the monthly
report read them, and compute today live.

CONTRACT (issue 13; the rollups helper implements it, the dashboard, targets and report
helpers call it — signatures fixed):

* ``compute_days(first, last, store_ids=None) -> list[dict]`` — one dict per (store,
  business date) in ``first..last`` that has any activity, keys exactly the columns of
  ``StoreDayRollup`` except id/tenant_id/computed_at (``store_id``, ``business_date``,
  ``revenue``, ``paid_cash``…, ``jobs``…), values Decimal for money and int for counts;
  read from the source rows in a fixed number of grouped statements, whatever the
  number of stores or days.  ``store_ids`` None: every store of the tenant.
* ``refresh_days(first, last, store_ids=None) -> int`` — make the stored rows of the
  range equal ``compute_days`` (rows of days with no activity removed); returns rows
  written.  No commit.
* ``read_days(first, last, store_ids=None) -> list[DayFigures]`` — the figures of each
  (store, day) of the range: stored rows for the days before each store's today, and
  today's (and any later day's) computed live; a fixed number of statements.
  ``DayFigures`` has the same attribute names as ``StoreDayRollup``.

RULES (where the model's docstring leaves a choice, decided here; the property test in
tests/gm/ recomputes every one of them plainly from the ORM rows):

* Business date.  Rows that belong to a business day (orders, payments, jobs) take
  ``BusinessDay.business_date``.  Rows with only a timestamp (card ledger, cards opened,
  complaints, clock punches) take the business date of that moment: the company's
  time zone and the store policy's day start (``days.business_date_at`` /
  ``closing_figures.day_window``), so a punch or a complaint at 01:00 belongs to the
  night's business day, as on the 日结.
* Money (``revenue``, ``paid_<method>``, ``refunds``, ``refund_count``) is read from the
  ``Payment`` rows of the business day, exactly as the 日结 reads them
  (``closing_figures._payment_figures``): every method at face (member cards too), a
  refund paid out is a negative row on the day it was paid (not the order's day), so
  ``revenue`` = the 日结's ``payments_net`` and ``paid_<method>`` = its method's net;
  ``refunds`` = Σ of the negative rows (positive), ``refund_count`` = their number.
* ``orders``: orders of the day with status ``paid`` (a partly refunded order stays
  ``paid``; cancelled and still open orders do not count) = the 日结's order_count;
  ``guests`` = Σ ``party_size`` of those orders.
* Jobs of the business day, by ``ServiceJob.status``: ``jobs`` = finished jobs (加钟
  included); ``jobs_returned`` = returned (退钟) jobs; running and cancelled jobs count
  nowhere.  Of the finished jobs, ``jobs_addon`` = ``is_addon`` (加钟) and
  ``jobs_requested`` = ``job_type == 'requested'`` and not an add-on (点钟), the same
  split as the 日结's per-therapist table (轮钟 / 点钟 / 加钟).  ``job_minutes`` = Σ over
  finished jobs of their length (起钟 to 下钟) in whole minutes, each job rounded to the
  nearest minute (half up) from whole seconds.
* ``duty_minutes``: punches (not voided) of employees whose position is a therapist's,
  at this store (the punch's store).  Per employee in time order, an ``in`` followed
  directly by an ``out`` within ``MAX_SHIFT`` is one stretch on duty, counted for the
  store and business date of its ``in``, rounded like jobs; an ``in`` with no such
  ``out`` (forgotten punch, a second ``in``) counts nothing — HR's corrections (补卡)
  fix it, and the nightly refresh of the last week picks the correction up.
* ``ratings``, ``rating_total``, ``low_ratings`` (≤ 2 stars): feedback by its order's
  store and business day (late feedback lands on the day of the service).
* ``complaints``: complaint cases by their store and the business date of their
  creation.
* ``card_sales``: Σ ``topup`` ledger entries made in the store (the money received,
  bonus excluded — the 日结's topup_total); ``cards_sold``: cards opened with the store as
  issuing store; ``card_balance_change``: Σ of every ledger entry (top-up, bonus, spend,
  refund to card, adjustment) of the cards the store issued, wherever it happened.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import (
    Integer,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
    true,
)

from app.blueprints.gm.models import ROLLUP_METHODS, StoreDayRollup
from app.blueprints.hr.models.time import ClockRecord
from app.blueprints.store.closing_figures import day_window
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import (
    BusinessDay,
    CardLedgerEntry,
    ComplaintCase,
    Feedback,
    MemberCard,
    Order,
    Payment,
    ServiceJob,
)
from app.extensions import db
from app.models import Employee, Tenant
from app.models.base import utcnow
from app.models.org import Position
from app.tenancy import current_tenant_id

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# A clock-in whose clock-out comes later than this is a forgotten punch, not a shift.
MAX_SHIFT = timedelta(hours=24)

MONEY_FIELDS = ("revenue", *(f"paid_{m}" for m in ROLLUP_METHODS), "refunds", "card_sales",
                "card_balance_change")
COUNT_FIELDS = ("refund_count", "cards_sold", "orders", "guests", "jobs", "jobs_requested",
                "jobs_addon", "jobs_returned", "job_minutes", "duty_minutes", "ratings",
                "rating_total", "low_ratings", "complaints")
FIGURE_FIELDS = MONEY_FIELDS + COUNT_FIELDS


@dataclass
class DayFigures:
    """One store's business day in figures: the attribute names of ``StoreDayRollup``."""

    store_id: int
    business_date: date
    revenue: Decimal = ZERO
    paid_cash: Decimal = ZERO
    paid_wechat: Decimal = ZERO
    paid_alipay: Decimal = ZERO
    paid_bank_card: Decimal = ZERO
    paid_voucher: Decimal = ZERO
    paid_stored_value: Decimal = ZERO
    paid_package_card: Decimal = ZERO
    refunds: Decimal = ZERO
    refund_count: int = 0
    card_sales: Decimal = ZERO
    cards_sold: int = 0
    card_balance_change: Decimal = ZERO
    orders: int = 0
    guests: int = 0
    jobs: int = 0
    jobs_requested: int = 0
    jobs_addon: int = 0
    jobs_returned: int = 0
    job_minutes: int = 0
    duty_minutes: int = 0
    ratings: int = 0
    rating_total: int = 0
    low_ratings: int = 0
    complaints: int = 0


ROW_KEYS = tuple(f.name for f in fields(DayFigures))


def as_money(total) -> Decimal:
    """A SQL sum as money (SQLite sums NUMERIC as floating point: str() first)."""
    return Decimal(str(total or 0)).quantize(CENT, ROUND_HALF_UP)


def whole_minutes(seconds: int) -> int:
    """Seconds to minutes, half up: the rule of job and duty minutes."""
    return (int(seconds) + 30) // 60


def _by_position(n: int) -> list:
    """GROUP BY 1 … n: a CASE of bound moments written twice would be two different
    expressions to PostgreSQL."""
    return [literal_column(str(i)) for i in range(1, n + 1)]


def _day_bounds(first: date, last: date, tenant: Tenant) -> list[datetime]:
    """The UTC starts of the business days first … last+1 (contiguous windows)."""
    return [day_window(first + timedelta(days=i), tenant)[0]
            for i in range((last - first).days + 1)] + [day_window(last, tenant)[1]]


def _bucket(column, bounds: list[datetime]):
    """Index of the business day a moment falls in (the caller keeps it in range)."""
    return case(*[(column < bounds[i + 1], i) for i in range(len(bounds) - 1)], else_=-1)


def _seconds(column):
    """Whole seconds since the epoch of a timestamp column, in SQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", column)), Integer)
    return cast(func.strftime("%s", column), Integer)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _store_filter(column, store_ids):
    return column.in_(sorted(store_ids) or [-1]) if store_ids is not None else true()


def compute_days(first: date, last: date, store_ids: set[int] | None = None) -> list[dict]:
    """The figures of every (store, business date) of ``first..last`` with any activity.

    Nine grouped statements (and the tenant row), whatever the number of stores or days.
    """
    if last < first:
        return []
    tenant = db.session.get(Tenant, current_tenant_id())
    bounds = _day_bounds(first, last, tenant)
    start, end = bounds[0], bounds[-1]
    days: dict[tuple[int, date], dict] = {}

    def row(store_id: int, business_date) -> dict:
        if not isinstance(business_date, date):
            business_date = date.fromisoformat(str(business_date)[:10])
        key = (store_id, business_date)
        if key not in days:
            days[key] = {"store_id": store_id, "business_date": business_date,
                         **{k: ZERO for k in MONEY_FIELDS}, **{k: 0 for k in COUNT_FIELDS}}
        return days[key]

    def on_day(i: int) -> date:
        return first + timedelta(days=i)

    in_range = and_(BusinessDay.business_date >= first, BusinessDay.business_date <= last,
                    _store_filter(BusinessDay.store_id, store_ids))

    # 1. Paid orders and their guests.
    for store_id, bdate, orders, guests in db.session.execute(
            select(BusinessDay.store_id, BusinessDay.business_date, func.count(Order.id),
                   func.coalesce(func.sum(Order.party_size), 0))
            .join(BusinessDay, BusinessDay.id == Order.business_day_id)
            .where(in_range, Order.status == "paid")
            .group_by(BusinessDay.store_id, BusinessDay.business_date)):
        figures = row(store_id, bdate)
        figures["orders"], figures["guests"] = int(orders), int(guests)

    # 2. Money by method, refunds as negative rows (as the 日结 reads it).
    negative = Payment.amount < 0
    for store_id, bdate, method, net, refunded, refund_count in db.session.execute(
            select(BusinessDay.store_id, BusinessDay.business_date, Payment.method,
                   func.coalesce(func.sum(Payment.amount), 0),
                   func.coalesce(func.sum(case((negative, Payment.amount), else_=0)), 0),
                   func.count(case((negative, Payment.id))))
            .join(BusinessDay, BusinessDay.id == Payment.business_day_id)
            .where(in_range)
            .group_by(BusinessDay.store_id, BusinessDay.business_date, Payment.method)):
        figures = row(store_id, bdate)
        net = as_money(net)
        if method in ROLLUP_METHODS:
            figures[f"paid_{method}"] += net
        figures["revenue"] += net
        figures["refunds"] -= as_money(refunded)
        figures["refund_count"] += int(refund_count)

    # 3. Jobs: finished (点钟, 加钟, minutes) and returned.
    finished = ServiceJob.status == "finished"
    timed = and_(finished, ServiceJob.ended_at.is_not(None),
                 ServiceJob.ended_at >= ServiceJob.started_at)
    minutes = (_seconds(ServiceJob.ended_at) - _seconds(ServiceJob.started_at) + 30) // 60
    for (store_id, bdate, jobs, requested, addon, returned, job_minutes) in db.session.execute(
            select(BusinessDay.store_id, BusinessDay.business_date,
                   func.count(case((finished, ServiceJob.id))),
                   func.count(case((and_(finished, ServiceJob.job_type == "requested",
                                         ServiceJob.is_addon.is_(False)), ServiceJob.id))),
                   func.count(case((and_(finished, ServiceJob.is_addon.is_(True)),
                                    ServiceJob.id))),
                   func.count(case((ServiceJob.status == "returned", ServiceJob.id))),
                   func.coalesce(func.sum(case((timed, minutes), else_=0)), 0))
            .join(BusinessDay, BusinessDay.id == ServiceJob.business_day_id)
            .where(in_range, ServiceJob.status.in_(("finished", "returned")))
            .group_by(BusinessDay.store_id, BusinessDay.business_date)):
        figures = row(store_id, bdate)
        figures.update(jobs=int(jobs), jobs_requested=int(requested), jobs_addon=int(addon),
                       jobs_returned=int(returned), job_minutes=int(job_minutes))

    # 4. Ratings by the order's business day.
    for store_id, bdate, ratings, total, low in db.session.execute(
            select(BusinessDay.store_id, BusinessDay.business_date, func.count(Feedback.id),
                   func.coalesce(func.sum(Feedback.rating), 0),
                   func.count(case((Feedback.rating <= 2, Feedback.id))))
            .join(Order, Order.id == Feedback.order_id)
            .join(BusinessDay, BusinessDay.id == Order.business_day_id)
            .where(in_range)
            .group_by(BusinessDay.store_id, BusinessDay.business_date)):
        figures = row(store_id, bdate)
        figures.update(ratings=int(ratings), rating_total=int(total), low_ratings=int(low))

    # 5. Complaints by the business date of their creation.
    bucket = _bucket(ComplaintCase.created_at, bounds)
    for store_id, i, count in db.session.execute(
            select(ComplaintCase.store_id, bucket, func.count(ComplaintCase.id))
            .where(ComplaintCase.created_at >= start, ComplaintCase.created_at < end,
                   _store_filter(ComplaintCase.store_id, store_ids))
            .group_by(*_by_position(2))):
        row(store_id, on_day(i))["complaints"] += int(count)

    # 6. Card top-ups received in the store (bonus excluded).
    bucket = _bucket(CardLedgerEntry.created_at, bounds)
    for store_id, i, amount in db.session.execute(
            select(CardLedgerEntry.store_id, bucket,
                   func.coalesce(func.sum(CardLedgerEntry.amount), 0))
            .where(CardLedgerEntry.kind == "topup", CardLedgerEntry.created_at >= start,
                   CardLedgerEntry.created_at < end,
                   _store_filter(CardLedgerEntry.store_id, store_ids))
            .group_by(*_by_position(2))):
        row(store_id, on_day(i))["card_sales"] += as_money(amount)

    # 7. The stored value of the cards each store issued.
    bucket = _bucket(CardLedgerEntry.created_at, bounds)
    for store_id, i, amount in db.session.execute(
            select(MemberCard.issued_store_id, bucket,
                   func.coalesce(func.sum(CardLedgerEntry.amount), 0))
            .join(MemberCard, MemberCard.id == CardLedgerEntry.card_id)
            .where(CardLedgerEntry.created_at >= start, CardLedgerEntry.created_at < end,
                   _store_filter(MemberCard.issued_store_id, store_ids))
            .group_by(*_by_position(2))):
        row(store_id, on_day(i))["card_balance_change"] += as_money(amount)

    # 8. Cards opened.
    bucket = _bucket(MemberCard.created_at, bounds)
    for store_id, i, count in db.session.execute(
            select(MemberCard.issued_store_id, bucket, func.count(MemberCard.id))
            .where(MemberCard.created_at >= start, MemberCard.created_at < end,
                   _store_filter(MemberCard.issued_store_id, store_ids))
            .group_by(*_by_position(2))):
        row(store_id, on_day(i))["cards_sold"] += int(count)

    # 9. Therapists' time on duty: punches paired in Python (the pairing is per person and
    # in order, not a sum).  Punches up to MAX_SHIFT past the range close its last stretches.
    punches = db.session.execute(
        select(ClockRecord.employee_id, ClockRecord.store_id, ClockRecord.kind, ClockRecord.at)
        .join(Employee, Employee.id == ClockRecord.employee_id)
        .join(Position, Position.id == Employee.position_id)
        .where(Position.role == "therapist", ClockRecord.voided_at.is_(None),
               ClockRecord.at >= start, ClockRecord.at < end + MAX_SHIFT)
        .order_by(ClockRecord.employee_id, ClockRecord.at, ClockRecord.id)).all()
    for (employee_id, store_id, kind, at), following in zip(punches, punches[1:], strict=False):
        if (kind != "in" or store_id is None or following[0] != employee_id
                or following[2] != "out" or (store_ids is not None and store_id not in store_ids)):
            continue
        began, ended = _aware(at), _aware(following[3])
        if not start <= began < end or ended - began > MAX_SHIFT:
            continue
        i = next(j for j in range(len(bounds) - 1) if began < bounds[j + 1])
        seconds = int(ended.timestamp()) - int(began.timestamp())
        row(store_id, on_day(i))["duty_minutes"] += whole_minutes(seconds)

    return [days[key] for key in sorted(days)]


def refresh_days(first: date, last: date, store_ids: set[int] | None = None) -> int:
    """Make the stored rows of ``first..last`` (those stores) equal ``compute_days``.

    Delete then insert, under a per-company lock on PostgreSQL: the nightly refresh and
    a closing's refresh of the same day must not both insert it.  No commit.
    """
    tenant_id = current_tenant_id()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": zlib.crc32(f"gm.rollups:{tenant_id}".encode())})
    rows = compute_days(first, last, store_ids)
    db.session.execute(
        delete(StoreDayRollup)
        .where(StoreDayRollup.business_date >= first, StoreDayRollup.business_date <= last,
               _store_filter(StoreDayRollup.store_id, store_ids))
        .execution_options(synchronize_session="fetch"))
    if rows:
        now = utcnow()
        db.session.execute(insert(StoreDayRollup),
                           [{**r, "tenant_id": tenant_id, "computed_at": now} for r in rows])
    return len(rows)


def _figures(source) -> DayFigures:
    if isinstance(source, dict):
        return DayFigures(**{key: source[key] for key in ROW_KEYS})
    values = {key: getattr(source, key) for key in ROW_KEYS}
    for key in MONEY_FIELDS:
        values[key] = as_money(values[key])
    return DayFigures(**values)


def read_days(first: date, last: date, store_ids: set[int] | None = None) -> list[DayFigures]:
    """Stored rows before today, today (and later) computed live; sorted by store, day.

    Days without activity have no entry.  Today is the company's business date (the
    store policy's day start is the company's, so it is the same for every store).
    """
    if last < first:
        return []
    today = today_for_store()
    result: list[DayFigures] = []
    if first < today:
        result.extend(_figures(r) for r in db.session.scalars(
            select(StoreDayRollup)
            .where(StoreDayRollup.business_date >= first,
                   StoreDayRollup.business_date <= min(last, today - timedelta(days=1)),
                   _store_filter(StoreDayRollup.store_id, store_ids))))
    if last >= today:
        result.extend(_figures(r) for r in compute_days(max(first, today), last, store_ids))
    result.sort(key=lambda f: (f.store_id, f.business_date))
    return result
