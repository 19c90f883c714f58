"""Hand-made rollup rows, targets and complaints for the operating report's tests: the
report reads only these (and finance's P&L, empty here), so every figure it shows can
be summed again by hand from ``Rows``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from app.blueprints.gm.models import StoreDayRollup, StoreTarget
from app.blueprints.store.models.feedback import ComplaintCase
from app.extensions import db

MONTH = date(2026, 10, 1)
LAST_MONTH = date(2026, 9, 1)
LAST_YEAR = date(2025, 10, 1)


@dataclass
class Rows:
    rows: list[dict] = field(default_factory=list)

    def add(self, store_id: int, day: date, **values) -> None:
        values = {"revenue": Decimal("0.00"), "guests": 0, **values}
        db.session.add(StoreDayRollup(store_id=store_id, business_date=day, **values))
        self.rows.append({"store_id": store_id, "day": day, **values})

    def total(self, name: str, month: date, store_id: int | None = None):
        return sum((r.get(name, 0) for r in self.rows
                    if r["day"].replace(day=1) == month
                    and (store_id is None or r["store_id"] == store_id)),
                   Decimal("0.00") if name in ("revenue", "card_sales", "refunds") else 0)


def target(store_id: int, month: date, revenue: str, guests: int = 0,
           card_sales: str = "0.00") -> StoreTarget:
    row = StoreTarget(store_id=store_id, month=month, revenue=Decimal(revenue), guests=guests,
                      card_sales=Decimal(card_sales))
    db.session.add(row)
    return row


def complaint(store_id: int, text: str, on: datetime | None = None,
              status: str = "open", therapist_id: int | None = None) -> ComplaintCase:
    row = ComplaintCase(store_id=store_id, description=text, status=status,
                        therapist_id=therapist_id,
                        created_at=on or datetime(2026, 10, 15, 4, 0, tzinfo=UTC))
    db.session.add(row)
    return row


def spread(rows: Rows, store_id: int, month: date, days: int, revenue: str, guests: int,
           **more) -> None:
    """``days`` days of ``month`` with the same figures each."""
    for d in range(1, days + 1):
        rows.add(store_id, month.replace(day=d), revenue=Decimal(revenue), guests=guests,
                 **more)
