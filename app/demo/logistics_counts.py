"""Demo: the asset counts of yuezu (specs/asset-count.md), made with the count's own
functions.

* The count opened on the 1st of last month (period: two months ago), for every
  store: store 1's towel warmer missing and a stool found (盘盈), closed by its store
  manager, reconciled and approved by the finance manager (the warmer written off);
  the other stores all present, closed by the logistics head and approved.
* This month's count (period: last month) open in every store, store 1 half counted.

The reconciliation runs in place (no worker during ``flask demo load``); its job
record is marked finished with the same figures.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.logistics import counting, depreciation, reconciliation
from app.blueprints.logistics.models import (
    LINE_ASSET,
    LINE_CONSUMABLE,
    RESULT_PRESENT,
    Asset,
    AssetCount,
    AssetCountLine,
)
from app.extensions import db
from app.models.base import utcnow


def _warmer(demo, store) -> Asset:
    """Store 1's towel warmer (the register's, or one bought 14 months ago)."""
    found = db.session.scalar(select(Asset).where(
        Asset.store_id == store.id, Asset.name.like("%毛巾%柜%"),
        Asset.status != "written_off").order_by(Asset.id).limit(1))
    if found is not None:
        return found
    bought = depreciation.add_months(demo.today, -14).replace(day=12)
    warmer = Asset(store_id=store.id, tag_code=f"{store.code}-MJG-01", name="毛巾加热柜",
                   category="appliance", location="前台", purchase_date=bought,
                   cost=Decimal("2680.00"), residual_value=Decimal("130.00"),
                   useful_life_months=60, created_by_account_id=None)
    db.session.add(warmer)
    db.session.flush()
    demo.add("assets", 1)
    return warmer


def _lines(count_id: int) -> list[AssetCountLine]:
    return list(db.session.scalars(select(AssetCountLine).where(
        AssetCountLine.count_id == count_id).order_by(AssetCountLine.id)))


def _close_and_reconcile(count: AssetCount, closer) -> None:
    record = counting.close_count(count, closer)
    figures = reconciliation.reconcile(count.id)
    pending = db.session.info.get("muzu_pending_jobs", [])
    db.session.info["muzu_pending_jobs"] = [p for p in pending if p[0] != record.id]
    record.status, record.progress, record.result = "finished", 100, figures
    record.started_at = record.finished_at = utcnow()


def load(demo) -> None:
    if not demo.stores:
        return
    store1 = demo.stores[0]
    manager = demo.accounts.get("store_manager")
    head = demo.accounts.get("logistics_head") or demo.accounts.get("owner")
    finance = demo.accounts.get("finance_manager") or demo.accounts.get("owner")
    warmer = _warmer(demo, store1)
    last = counting.period_for(demo.today)
    before = counting.period_for(last)

    opened = counting.open_counts(before)
    counts = list(db.session.scalars(select(AssetCount).where(AssetCount.period == before)
                                     .order_by(AssetCount.store_id)))
    for count in counts:
        in_store1 = count.store_id == store1.id
        closer = manager if in_store1 and manager is not None else head
        for line in _lines(count.id):
            if line.kind == LINE_CONSUMABLE:
                counting.set_counted_quantity(count, line, line.book_quantity or 0, closer)
            elif line.asset_id == warmer.id:
                counting.mark_line(count, line, "missing", closer, "毛巾加热柜找不到了")
            else:
                counting.mark_line(count, line, RESULT_PRESENT, closer)
        if in_store1:
            counting.add_surplus(count, "凳子", closer, note="仓库里多出一张凳子，未登记")
        _close_and_reconcile(count, closer)
        reconciliation.approve(count, finance, "已核实")

    current = counting.open_counts(last)
    count1 = db.session.scalar(select(AssetCount).where(AssetCount.period == last,
                                                        AssetCount.store_id == store1.id))
    if count1 is not None:
        asset_lines = [line for line in _lines(count1.id) if line.kind == LINE_ASSET]
        for line in asset_lines[:len(asset_lines) // 2]:
            counting.mark_line(count1, line, RESULT_PRESENT, manager or head)
    demo.add("asset counts", opened.counts_opened + current.counts_opened)
    demo.add("asset count lines", opened.lines_added + current.lines_added)
    demo.add("depreciation entries", opened.depreciation_posted + current.depreciation_posted)


def periods(today: date) -> tuple[date, date]:
    """(the approved count's period, the open count's period) for ``today``."""
    last = counting.period_for(today)
    return counting.period_for(last), last
