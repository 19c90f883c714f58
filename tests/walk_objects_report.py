"""The monthly operating report for the isolation walk (tests/walk_objects.py): its URLs
name a month (``/gm/reports/<month>``, ``/api/v1/reports/<month>``), one report per
company and month, so the row is added once whatever the store index."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.blueprints.gm.models import OperatingReport
from app.extensions import db

MONTH = date(2026, 10, 1)


def report_objects(company, n: int) -> dict:
    """``{"month": …}`` for store 0 only: a month's report is the company's (every
    store's part), not an object of one store, so the cross-store walks (which fill
    store 1's ids into store 0's URLs) must not take the month for a store's."""
    if n != 0:
        return {}
    if db.session.scalar(select(OperatingReport.id).where(OperatingReport.month == MONTH)
                         ) is None:
        db.session.add(OperatingReport(month=MONTH, status="queued"))
        # Called after seed_objects' own commit (in its returned dict): commit here.
        db.session.commit()
    return {"month": f"{MONTH:%Y-%m}"}
