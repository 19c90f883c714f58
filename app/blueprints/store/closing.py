"""日结 (daily closing) of a store's business day: the lock, the re-open, finance's list.

Plain functions: no request, no commit.  The figures the closing compares are
computed in ``closing_figures.py``, its Excel file built in
``closing_workbook.py`` (both importable from here too).

* A day with an order still open (waiting, in service, to pay) cannot be
  locked: settle it or cancel it first.  Other mismatches are listed (and kept in
  the snapshot) but do not block: finance follows them up.
* Locking writes ``locked_at``/``locked_by`` and the JSON snapshot; after that
  ``days.ensure_open`` refuses every change of the day.  Re-opening needs
  ``closing.reopen`` (the store manager), a reason, and is audited with the
  snapshot it discards; the day must be locked again afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import record_audit
from app.blueprints.store.closing_figures import compute_closing
from app.blueprints.store.days import get_business_day, today_for_store
from app.blueprints.store.models import BusinessDay
from app.extensions import db
from app.models import Store
from app.models.base import utcnow
from app.validation import InputError


class ClosingError(InputError):
    """Bad input for a closing; ``fields`` maps each field to its message."""


# --- lock and re-open ---------------------------------------------------------------

# Departments that follow a closing (head office refreshes the day's rollup) register
# ``fn(day)`` here, called after the lock in the same transaction; the store never
# imports them.
_CLOSING_HOOKS: list = []


def register_closing_hook(fn) -> None:
    if fn not in _CLOSING_HOOKS:
        _CLOSING_HOOKS.append(fn)


def lock_day(store_id: int, business_date: date, actor=None) -> BusinessDay:
    """日结: lock the store's business day and keep the snapshot of its figures."""
    if business_date > today_for_store():
        raise ClosingError.on("business_date", _("不能日结尚未到来的营业日"))
    day = get_business_day(store_id, business_date, lock=True)
    if day.locked_at is not None:
        raise ClosingError.on("business_day", _("该营业日已日结"))
    summary = compute_closing(day)
    if summary["orders_open"]:
        raise ClosingError.on("orders", _("还有 %(n)s 张消费单未结账，请先结账或取消",
                                          n=summary["orders_open"]))
    day.locked_at = utcnow()
    day.locked_by_account_id = getattr(actor, "id", None)
    summary["locked_at"] = day.locked_at.isoformat(timespec="seconds")
    summary["locked_by"] = _actor_name(actor)
    day.closing_summary = summary
    db.session.flush()
    record_audit("closing.lock", "business_day", day.id, actor=actor,
                 after=_audit_figures(summary))
    for hook in _CLOSING_HOOKS:
        hook(day)
    return day


def reopen_day(day: BusinessDay, reason: str, actor=None) -> BusinessDay:
    """反结: the store manager re-opens a locked day, with a reason (audited)."""
    if actor is not None and not actor.can("closing.reopen"):
        raise ClosingError.on("business_day", _("只有店长可以重新打开已日结的营业日"))
    reason = (reason or "").strip()
    if not reason:
        raise ClosingError.on("reason", _("请填写重新打开的原因"))
    if len(reason) > 255:
        raise ClosingError.on("reason", _("原因不能超过 255 个字"))
    day = get_business_day(day.store_id, day.business_date, lock=True)
    if day.locked_at is None:
        raise ClosingError.on("business_day", _("该营业日尚未日结"))
    before = {**_audit_figures(day.closing_summary or {}),
              "locked_at": day.locked_at.isoformat(timespec="seconds"),
              "locked_by_account_id": day.locked_by_account_id}
    day.locked_at = None
    day.locked_by_account_id = None
    day.closing_summary = None
    db.session.flush()
    record_audit("closing.reopen", "business_day", day.id, actor=actor, before=before,
                 after={"reason": reason})
    return day


def _audit_figures(summary: dict) -> dict:
    keys = ("business_date", "store_code", "revenue", "order_count", "money_received_total",
            "refund_total", "topup_total", "mismatch_count")
    return {key: summary.get(key) for key in keys}


def _actor_name(actor) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "display_name", "") or getattr(actor, "username", "")


# --- finance: closings across stores -------------------------------------------------


@dataclass(frozen=True)
class ClosingRow:
    day: BusinessDay
    store: Store

    @property
    def summary(self) -> dict:
        return self.day.closing_summary or {}

    @property
    def locked(self) -> bool:
        return self.day.locked_at is not None

    @property
    def voucher_net(self) -> str:
        """团购 taken that day, net of refunds ("0.00" in a snapshot from before 团购)."""
        return (self.summary.get("methods") or {}).get("voucher", {}).get("net", "0.00")


def list_closings(store_ids: set[int] | None, date_from: date, date_to: date,
                  store_id: int | None = None) -> list[ClosingRow]:
    """Business days of the stores in scope between two dates, newest first (one query)."""
    if date_from > date_to:
        raise ClosingError.on("date_from", _("开始日期不能晚于结束日期"))
    if (date_to - date_from).days > 92:
        raise ClosingError.on("date_from", _("一次最多查看 93 天"))
    stmt = (select(BusinessDay, Store).join(Store, Store.id == BusinessDay.store_id)
            .where(BusinessDay.business_date >= date_from, BusinessDay.business_date <= date_to)
            .order_by(BusinessDay.business_date.desc(), Store.code))
    if store_ids is not None:
        stmt = stmt.where(BusinessDay.store_id.in_(store_ids))
    if store_id is not None:
        stmt = stmt.where(BusinessDay.store_id == store_id)
    return [ClosingRow(day, store) for day, store in db.session.execute(stmt)]


# Importable from here as before the module was split (views, API, finance, tests).
from app.blueprints.store.closing_figures import (  # noqa: E402,F401
    MISMATCH_KINDS,
    closing_of,
    day_window,
    money,
    order_no,
)
from app.blueprints.store.closing_workbook import (  # noqa: E402,F401
    MISMATCH_LABELS,
    SHEETS,
    closing_workbook,
    workbook_filename,
)
