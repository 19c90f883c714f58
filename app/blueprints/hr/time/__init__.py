"""考勤: shift templates (班次), schedules (排班, 排休), punches (打卡, 补卡), leave (请假),
overtime (加班) and the monthly attendance sheet (月度考勤表) — specs/hr-lifecycle.md, Time.

The verbs are plain functions in the modules of this package (``shifts``, ``schedules``,
``clocks`` and ``clock_import``, ``leave``, ``sheets``; ``locks`` and ``punches`` hold the
month lock and the punch window rule): they take plain arguments, add/flush, write the
audit entry and never commit; the pages (app/blueprints/hr/views_time*.py) and the API
(app/blueprints/api/attendance.py) commit.  Bad input raises :class:`TimeError` naming the
field; a change dated inside a LOCKED attendance month raises
:class:`~app.blueprints.hr.time.locks.MonthLockedError` (``locks.ensure_month_open``, the
one check every verb calls).

Times are aware datetimes; "a day" is a calendar day in the tenant's time zone
(``Tenant.timezone``).  Every moment is STORED and compared in UTC (:func:`utc`): SQLite keeps
timestamps as text without their offset and compares them as text, and hands them back
naive — they are UTC (:func:`aware`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l

from app.audit import register_audit_actions
from app.blueprints.hr.common import HrError
from app.extensions import db
from app.inputs import in_date_range
from app.models import Tenant
from app.models.base import utcnow
from app.tenancy import current_tenant_id


class TimeError(HrError):
    """Bad input for a time-and-attendance verb; ``fields`` maps each field to its message."""


class NotAllowed(TimeError):
    """The actor may not do this (e.g. a store manager approving leave that needs HR);
    the pages flash it, the API answers 403."""


WEEKDAYS = (_l("周一"), _l("周二"), _l("周三"), _l("周四"), _l("周五"), _l("周六"), _l("周日"))

CLOCK_KIND_LABELS = {"in": _l("上班"), "out": _l("下班")}
CLOCK_SOURCE_LABELS = {
    "self": _l("本人"),
    "kiosk": _l("打卡机"),
    "foreman": _l("代打卡"),
    "device": _l("考勤机导入"),
    "correction": _l("补卡"),
}
LEAVE_KIND_LABELS = {
    "annual": _l("年假"),
    "marriage": _l("婚假"),
    "bereavement": _l("丧假"),
    "maternity": _l("产假"),
    "paternity": _l("陪产假"),
    "sick": _l("病假"),
    "personal": _l("事假"),
}
REQUEST_STATUS_LABELS = {
    "pending": _l("待审批"),
    "approved": _l("已批准"),
    "rejected": _l("已驳回"),
    "cancelled": _l("已取消"),
}
SHEET_STATUS_LABELS = {"open": _l("未锁定"), "locked": _l("已锁定")}

register_audit_actions({
    "schedule.publish": _l("发布排班"),
    "schedule.copy": _l("复制上周排班"),
    "clock.record": _l("代打卡"),
    "clock.correction": _l("补卡"),
    "clock.void": _l("作废打卡记录"),
    "clock.pin_set": _l("设置打卡密码"),
    "leave.approve": _l("批准请假"),
    "leave.reject": _l("驳回请假"),
    "leave.cancel": _l("取消请假"),
    "overtime.approve": _l("批准加班"),
    "overtime.reject": _l("驳回加班"),
    "overtime.cancel": _l("取消加班"),
    "attendance.lock": _l("锁定月度考勤表"),
    "attendance.unlock": _l("解锁月度考勤表"),
})


def tenant_zone() -> ZoneInfo:
    """The current tenant's time zone (Asia/Shanghai unless the company set another).

    Kept on ``g`` for the request: pages format many times, and the session holds the
    tenant row only weakly (it would be read again each time)."""
    tenant_id = current_tenant_id()
    cached = g.get("_time_zone") if has_app_context() else None
    if cached is not None and cached[0] == tenant_id:
        return cached[1]
    tenant = db.session.get(Tenant, tenant_id)
    zone = ZoneInfo(tenant.timezone if tenant is not None and tenant.timezone
                    else "Asia/Shanghai")
    if has_app_context():
        g._time_zone = (tenant_id, zone)
    return zone


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they are UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def utc(moment: datetime) -> datetime:
    """An aware moment in UTC: what is stored and what queries compare with."""
    return aware(moment).astimezone(UTC)


def local_now(zone: ZoneInfo | None = None) -> datetime:
    return utcnow().astimezone(zone or tenant_zone())


def local_date(moment: datetime, zone: ZoneInfo | None = None) -> date:
    """The calendar day of an aware moment in the tenant's time zone."""
    return aware(moment).astimezone(zone or tenant_zone()).date()


def at_local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """``day`` at ``clock`` in ``zone``, aware."""
    return datetime.combine(day, clock).replace(tzinfo=zone)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a calendar day in ``zone``, in UTC (ready for a query)."""
    return (utc(at_local(day, time(0), zone)),
            utc(at_local(day + timedelta(days=1), time(0), zone)))


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_end(month: date) -> date:
    """The last day of ``month``'s month."""
    return next_month(month_start(month)) - timedelta(days=1)


def parse_month(raw: str | None, default: date) -> date:
    """``2026-11`` (or a full date) -> the first of that month; bad input -> ``default``'s."""
    raw = (raw or "").strip()
    try:
        if len(raw) == 7:
            parsed = date.fromisoformat(raw + "-01")
        elif raw:
            parsed = month_start(date.fromisoformat(raw))
        else:
            parsed = None
    except ValueError:
        parsed = None
    # 9999-12 parses, but its month's end does not exist.
    if parsed is None or not in_date_range(parsed):
        return month_start(default)
    return parsed


def actor_id(actor) -> int | None:
    return getattr(actor, "id", None) if actor is not None else None
