"""The demo's guest work: complaint cases classified, owned and due (some overdue, some
resolved and confirmed), two satisfaction reviews (one answered), last and this week's
care plans with contacts; a second load adds nothing."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from app.blueprints.service import care, complaints
from app.blueprints.service.dates import monday_of
from app.blueprints.service.models_guests import CareContact, CarePlanEntry, SatisfactionReview
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import ComplaintCase
from app.demo import service_guests
from app.demo.head_office import HeadOfficeDemo
from app.extensions import db
from app.models import Employee
from tests.service.helpers import at, complaint, guest, paid_order


def _demo(company) -> HeadOfficeDemo:
    return HeadOfficeDemo(company.tenant_id, today_for_store(), random.Random(13),
                          company.stores, company.accounts,
                          list(db.session.scalars(select(Employee))))


def test_the_demo_loads_once(company_a, in_tenant):
    with in_tenant(company_a):
        today = today_for_store()
        store = company_a.store.id
        for n in range(8):
            customer = guest(f"客人{n}", f"1390000100{n}")
            paid_order(store, today - timedelta(days=n * 3), customer)
            complaint(store, at(today - timedelta(days=2 + n * 4)), customer=customer,
                      status="resolved" if n < 4 else "open")
        demo = _demo(company_a)
        service_guests.load(demo)
        db.session.commit()
        assert demo.rows == {"投诉跟进": 11, "满意度复盘": 2, "回访计划": 12}
        cases = list(db.session.scalars(select(ComplaintCase)))
        assert all(c.kind in complaints.COMPLAINT_KINDS and c.due_on for c in cases)
        statuses = Counter(c.status for c in cases)
        assert (statuses["resolved"], statuses["investigating"], statuses["open"]) == (4, 1, 6)
        assert sum(c.guest_confirmed_at is not None for c in cases) == 3
        assert complaints.summary(None, today).overdue >= 2
        reviews = Counter(db.session.scalars(select(SatisfactionReview.status)))
        assert reviews == {"answered": 1, "requested": 1}
        weeks = Counter(db.session.scalars(select(CarePlanEntry.week)))
        assert len(weeks) == 2 and set(weeks.values()) == {6}
        assert db.session.query(CareContact).count() == 9
        # The month of this week's Monday holds at least this week's plan.
        counts = care.care_counts(monday_of(today).replace(day=1), [store])
        assert counts[store]["planned"] >= 6 and counts[store]["contacted"] >= 2

        again = _demo(company_a)
        service_guests.load(again)
        assert not again.changed
