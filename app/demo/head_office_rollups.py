"""Head-office demo, first part: the daily rollups (营业日汇总) of the front-desk history
(yuezu has ~90 days of it), so the dashboard and last month's report have their figures.

Adds what is missing: the business days after the last stored rollup, up to yesterday
(the whole history on the first load).  A second load the same day finds nothing to
add.  Today is never stored: the dashboard computes it live.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.blueprints.gm.jobs import rebuild
from app.blueprints.gm.models import StoreDayRollup
from app.blueprints.store.models import BusinessDay
from app.extensions import db


def load(demo) -> None:
    """``demo``: the HeadOfficeDemo (not imported: app/demo/head_office.py imports the
    steps)."""
    last = demo.today - timedelta(days=1)
    stored = db.session.scalar(select(func.max(StoreDayRollup.business_date)))
    if stored is not None:
        first = stored + timedelta(days=1)
    else:
        first = db.session.scalar(select(func.min(BusinessDay.business_date)))
    if first is None or first > last:
        return
    demo.add("daily rollups", rebuild(first, last))
