"""A small catalogue and on-duty therapists for front-desk tests."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.blueprints.store.models import (
    MembershipLevel,
    Product,
    ServiceItem,
    TherapistQualification,
)
from app.extensions import db
from app.models import Employee, Position


def make_catalogue() -> dict:
    """足疗 60 (¥128), 精油 90 (¥268), 采耳 30 (¥68), 茶 (¥18), 金卡 0.88."""
    foot = ServiceItem(code="ZL60", name="足疗 60 分钟", category="foot", duration_minutes=60,
                       price=Decimal("128.00"), commission_rotation=Decimal("40.00"),
                       commission_requested=Decimal("50.00"))
    oil = ServiceItem(code="JY90", name="精油开背 90 分钟", category="body",
                      duration_minutes=90, price=Decimal("268.00"),
                      commission_rotation=Decimal("80.00"), commission_requested=Decimal("95.00"))
    ear = ServiceItem(code="CE30", name="采耳 30 分钟", category="ear", duration_minutes=30,
                      price=Decimal("68.00"), commission_rotation=Decimal("20.00"),
                      commission_requested=Decimal("25.00"))
    tea = Product(code="T01", name="普洱茶", unit="壶", price=Decimal("18.00"))
    gold = MembershipLevel(name="金卡", discount=Decimal("0.880"))
    db.session.add_all([foot, oil, ear, tea, gold])
    db.session.flush()
    return {"foot": foot, "oil": oil, "ear": ear, "tea": tea, "gold": gold}


def make_therapists(store_id: int, count: int, *, qualified: list[ServiceItem] = (),
                    genders: str = "fm") -> list[Employee]:
    """``count`` therapists of the store (numbers 801…), qualified for ``qualified``."""
    position = db.session.scalar(select(Position).where(Position.role == "therapist"))
    therapists = []
    for i in range(count):
        employee = Employee(employee_no=str(801 + i), name=f"技师{801 + i}",
                            gender="female" if genders[i % len(genders)] == "f" else "male",
                            store_id=store_id, position_id=position.id, status="active")
        db.session.add(employee)
        db.session.flush()
        for item in qualified:
            db.session.add(TherapistQualification(employee_id=employee.id,
                                                  service_item_id=item.id))
        therapists.append(employee)
    db.session.flush()
    return therapists
