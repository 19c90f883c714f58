"""Daily per-store rollups (营业日汇总, ``StoreDayRollup``): computed from the source rows,
kept current by a job, rebuildable exactly for any range; the dashboard and the monthly
report read them, and compute today live.

CONTRACT (issue 13; the rollups helper implements it, the dashboard, targets and report
helpers call it — signatures fixed):

* ``compute_days(first, last, store_ids=None) -> list[dict]`` — one dict per (store,
  business date) in ``first..last`` that has any activity, keys exactly the columns of
  ``StoreDayRollup`` except id/tenant_id/computed_at (``store_id``, ``business_date``,
  ``revenue``, ``paid_cash``…, ``jobs``…), values Decimal for money and int for counts;
  read from the source rows in a fixed number of grouped statements, whatever the
  number of stores or days.  ``store_ids`` None: every store of the tenant.
* ``refresh_days(first, last, store_ids=None) -> int`` — make the stored rows of the
  range equal ``compute_days`` (rows of days with no activity removed); returns rows
  written.  No commit.
* ``read_days(first, last, store_ids=None) -> list[DayFigures]`` — the figures of each
  (store, day) of the range: stored rows for the days before each store's today, and
  today's (and any later day's) computed live; a fixed number of statements.
  ``DayFigures`` has the same attribute names as ``StoreDayRollup``.
"""

from __future__ import annotations

from datetime import date


def compute_days(first: date, last: date, store_ids: set[int] | None = None) -> list[dict]:
    raise NotImplementedError("issue 13: the rollups helper implements this")


def refresh_days(first: date, last: date, store_ids: set[int] | None = None) -> int:
    raise NotImplementedError("issue 13: the rollups helper implements this")


def read_days(first: date, last: date, store_ids: set[int] | None = None) -> list:
    raise NotImplementedError("issue 13: the rollups helper implements this")
