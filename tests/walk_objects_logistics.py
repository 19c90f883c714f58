"""Objects of logistics and finance for the isolation walk and the permission matrix
(tests/walk_objects.py): one of each kind in a store of ``company``, flushed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.finance.models import Budget, ExpenseAttachment, ExpenseClaim
from app.blueprints.hr.models import IssuedItem
from app.blueprints.logistics.models import (
    Asset,
    AssetCount,
    DormAssignment,
    DormBed,
    Dormitory,
    MaintenanceTicket,
    PurchaseLine,
    PurchaseRequest,
    StockItem,
    StockMovement,
    StoreStock,
)
from app.extensions import db
from app.models import Department


def logistics_objects(company, n: int, person) -> dict:
    store = company.stores[n]
    room = company.rooms[3 * n]
    asset = Asset(store_id=store.id, tag_code=f"WALK-{company.code}-{n}", name="足浴盆",
                  category="bath_equipment", room_id=room.id, purchase_date=date(2026, 1, 10),
                  cost=Decimal("1200.00"), residual_value=Decimal("0.00"),
                  useful_life_months=36)
    item = StockItem(code=f"W{n}", name=f"毛巾{n}", unit="条", unit_cost=Decimal("5.00"))
    db.session.add_all([asset, item])
    db.session.flush()
    stock = StoreStock(store_id=store.id, stock_item_id=item.id, quantity=Decimal("10"),
                       reorder_point=Decimal("5"))
    movement = StockMovement(store_id=store.id, stock_item_id=item.id, kind="receipt",
                             quantity=Decimal("10"), unit_cost=Decimal("5.00"),
                             balance_after=Decimal("10"), moved_on=date(2026, 11, 2))
    count = AssetCount(store_id=store.id, period=date(2026, 10, 1))
    purchase = PurchaseRequest(store_id=store.id, estimated_total=Decimal("50.00"),
                               reason="补毛巾")
    ticket = MaintenanceTicket(store_id=store.id, room_id=room.id, title="水管漏水")
    dorm = Dormitory(name=f"宿舍{n}", store_id=store.id)
    expense = ExpenseClaim(store_id=store.id, category="utilities", amount=Decimal("300.00"),
                           spent_on=date(2026, 11, 3), description="电费")
    budget = Budget(store_id=store.id, period=date(2026, 11, 1), category="utilities",
                    amount=Decimal("500.00"))
    db.session.add_all([stock, movement, count, purchase, ticket, dorm, expense, budget])
    db.session.flush()
    db.session.add(PurchaseLine(request_id=purchase.id, stock_item_id=item.id, name=item.name,
                                quantity=Decimal("10"), estimated_unit_cost=Decimal("5.00")))
    bed = DormBed(dormitory_id=dorm.id, room_no="101", bed_no="1")
    db.session.add(bed)
    db.session.flush()
    stay = DormAssignment(bed_id=bed.id, employee_id=person.id, moved_in_on=date(2026, 11, 1))
    receipt = ExpenseAttachment(expense_id=expense.id, filename="电费.png",
                                content_type="image/png", size=8, data=b"\x89PNG\r\n\x1a\n")
    # Issued in this store (hr's seed has no store): a store role reaches its own store's.
    issued = IssuedItem(employee_id=person.id, store_id=store.id, kind="uniform", name="工服",
                        issued_on=date(2026, 11, 1))
    db.session.add_all([stay, receipt, issued])
    db.session.flush()
    return {"asset_id": asset, "stock_item_id": item, "store_stock_id": stock,
            "movement_id": movement, "count_id": count, "purchase_id": purchase,
            "ticket_id": ticket, "dormitory_id": dorm, "bed_id": bed,
            "dorm_assignment_id": stay, "issued_item_id": issued, "expense_id": expense,
            "budget_id": budget, "attachment_id": receipt,
            "department_id": db.session.scalars(select(Department).order_by(Department.id)).first()}
