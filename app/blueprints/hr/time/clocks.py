"""打卡: punches by the employee (own login), at a store's shared clock page (打卡机: 工号 +
PIN), entered by the foreman (代打卡 / 补卡), or imported from clock devices (the import
is in clock_import.py, importable from here too).

Rules chosen where the spec is silent:
* A punch is never edited or deleted: a wrong one is voided (kept, with who, when, why).
* Foreman entry needs a reason and is audited.  Within ``FOREMAN_NOW_TOLERANCE`` (15 min)
  of now it is a 代打卡 (source ``foreman``, audit ``clock.record``); further in the past it
  is a correction 补卡 (source ``correction``, audit ``clock.correction``).  No punch may
  lie in the future (2 minutes' clock drift allowed).
* A punch is refused on a day the person is not employed (before the hire date, after
  the last working day, candidates), and when its day — the local calendar day, and the
  work day of the shift it belongs to (sheets.py's window rule) — lies in a LOCKED month
  of its store (``sheets.ensure_month_open``).
* The same person pressing the same button twice within a minute is refused (double tap),
  for own-login and kiosk punches.
* Kiosk: the 工号 must belong to an employee of THIS store; the PIN (4–6 digits) is
  hashed like a password (app.security, argon2id) and set by HR or by the employee (with
  their login password).  Wrong PINs are rate-limited per employee number with
  Flask-Limiter's storage (the one auth uses: memory in development, Redis in production):
  after ``KIOSK_PIN_FAILURES`` failures within 5 minutes that number is refused until the
  window passes; a right PIN resets the count.  Unknown number and wrong PIN get the same
  message.
* Therapists (轮牌 rule): when a therapist clocks IN at their store by own login or at
  the kiosk, they are also put on that store's rotation board for the current business day
  (``store.dispatch.clock_in``) unless already on it.  Not if the business day is closed
  (日结) or their health certificate (健康证) has expired — dispatch must not send them;
  then, and whenever dispatch refuses, the punch still counts and the result says why they
  are not on the board.  Clocking OUT does not take anyone off the board (the desk does
  that with 下牌: a therapist may be finishing a job).  Foreman entries and device imports
  never touch the board (they may be late records).
* Device import (``import_punches``): per row, not all-or-nothing — each valid row is
  stored, each bad row is reported (index, field, message) and stored nothing; a row whose
  (device_id, device_record_id) is already stored (or repeated in the batch) is counted as
  a duplicate, so sending the same batch again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from limits import parse as parse_limit
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.audit import record_audit
from app.blueprints.hr.models.time import CLOCK_KINDS, ClockRecord, ScheduleEntry
from app.blueprints.hr.payroll.attendance import Shift
from app.blueprints.hr.time import (
    CLOCK_KIND_LABELS,
    TimeError,
    actor_id,
    aware,
    day_bounds,
    local_date,
    tenant_zone,
    utc,
)
from app.blueprints.hr.time.locks import ensure_month_open
from app.blueprints.hr.time.punches import FUTURE_TOLERANCE, shift_for_punch
from app.blueprints.hr.time.schedules import schedulable_on
from app.extensions import db, limiter
from app.models import Employee, Position
from app.models.base import utcnow
from app.security import hash_password, verify_password
from app.tenancy import current_tenant_id
from app.validation import InputError

FOREMAN_NOW_TOLERANCE = timedelta(minutes=15)
DOUBLE_PUNCH = timedelta(seconds=60)
KIOSK_PIN_FAILURES = 5
KIOSK_PIN_WINDOW = "5 minutes"
PIN_MIN, PIN_MAX = 4, 6
MAX_IMPORT_ROWS = 2000


class WrongPinError(TimeError):
    """工号 or PIN wrong at the kiosk (counted towards the rate limit)."""


class PinLockedError(TimeError):
    """Too many wrong PINs for this employee number: refused until the window passes."""


@dataclass
class PunchResult:
    """A stored punch and, for a therapist's clock-in, what happened on the board.

    ``board``: None (not a therapist's clock-in at their store), "joined" (上牌),
    "already" (was on the board) or "refused" (``board_message`` says why).
    """

    record: ClockRecord
    employee: Employee
    board: str | None = None
    board_message: str = ""

    @property
    def message(self) -> str:
        local = aware(self.record.at).astimezone(tenant_zone())
        text = _("%(name)s %(kind)s打卡成功 %(time)s", name=self.employee.name,
                 kind=CLOCK_KIND_LABELS[self.record.kind], time=local.strftime("%H:%M"))
        return f"{text}。{self.board_message}" if self.board_message else text


# --------------------------------------------------------------------------- checks


def punch_work_date(employee_id: int, kind: str, at: datetime) -> date:
    """The work day a punch counts for: its shift's (window rule), else its local day."""
    zone = tenant_zone()
    day = local_date(at, zone)
    entries = db.session.scalars(select(ScheduleEntry).where(
        ScheduleEntry.employee_id == employee_id, ScheduleEntry.published_at.is_not(None),
        ScheduleEntry.is_rest.is_(False), ScheduleEntry.work_date >= day - timedelta(days=1),
        ScheduleEntry.work_date <= day + timedelta(days=1))).all()
    shifts = [Shift(e.work_date, aware(e.starts_at), aware(e.ends_at)) for e in entries
              if e.starts_at is not None and e.ends_at is not None]
    shift = shift_for_punch(shifts, kind, aware(at))
    return shift.work_date if shift is not None else day


def _check_punch(employee: Employee, kind: str, at: datetime | None, store_id: int | None,
                 now: datetime) -> datetime:
    if kind not in CLOCK_KINDS:
        raise TimeError.on("kind", _("请选择上班或下班"))
    if at is None:
        raise TimeError.on("at", _("请填写打卡时间"))
    if at.tzinfo is None or at.utcoffset() is None:
        raise TimeError.on("at", _("打卡时间须带时区"))
    if at > now + FUTURE_TOLERANCE:
        raise TimeError.on("at", _("打卡时间不能晚于现在"))
    day = local_date(at)
    if not schedulable_on(employee, day):
        raise TimeError.on("employee_id", _("%(name)s 在 %(day)s 不在职", name=employee.name,
                                            day=day.isoformat()))
    ensure_month_open(store_id, day, field="at")
    work_day = punch_work_date(employee.id, kind, at)
    if work_day != day:
        ensure_month_open(store_id, work_day, field="at")
    return at


def _refuse_double_tap(employee: Employee, kind: str, at: datetime) -> None:
    at = utc(at)
    recent = db.session.scalar(select(ClockRecord.id).where(
        ClockRecord.employee_id == employee.id, ClockRecord.kind == kind,
        ClockRecord.voided_at.is_(None), ClockRecord.at > at - DOUBLE_PUNCH,
        ClockRecord.at <= at + DOUBLE_PUNCH).limit(1))
    if recent is not None:
        raise TimeError.on("kind", _("刚刚已打过%(kind)s卡", kind=CLOCK_KIND_LABELS[kind]))


def _store(record_store_id, employee: Employee) -> int | None:
    return record_store_id if record_store_id is not None else employee.store_id


# --------------------------------------------------------------------------- own / kiosk


def clock_self(account, kind: str, now: datetime | None = None) -> PunchResult:
    """上班/下班打卡 from the person's own login, at their store (head office: none)."""
    employee = (db.session.scalar(select(Employee).where(Employee.id == account.employee_id))
                if getattr(account, "employee_id", None) else None)
    if employee is None:
        raise TimeError.on("employee_id", _("您的账号没有关联员工档案，不能打卡"))
    return _punch_now(employee, kind, "self", employee.store_id, account, now)


def _pin_key(employee_no: str) -> str:
    return f"kiosk-pin:{current_tenant_id()}:{employee_no}"


def _pin_limit():
    return parse_limit(f"{KIOSK_PIN_FAILURES} per {KIOSK_PIN_WINDOW}")


def clock_kiosk(store_id: int, employee_no: str, pin: str, kind: str, actor,
                now: datetime | None = None) -> PunchResult:
    """The store's clock page (打卡机): 工号 + PIN of an employee of this store."""
    employee_no = (employee_no or "").strip()
    pin = (pin or "").strip()
    if not employee_no:
        raise TimeError.on("employee_no", _("请输入工号"))
    if not pin:
        raise TimeError.on("pin", _("请输入打卡密码"))
    key = _pin_key(employee_no)
    if not limiter.limiter.test(_pin_limit(), key):
        raise PinLockedError.on("pin", _("密码错误次数过多，请 5 分钟后再试，或请领班代打卡"))
    employee = db.session.scalar(select(Employee).where(
        Employee.employee_no == employee_no, Employee.store_id == store_id))
    # Verified even when the number is unknown: the same time and answer either way.
    right = verify_password(employee.clock_pin_hash if employee else None, pin)
    if employee is None or not right:
        limiter.limiter.hit(_pin_limit(), key)
        raise WrongPinError.on("pin", _("工号或打卡密码不正确"))
    limiter.limiter.clear(_pin_limit(), key)
    return _punch_now(employee, kind, "kiosk", store_id, actor, now)


def _punch_now(employee: Employee, kind: str, source: str, store_id: int | None, actor,
               now: datetime | None) -> PunchResult:
    now = utc(now or utcnow())
    _check_punch(employee, kind, now, store_id, now)
    _refuse_double_tap(employee, kind, now)
    record = ClockRecord(employee_id=employee.id, store_id=store_id, kind=kind, at=now,
                         source=source, recorded_by_account_id=actor_id(actor))
    db.session.add(record)
    db.session.flush()
    result = PunchResult(record, employee)
    if kind == "in":
        result.board, result.board_message = _put_on_board(employee, store_id, actor)
    return result


def _put_on_board(employee: Employee, store_id: int | None, actor) -> tuple[str | None, str]:
    """The therapist rule of the module docstring: 上牌 on clock-in, never failing the punch."""
    from app.blueprints.store import dispatch
    from app.blueprints.store.days import get_business_day, today_for_store
    from app.blueprints.store.models import BoardEntry

    if store_id is None or employee.store_id != store_id:
        return None, ""
    role = db.session.scalar(select(Position.role).where(Position.id == employee.position_id))
    if role != "therapist":
        return None, ""
    today = today_for_store()
    if not employee.health_cert_valid_on(today):
        return "refused", _("健康证已过期（%(day)s），未上牌，请先更新健康证",
                            day=employee.health_cert_expires_on.isoformat())
    day = get_business_day(store_id, today, create=False)
    if day is not None:
        if day.locked_at is not None:
            return "refused", _("今天的营业日已日结，未上牌")
        on_board = db.session.scalar(select(BoardEntry.id).where(
            BoardEntry.business_day_id == day.id, BoardEntry.therapist_id == employee.id))
        if on_board is not None:
            return "already", _("已在轮牌上")
    try:
        with db.session.begin_nested():
            dispatch.clock_in(store_id, employee.id, actor)
    except InputError as exc:
        return "refused", _("未上牌：%(reason)s", reason=exc.message)
    return "joined", _("已上牌（轮牌）")


# --------------------------------------------------------------------------- foreman


def record_punch(employee: Employee, kind: str, at: datetime | None, reason: str, actor,
                 store_id: int | None = None, now: datetime | None = None) -> ClockRecord:
    """代打卡 (about now) or 补卡 (an earlier, missing punch): a reason is required; audited."""
    now = utc(now or utcnow())
    reason = (reason or "").strip()
    if not reason:
        raise TimeError.on("reason", _("请填写原因"))
    store_id = _store(store_id, employee)
    at = utc(_check_punch(employee, kind, at, store_id, now))
    correction = abs(now - at) > FOREMAN_NOW_TOLERANCE
    record = ClockRecord(employee_id=employee.id, store_id=store_id, kind=kind, at=at,
                         source="correction" if correction else "foreman",
                         reason=reason[:255], recorded_by_account_id=actor_id(actor))
    db.session.add(record)
    db.session.flush()
    after = {"employee_id": employee.id, "kind": kind, "at": at.isoformat(),
             "store_id": store_id, "reason": record.reason}
    if correction:
        record_audit("clock.correction", "clock_record", record.id, after=after)
    else:
        record_audit("clock.record", "clock_record", record.id, after=after)
    return record


def void_punch(record: ClockRecord, reason: str, actor) -> ClockRecord:
    """作废: a wrong punch stays, marked void with who and why; audited."""
    reason = (reason or "").strip()
    if not reason:
        raise TimeError.on("reason", _("请填写作废原因"))
    if record.voided_at is not None:
        raise TimeError.on("clock_id", _("这条打卡记录已作废"))
    at = aware(record.at)
    ensure_month_open(record.store_id, local_date(at), field="at")
    work_day = punch_work_date(record.employee_id, record.kind, at)
    ensure_month_open(record.store_id, work_day, field="at")
    record.voided_at = utcnow()
    record.voided_by_account_id = actor_id(actor)
    record.void_reason = reason[:255]
    db.session.flush()
    record_audit("clock.void", "clock_record", record.id,
                 before={"employee_id": record.employee_id, "kind": record.kind,
                         "at": at.isoformat(), "source": record.source},
                 after={"voided": True, "reason": record.void_reason})
    return record


# --------------------------------------------------------------------------- PIN


def set_clock_pin(employee: Employee, pin: str, actor, *, by_self: bool = False) -> None:
    """Set the kiosk PIN (4–6 digits), hashed like a password; audited (never the PIN)."""
    pin = (pin or "").strip()
    if not (pin.isdigit() and pin.isascii() and PIN_MIN <= len(pin) <= PIN_MAX):
        raise TimeError.on("pin", _("打卡密码须为 %(low)s–%(high)s 位数字", low=PIN_MIN,
                                    high=PIN_MAX))
    had_pin = employee.clock_pin_hash is not None
    employee.clock_pin_hash = hash_password(pin)
    db.session.flush()
    record_audit("clock.pin_set", "employee", employee.id,
                 before={"had_pin": had_pin}, after={"by_self": by_self})


# --------------------------------------------------------------------------- reading


def punches_between(first: datetime, last: datetime, *, store_id: int | None = None,
                    employee_id: int | None = None) -> list[ClockRecord]:
    """Punches (voided included) with ``first <= at < last``, their employees loaded."""
    query = (select(ClockRecord).options(joinedload(ClockRecord.employee))
             .where(ClockRecord.at >= utc(first), ClockRecord.at < utc(last)))
    if store_id is not None:
        query = query.where(ClockRecord.store_id == store_id)
    if employee_id is not None:
        query = query.where(ClockRecord.employee_id == employee_id)
    return list(db.session.scalars(query.order_by(ClockRecord.at, ClockRecord.id)))


def punches_on(day: date, **filters) -> list[ClockRecord]:
    """Punches of a local calendar day."""
    first, last = day_bounds(day, tenant_zone())
    return punches_between(first, last, **filters)


def list_records(store_ids: set[int] | None, *, store_id: int | None = None,
                 employee_id: int | None = None, first: datetime | None = None,
                 last: datetime | None = None, include_voided: bool = True):
    """The select behind the API's clock-record list (store scope applied)."""
    query = select(ClockRecord)
    if store_ids is not None:
        query = query.where(ClockRecord.store_id.in_(store_ids or [-1]))
    if store_id is not None:
        query = query.where(ClockRecord.store_id == store_id)
    if employee_id is not None:
        query = query.where(ClockRecord.employee_id == employee_id)
    if first is not None:
        query = query.where(ClockRecord.at >= utc(first))
    if last is not None:
        query = query.where(ClockRecord.at < utc(last))
    if not include_voided:
        query = query.where(ClockRecord.voided_at.is_(None))
    return query.order_by(ClockRecord.at, ClockRecord.id)


# Importable from here as before the module was split (views, API, tests).
from app.blueprints.hr.time.clock_import import ImportResult, import_punches  # noqa: E402,F401
