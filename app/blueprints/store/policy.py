"""The tenant's front-desk settings (tenant.policies["store"]), with the defaults
of specs/dispatch.md where the company has not set its own.

The minute and count settings of the desk are edited on the 前台设置 page and at
``/api/v1/store-settings`` (permission ``store.settings``); each change is audited.
The business day's start is not editable there: moving it re-dates open days.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import time

from flask_babel import lazy_gettext as _l

from app.audit import record_audit, register_audit_actions
from app.extensions import db
from app.models import Tenant
from app.tenancy import current_tenant_id
from app.validation import InputError

register_audit_actions({"store.settings": _l("修改前台设置（退钟时限、提前下钟等）")})


@dataclass(frozen=True)
class StorePolicy:
    return_window_minutes: int = 10  # 退钟 allowed within this many minutes of 起钟
    ready_notice_count: int = 3  # 上点准备: how many waiting therapists are shown
    reservation_hold_minutes: int = 15  # a reservation holds its room this long before
    no_show_after_minutes: int = 30  # …and is released as no-show this long after
    overrun_warning_minutes: int = 5  # 催钟: warn this long before the planned end
    tea_round_minutes: int = 15  # 每15分钟续水
    # A business day runs from this local time to the same time the next morning,
    # so a guest at 01:30 belongs to the evening before (stores close after midnight).
    business_day_starts_at: time = time(6, 0)
    board_start_rule: str = "clock_in"  # or "yesterday": start in yesterday's order
    # 下钟 more than this many minutes before the planned end asks for a reason (logged).
    early_finish_reason_minutes: int = 10


# Editable whole-number settings: name -> (label, lowest, highest).
NUMBER_SETTINGS: dict[str, tuple] = {
    "return_window_minutes": (_l("退钟时限（起钟后分钟）"), 0, 120),
    "early_finish_reason_minutes": (_l("提前下钟超过此分钟数须填原因"), 0, 600),
    "overrun_warning_minutes": (_l("催钟提前（分钟）"), 0, 60),
    "ready_notice_count": (_l("上点准备显示人数"), 0, 20),
    "reservation_hold_minutes": (_l("预订提前留房（分钟）"), 0, 240),
    "no_show_after_minutes": (_l("预订过时未到释放（分钟）"), 0, 240),
    "tea_round_minutes": (_l("续水间隔（分钟）"), 1, 240),
}
BOARD_START_RULES = {
    "clock_in": _l("按上牌顺序"),
    "yesterday": _l("按昨日收牌顺序"),
}
SETTING_NAMES = (*NUMBER_SETTINGS, "board_start_rule")


class StorePolicyError(InputError):
    """A setting out of range; ``fields`` names it, nothing saved."""


def store_policy(tenant: Tenant | None = None) -> StorePolicy:
    """The current tenant's policy; unknown keys in the stored settings are ignored."""
    tenant = tenant or db.session.get(Tenant, current_tenant_id())
    stored = dict((tenant.policies or {}).get("store", {})) if tenant else {}
    known = {f.name for f in fields(StorePolicy)}
    values = {key: value for key, value in stored.items() if key in known}
    if isinstance(values.get("business_day_starts_at"), str):
        hours, minutes = values["business_day_starts_at"].split(":")
        values["business_day_starts_at"] = time(int(hours), int(minutes))
    return StorePolicy(**values)


def editable_settings(policy: StorePolicy | None = None) -> dict:
    """The settings the page and the API edit, with their current values."""
    policy = policy or store_policy()
    return {name: getattr(policy, name) for name in SETTING_NAMES}


def save_store_policy(values: dict, actor) -> StorePolicy:
    """Save the given settings (others keep their value); audited.  A bad value
    raises StorePolicyError naming it and saves nothing."""
    cleaned, errors = {}, {}
    for name, raw in values.items():
        if name == "board_start_rule":
            if raw not in BOARD_START_RULES:
                errors[name] = _l("请选择开工排位方式")
            else:
                cleaned[name] = raw
            continue
        if name not in NUMBER_SETTINGS:
            errors[name] = _l("没有这个设置")
            continue
        label, lowest, highest = NUMBER_SETTINGS[name]
        try:
            number = int(str(raw).strip())
        except (TypeError, ValueError):
            number = None
        if number is None or isinstance(raw, bool) or not lowest <= number <= highest:
            errors[name] = _l("%(label)s 须为 %(lo)d 到 %(hi)d 的整数",
                              label=label, lo=lowest, hi=highest)
            continue
        cleaned[name] = number
    if errors:
        raise StorePolicyError(errors)
    tenant = db.session.get(Tenant, current_tenant_id())
    before = dict((tenant.policies or {}).get("store", {}) or {})
    after = {**before, **cleaned}
    policies = dict(tenant.policies or {})
    policies["store"] = after
    tenant.policies = policies  # a new dict: JSON columns track assignment only
    record_audit("store.settings", "tenant", tenant.id,
                 before={k: before.get(k) for k in cleaned}, after=cleaned, actor=actor)
    db.session.flush()
    return store_policy(tenant)

