"""The front desk's background jobs (thin: parse the parameters, call the services)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from app.blueprints.store import reservations
from app.jobs import job

RESERVATIONS_TICK = "store.reservations_tick"


@job(RESERVATIONS_TICK, queue="default", timeout=300, label=_l("预订到期处理"))
def reservations_tick(ctx, now: str | None = None) -> dict:
    """预订: hold rooms for bookings now due and release no-shows, in every store.

    Started every 5 minutes for each active company (app.schedule); idempotent,
    so a late or repeated run does no harm.  ``now`` (ISO 8601) replays a moment.
    """
    when = datetime.fromisoformat(now) if now else None
    return reservations.run_reservation_tick(when)
