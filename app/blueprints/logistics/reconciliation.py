"""资产清查 after counting: the reconciliation's figures, finance's approval (which
posts the results exactly once) or sending it back, and the overdue list.

Figures (written on each line's ``variance_value`` and on the count):

* missing: the asset lines marked missing, at their book value (variance −book value);
* damaged: the asset lines marked damaged, their book value (no variance: the asset
  is still there, the repair ticket decides);
* surplus: the number of surplus lines (not valued: logistics registers them);
* consumables: (counted − book) × unit cost per line (a line left uncounted: 0);
* total variance = consumable variance − missing value (negative: a loss).

Approval runs through the one approval flow (``approvals.decide``, kind
``asset_count``): nobody approves a count they closed themselves.  The count row is
locked and ``posted_at`` checked, so two approvals at once post one write-off, one
ticket and one stock adjustment per line.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import approvals
from app.audit import record_audit, register_audit_actions
from app.blueprints.logistics import stock
from app.blueprints.logistics.counting import (
    CountError,
    count_label,
    period_end,
    period_for,
)
from app.blueprints.logistics.models import (
    ASSET_DAMAGED,
    ASSET_WRITTEN_OFF,
    COUNT_APPROVED,
    COUNT_OPEN,
    COUNT_PENDING_REVIEW,
    COUNT_RECONCILING,
    LINE_ASSET,
    LINE_CONSUMABLE,
    LINE_SURPLUS,
    RESULT_DAMAGED,
    RESULT_MISSING,
    Asset,
    AssetCount,
    AssetCountLine,
    MaintenanceTicket,
)
from app.extensions import db
from app.models.base import utcnow

register_audit_actions({
    "asset_count.reconcile": _l("资产盘点核对完成"),
    "asset_count.approve": _l("审核通过资产盘点，过账盘点结果"),
    "asset_count.send_back": _l("退回资产盘点"),
})

KIND = "asset_count"
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def lines_of(count_id: int) -> list[AssetCountLine]:
    return list(db.session.scalars(select(AssetCountLine).where(
        AssetCountLine.count_id == count_id).order_by(AssetCountLine.id)))


def consumable_variance_quantity(line: AssetCountLine) -> Decimal:
    if line.counted_quantity is None:
        return Decimal("0")
    return Decimal(line.counted_quantity) - Decimal(line.book_quantity or 0)


def reconcile(count_id: int) -> dict:
    """The job's body: figures on the lines and the count, then pending review.
    Does nothing to a count that is not reconciling (a rerun of the job)."""
    count = db.session.execute(select(AssetCount).where(AssetCount.id == count_id)
                               .with_for_update()).scalar_one_or_none()
    if count is None:
        raise LookupError(f"asset count {count_id} not found")
    if count.status != COUNT_RECONCILING:
        return {"status": count.status, "skipped": True}
    missing_count = damaged_count = surplus_count = 0
    missing_value = damaged_value = consumable_value = ZERO
    for line in lines_of(count.id):
        variance = ZERO
        if line.kind == LINE_ASSET and line.result == RESULT_MISSING:
            missing_count += 1
            missing_value += line.book_value
            variance = -line.book_value
        elif line.kind == LINE_ASSET and line.result == RESULT_DAMAGED:
            damaged_count += 1
            damaged_value += line.book_value
        elif line.kind == LINE_SURPLUS:
            surplus_count += 1
        elif line.kind == LINE_CONSUMABLE:
            variance = (consumable_variance_quantity(line) * line.unit_cost).quantize(CENT)
            consumable_value += variance
        line.variance_value = variance
    count.missing_count, count.missing_value = missing_count, missing_value
    count.damaged_count, count.damaged_value = damaged_count, damaged_value
    count.surplus_count = surplus_count
    count.consumable_variance_value = consumable_value
    count.total_variance_value = consumable_value - missing_value
    count.reconciled_at = utcnow()
    count.status = COUNT_PENDING_REVIEW
    figures = {"missing_count": missing_count, "missing_value": str(missing_value),
               "damaged_count": damaged_count, "damaged_value": str(damaged_value),
               "surplus_count": surplus_count,
               "consumable_variance_value": str(consumable_value),
               "total_variance_value": str(count.total_variance_value)}
    record_audit("asset_count.reconcile", "asset_count", count.id, after=figures)
    db.session.flush()
    return figures


def _lock(count: AssetCount) -> AssetCount:
    return db.session.execute(select(AssetCount).where(AssetCount.id == count.id)
                              .with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()


def approve(count: AssetCount, actor, note: str = "") -> AssetCount:
    """财务审核通过: post the results once (through approvals.decide)."""
    count = _lock(count)

    def effect(step):
        if count.posted_at is not None:
            raise CountError.on("status", _("这次盘点的结果已经过账"))
        _post_results(count, actor)
        count.status = COUNT_APPROVED
        count.reviewed_at = count.posted_at = utcnow()
        count.reviewed_by_account_id = actor.id
        count.review_note = (note or "").strip()[:500]
        record_audit("asset_count.approve", "asset_count", count.id,
                     after={"note": count.review_note}, actor=actor)

    approvals.decide(KIND, count, actor, approvals.APPROVED, note, effect)
    return count


def send_back(count: AssetCount, actor, note: str) -> AssetCount:
    """退回: the count opens again for the store to correct (a note is required)."""
    note = approvals.clean_note(note, required=True)
    count = _lock(count)

    def effect(step):
        count.status = COUNT_OPEN
        count.sent_back_count += 1
        count.review_note = note
        count.reviewed_at = utcnow()
        count.reviewed_by_account_id = actor.id
        count.closed_at = None
        record_audit("asset_count.send_back", "asset_count", count.id,
                     after={"note": note}, actor=actor)

    approvals.decide(KIND, count, actor, approvals.REJECTED, note, effect)
    return count


def _post_results(count: AssetCount, actor) -> None:
    end = period_end(count.period)
    lines = lines_of(count.id)
    asset_ids = [line.asset_id for line in lines if line.asset_id is not None and
                 line.result in (RESULT_MISSING, RESULT_DAMAGED)]
    assets = {a.id: a for a in db.session.scalars(
        select(Asset).where(Asset.id.in_(asset_ids or [-1])).with_for_update())}
    from app.blueprints.logistics.settings import tenant_today
    today = tenant_today()
    for line in lines:
        asset = assets.get(line.asset_id)
        if line.kind == LINE_ASSET and line.result == RESULT_MISSING and asset is not None:
            if asset.status == ASSET_WRITTEN_OFF:
                continue
            before = {"status": asset.status}
            asset.status = ASSET_WRITTEN_OFF
            asset.written_off_on = end
            asset.count_line_id = line.id
            record_audit("asset.write_off", "asset", asset.id, before=before,
                         after={"status": ASSET_WRITTEN_OFF, "written_off_on": end.isoformat(),
                                "count_line_id": line.id, "book_value": str(line.book_value)},
                         actor=actor)
        elif line.kind == LINE_ASSET and line.result == RESULT_DAMAGED and asset is not None:
            asset.status = ASSET_DAMAGED
            exists = db.session.scalar(select(MaintenanceTicket.id).where(
                MaintenanceTicket.count_line_id == line.id).limit(1))
            if exists is None:
                db.session.add(MaintenanceTicket(
                    store_id=count.store_id, room_id=asset.room_id, asset_id=asset.id,
                    title=_("盘点发现损坏：%(name)s", name=line.name)[:128],
                    description=line.note or "", count_line_id=line.id,
                    reported_by_account_id=getattr(actor, "id", None)))
        elif line.kind == LINE_CONSUMABLE:
            delta = consumable_variance_quantity(line)
            if delta != 0:
                stock.post_movement(count.store_id, line.stock_item_id, "count_adjustment",
                                    delta, moved_on=today, unit_cost=line.unit_cost,
                                    source="count_line", source_id=line.id,
                                    note=count_label(count.period), actor=actor)
    db.session.flush()


def overdue_counts(today: date, overdue_day: int | None = None, store_ids=None
                   ) -> list[AssetCount]:
    """Counts still open (or reconciling) for last month or earlier once ``today`` is
    on or after the overdue day (default: the company's setting, the 5th); earlier
    periods still open are overdue whatever the day."""
    from sqlalchemy.orm import joinedload

    from app.blueprints.logistics.settings import logistics_settings

    if overdue_day is None:
        overdue_day = logistics_settings().overdue_day
    last = period_for(today)
    latest = last if today.day >= overdue_day else date(
        last.year - (last.month == 1), 12 if last.month == 1 else last.month - 1, 1)
    stmt = (select(AssetCount).options(joinedload(AssetCount.store))
            .where(AssetCount.status.in_((COUNT_OPEN, COUNT_RECONCILING)),
                   AssetCount.period <= latest)
            .order_by(AssetCount.period, AssetCount.store_id))
    if store_ids is not None:
        stmt = stmt.where(AssetCount.store_id.in_(sorted(store_ids) or [-1]))
    return list(db.session.scalars(stmt))


def overdue_ids(today: date, store_ids=None) -> set[int]:
    return {c.id for c in overdue_counts(today, store_ids=store_ids)}


def overdue_count_cards(store_ids=None) -> list[tuple[str, str]]:
    """(store name, count label) of each overdue count today (the GM's card)."""
    from app.blueprints.logistics.settings import tenant_today

    return [(c.store.name, count_label(c.period))
            for c in overdue_counts(tenant_today(), store_ids=store_ids)]
