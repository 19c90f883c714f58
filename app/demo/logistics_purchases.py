"""Demo purchases and repairs (after the asset register and the stock exist), made with
the department's own functions so the demo proves them:

* A month of 采购申请 across the stores: most received into stock at an actual cost a
  little off the estimate; one approved and waiting for delivery; one waiting at each
  step (后勤; 财务 above ¥2,000; 总经理 above ¥10,000 — the finance manager and the GM
  have something in their inbox); one rejected with the reason.
* 维修单: in the first store (where the demo logins work) a room reported by the cleaner
  and out of service on the room board, an asset with a repairer assigned; closed
  tickets with their cost in the other stores.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.logistics import maintenance, purchasing
from app.blueprints.logistics.models import Asset, PurchaseRequest, StockItem
from app.blueprints.store import services as room_services
from app.extensions import db
from app.models import Room

SUPPLIERS = ("广州白云布草厂", "义乌日用品批发", "佛山足浴设备", "茶叶合作社", "美的售后")
# Described lines when the stock has no item (and for equipment): name, unit cost.
EQUIPMENT = (("电动按摩床", Decimal("2680.00")), ("实木足浴盆", Decimal("460.00")),
             ("紫外线消毒柜", Decimal("1850.00")))
# What each purchase does: (estimated size, how far it goes).
PLAN = ("received", "received", "received_mid", "approved", "pending", "pending_finance",
        "pending_gm", "rejected")


def load(demo) -> None:
    stores = demo.stores
    # Loading twice adds nothing (also while the asset register, the usual guard, is empty).
    if not stores or db.session.scalar(select(PurchaseRequest.id).limit(1)) is not None:
        return
    who = {role: demo.accounts.get(role) or demo.accounts.get("owner")
           for role in ("store_manager", "logistics_head", "finance_manager",
                        "general_manager", "owner", "cleaner")}
    items = list(db.session.scalars(select(StockItem).where(StockItem.is_active.is_(True))
                                    .order_by(StockItem.code)))
    made = 0
    # Every store has two received purchases; the rest of the plan goes round the stores.
    jobs = [(store, "received") for store in stores] + [
        (stores[n % len(stores)], stage) for n, stage in enumerate(PLAN[2:])]
    for n, (store, stage) in enumerate(jobs):
        row = _purchase(demo, store, stage, items, who, n)
        made += 1
        row.created_at = _at(demo, 28 - (n * 27) // max(1, len(jobs) - 1))
    demo.add("purchase_requests", made)
    demo.add("maintenance_tickets", _tickets(demo, who))


def _at(demo, days_ago: int) -> datetime:
    return datetime.combine(demo.today - timedelta(days=days_ago), time(3, 30))


def _requester(store, who):
    manager = who["store_manager"]
    if manager is not None and store.id in (manager.store_ids or set()):
        return manager
    return who["logistics_head"]


def _lines(demo, stage: str, items) -> list[dict]:
    rng = demo.rng
    if stage == "pending_gm":  # a refit: above the GM threshold
        name, cost = EQUIPMENT[0]
        return [{"name": name, "quantity": "4", "estimated_unit_cost": cost},
                {"name": EQUIPMENT[1][0], "quantity": "6", "estimated_unit_cost":
                 EQUIPMENT[1][1]}]
    if stage in ("pending_finance", "received_mid"):  # between the thresholds
        name, cost = EQUIPMENT[2] if stage == "pending_finance" else EQUIPMENT[1]
        lines = [{"name": name, "quantity": "2" if stage == "pending_finance" else "5",
                  "estimated_unit_cost": cost}]
        return lines
    chosen = rng.sample(items, k=min(len(items), rng.randint(2, 4))) if items else []
    lines = [{"stock_item_id": item.id, "quantity": str(rng.choice((20, 30, 50, 100))),
              "estimated_unit_cost": item.unit_cost or Decimal("1.00")} for item in chosen]
    return lines or [{"name": "一次性拖鞋", "quantity": "500",
                      "estimated_unit_cost": Decimal("0.80")}]


def _purchase(demo, store, stage: str, items, who, n: int):
    requester = _requester(store, who)
    row = purchasing.create_request({
        "store_id": store.id, "supplier": SUPPLIERS[n % len(SUPPLIERS)],
        "reason": "补货：低于补货点" if stage in ("received", "approved", "pending")
        else "设备更新：旧设备老化", "lines": _lines(demo, stage, items)}, requester)
    if stage == "pending":
        return row
    # The logistics head decides store requests; the owner decides the head's own.
    first = who["owner"] if requester.id == who["logistics_head"].id else who["logistics_head"]
    if stage == "rejected":
        purchasing.reject(row, first, "本月预算已用完，下月再报")
        return row
    deciders = {"pending": first, "pending_finance": who["finance_manager"],
                "pending_gm": who["general_manager"]}
    while row.status in deciders and row.status != stage:
        purchasing.approve(row, deciders[row.status], "同意")
    if stage.startswith("received"):
        received = {}
        for line in purchasing.lines_of(row):
            # The invoice is within a few percent of the estimate.
            factor = Decimal(demo.rng.choice(("0.95", "0.98", "1.00", "1.00", "1.03")))
            received[line.id] = {
                "received_quantity": line.quantity,
                "actual_unit_cost": (line.estimated_unit_cost * factor).quantize(
                    Decimal("0.01"))}
        purchasing.receive(row, received, requester, demo.today - timedelta(
            days=demo.rng.randint(1, 20)))
    return row


def _tickets(demo, who) -> int:
    first = demo.stores[0]
    rooms = list(db.session.scalars(select(Room).where(Room.store_id == first.id,
                                                       Room.status == "free")
                                    .order_by(Room.number)))
    count = 0
    if rooms:
        maintenance.report({"store_id": first.id, "room_id": rooms[-1].id,
                            "title": "按摩床升降失灵", "description": "床头升不上去，有异响",
                            "room_out_of_service": True}, who["cleaner"])
        count += 1
    asset = db.session.scalar(select(Asset).where(Asset.store_id == first.id,
                                                  Asset.status == "in_use")
                              .order_by(Asset.id).limit(1))
    target = {"asset_id": asset.id} if asset is not None else (
        {"room_id": rooms[0].id} if rooms else None)
    if target is not None:
        ticket = maintenance.report({"store_id": first.id, **target, "title": "热水器不出热水"},
                                    who["store_manager"])
        maintenance.assign(ticket, {"assigned_to": "美的售后 李师傅"}, who["logistics_head"])
        count += 1
    for n, store in enumerate(demo.stores[1:4]):
        room = db.session.scalar(select(Room).where(Room.store_id == store.id,
                                                    Room.status == "free")
                                 .order_by(Room.number).limit(1))
        if room is None:
            continue
        ticket = maintenance.report({"store_id": store.id, "room_id": room.id,
                                     "title": ("空调漏水", "门锁松动", "灯管不亮")[n],
                                     "room_out_of_service": n == 0}, who["logistics_head"])
        maintenance.assign(ticket, {"assigned_to": "王师傅"}, who["logistics_head"])
        maintenance.close(ticket, {"resolution": "已修好", "repair_cost": ("260.00", "45.00",
                                                                       "30.00")[n]},
                          who["logistics_head"])
        if room.status == "cleaning":
            room_services.mark_room_clean(room)
        ticket.created_at = _at(demo, 12 - 3 * n)
        count += 1
    return count
