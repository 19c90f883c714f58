"""The one list of periodic jobs, loaded by ``rq cron app/cron.py``.

It sits high in the package: importing it imports every department's jobs,
so the job registry is complete in the web process and in the worker.
"""

from dataclasses import dataclass

from app.blueprints.gm import jobs as gm_jobs  # noqa: F401  (registers its jobs)
from app.blueprints.hr import jobs as hr_jobs  # noqa: F401  (registers its jobs)
from app.blueprints.logistics import jobs as logistics_jobs  # noqa: F401  (registers its jobs)
from app.blueprints.store import jobs as store_jobs  # noqa: F401  (registers its jobs)
from app.blueprints.technical import jobs as technical_jobs  # noqa: F401  (registers its jobs)
from app.jobs import housekeeping  # noqa: F401  (registers its jobs)


@dataclass(frozen=True)
class Periodic:
    kind: str
    # crontab syntax in the cron process's local time (rq 3.0 hands croniter local
    # time): run `rq cron` with TZ=UTC to read these as UTC.
    cron: str
    queue: str = "default"


PERIODIC: list[Periodic] = [
    Periodic("jobs.fail_abandoned", cron="*/15 * * * *"),
    # 预订: hold rooms 15 min before, release no-shows 30 min after (per company).
    Periodic("store.reservations_tick", cron="*/5 * * * *"),
    # 人事变动: approved changes take effect on their date; 16:05 UTC = 00:05 China time
    # (each company's "today" is taken in its own time zone).
    Periodic("hr.apply_due_changes", cron="5 16 * * *"),
    # 离职: the last day of each approved offboarding, once it has ended (local midnight).
    Periodic("hr.offboarding_tick", cron="*/15 * * * *"),
    # 技能评定: the previous month's, from the 1st at 03:00 company time (a fan-out that
    # starts it once per company; UTC days 28-31 and 1-4 cover every time zone).
    Periodic("technical.assessment_monthly", cron="7 * 1-4,28-31 * *"),
    # 资产盘点: last month's counts, from each company's count day and hour (default the
    # 1st at 02:00 local time; the logistics settings allow days 1-28), so the fan-out
    # runs every hour and does nothing outside a company's window (one query each).
    Periodic("logistics.asset_count_monthly", cron="11 * * * *"),
    # 营业日汇总: the last week of each company's daily rollups, refreshed in the hour its
    # business day starts (local time: yesterday has just ended), so the fan-out runs
    # hourly and starts one company's refresh once a day.
    Periodic("gm.refresh_rollups_nightly", cron="23 * * * *"),
]
