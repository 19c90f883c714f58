"""Stored rollup rows for the target tests (what ``rollups.read_days`` reads for past days)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.blueprints.gm.models import StoreDayRollup
from app.extensions import db


def rollup(store_id: int, day: date, revenue: str, guests: int, card_sales: str = "0"):
    db.session.add(StoreDayRollup(store_id=store_id, business_date=day,
                                  revenue=Decimal(revenue), paid_cash=Decimal(revenue),
                                  guests=guests, orders=guests, card_sales=Decimal(card_sales)))
    db.session.flush()

