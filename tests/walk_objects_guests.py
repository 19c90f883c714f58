"""Objects of the service department's guest work for the isolation walk and the
permission matrix (tests/walk_objects.py): a satisfaction review and a care plan entry
with a contact, in a store of ``company``, flushed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.blueprints.service.models_guests import CareContact, CarePlanEntry, SatisfactionReview
from app.extensions import db


def guests_objects(company, n: int, customer) -> dict:
    store = company.stores[n]
    review = SatisfactionReview(store_id=store.id, month=date(2026, 11, 1), focus="等候时间",
                                requested_by_account_id=company.accounts["service_manager"].id)
    entry = CarePlanEntry(store_id=store.id, week=date(2026, 11, 30), customer_id=customer.id,
                          reason="complaint")
    db.session.add_all([review, entry])
    db.session.flush()
    db.session.add(CareContact(entry_id=entry.id, store_id=store.id,
                               contacted_at=datetime(2026, 12, 1, 2, tzinfo=UTC),
                               channel="phone", outcome="satisfied"))
    db.session.flush()
    return {"satisfaction_review_id": review, "care_entry_id": entry}
