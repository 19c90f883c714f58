"""The finance part of the demo (app/demo/finance.py): budgets sized on the history and a
month of claims at every status, made by the rules themselves."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from app.blueprints.finance import budgets
from app.blueprints.finance.models import ExpenseAttachment, ExpenseClaim
from app.demo.finance import tiny_png
from app.demo.history import load_history
from app.demo.loader import load_demo
from app.demo.logistics import load_logistics
from app.extensions import db
from app.models import Store
from app.tenancy import tenant_context
from app.tenants import find_tenant_by_code


def test_tiny_png_is_a_png():
    data = tiny_png((1, 2, 3))
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")


def test_demo_expenses_and_budgets(app):
    load_demo()
    db.session.commit()
    load_history("yuezu", days=3)
    db.session.commit()
    loaded = load_logistics("yuezu")
    db.session.commit()
    assert not loaded.skipped
    print("finance demo", loaded.seconds, loaded.summary())
    with tenant_context(find_tenant_by_code("yuezu").id):
        claims = db.session.scalars(select(ExpenseClaim)).all()
        statuses = Counter(c.status for c in claims)
        assert set(statuses) >= {"paid", "approved", "pending_store", "pending_finance",
                                 "pending_gm", "rejected"}
        assert statuses["rejected"] == 1
        assert all(c.amount > 5000 for c in claims if c.status == "pending_gm")
        assert db.session.scalar(select(ExpenseAttachment.id).limit(1)) is not None
        stores = db.session.scalars(select(Store)).all()
        cells = budgets.budget_for(loaded.today, [s.id for s in stores])
        last = budgets.budget_for(budgets.previous_month(loaded.today), [s.id for s in stores])
        assert len(cells) == len(last) > 0
        revenue = [v for (_s, c), v in cells.items() if c == "revenue"]
        assert revenue and all(v >= 100000 for v in revenue)
