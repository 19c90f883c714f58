"""The tenant's front-desk settings (tenant.policies["store"]), with the defaults
of specs/dispatch.md where the company has not set its own."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import time

from app.extensions import db
from app.models import Tenant
from app.tenancy import current_tenant_id


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
