"""Logistics' settings (tenant.policies["logistics"]): when the monthly asset count
opens and when an unfinished one is overdue (specs/asset-count.md, The monthly count).

Edited on the 后勤设置 tab and the API (permission ``asset.manage``); each change is
audited.  Hours and days are the company's local time (``tenant.timezone``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from app.audit import record_audit, register_audit_actions
from app.extensions import db
from app.models import Tenant
from app.models.base import utcnow
from app.tenancy import current_tenant_id
from app.validation import InputError

register_audit_actions({"logistics.settings": _l("修改后勤设置（资产盘点时间）")})

POLICY_KEY = "logistics"


@dataclass(frozen=True)
class LogisticsSettings:
    # The count of the month just ended opens on this day of the month, at this hour.
    count_day: int = 1
    count_hour: int = 2
    # A count of last month not yet closed on this day is overdue.
    overdue_day: int = 5

    def as_dict(self) -> dict:
        return asdict(self)


# name -> (label, lowest, highest)
SETTINGS: dict[str, tuple] = {
    "count_day": (_l("每月几号开始资产盘点"), 1, 28),
    "count_hour": (_l("几点开始（公司当地时间，0–23 点）"), 0, 23),
    "overdue_day": (_l("每月几号起未完成的盘点算逾期"), 1, 28),
}


class LogisticsSettingsError(InputError):
    """A setting out of range; ``fields`` names it, nothing saved."""


def logistics_settings(tenant: Tenant | None = None) -> LogisticsSettings:
    """The current tenant's settings; unknown or unreadable stored keys are ignored."""
    tenant = tenant or db.session.get(Tenant, current_tenant_id())
    stored = dict((tenant.policies or {}).get(POLICY_KEY, {}) or {}) if tenant else {}
    values = {}
    for f in fields(LogisticsSettings):
        try:
            if f.name in stored:
                values[f.name] = int(str(stored[f.name]))
        except ValueError:
            continue
    return LogisticsSettings(**values)


def save_logistics_settings(values: dict, actor) -> LogisticsSettings:
    """Save the given settings (others keep theirs); audited.  A bad value raises
    LogisticsSettingsError naming it and saves nothing.  The overdue day must come
    after the count day (a count cannot be late before it opens)."""
    cleaned, errors = {}, {}
    for name, raw in values.items():
        if name not in SETTINGS:
            errors[name] = _l("没有这个设置")
            continue
        label, lowest, highest = SETTINGS[name]
        try:
            number = int(str(raw).strip()) if not isinstance(raw, bool) else None
        except ValueError:
            number = None
        if number is None or not lowest <= number <= highest:
            errors[name] = _l("%(label)s 须为 %(lo)s 到 %(hi)s 的整数", label=label,
                              lo=lowest, hi=highest)
            continue
        cleaned[name] = number
    merged = {**logistics_settings().as_dict(), **cleaned}
    if not errors and merged["overdue_day"] <= merged["count_day"]:
        errors["overdue_day"] = _l("逾期日须晚于盘点开始日")
    if errors:
        raise LogisticsSettingsError({k: str(v) for k, v in errors.items()})
    tenant = db.session.get(Tenant, current_tenant_id())
    before = dict((tenant.policies or {}).get(POLICY_KEY, {}) or {})
    policies = dict(tenant.policies or {})
    policies[POLICY_KEY] = {**before, **cleaned}
    tenant.policies = policies  # a new dict: JSON columns track assignment only
    record_audit("logistics.settings", "tenant", tenant.id,
                 before={k: before.get(k) for k in cleaned}, after=cleaned, actor=actor)
    db.session.flush()
    return logistics_settings(tenant)


def tenant_now(now: datetime | None = None) -> datetime:
    """Now in the company's own time zone."""
    tenant = db.session.get(Tenant, current_tenant_id())
    zone = ZoneInfo((tenant.timezone if tenant else None) or "Asia/Shanghai")
    return (now or utcnow()).astimezone(zone)


def tenant_today() -> date:
    return tenant_now().date()
