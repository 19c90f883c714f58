"""法定节假日: which days are statutory holidays, for overtime paid ×3.

Rule (documented here, tested in tests/hr/payroll/test_rules.py):

* A statutory holiday is one of the days the State Council's 全国年节及纪念日放假办法
  (2024 revision, in force from 2025) names: 元旦 1 Jan; 春节 the eve and the first
  three days of the lunar year; 清明 the day of the 清明 solar term; 劳动节 1–2 May;
  端午 5/5 lunar; 中秋 15/8 lunar; 国庆节 1–3 Oct; plus any one-off day off the State
  Council declares (kept by the calendar library under its own name).
* The other days of an official break (调休 days in lieu, weekends inside the break,
  a Monday given back for a holiday that fell on a Sunday) are NOT statutory
  holidays: work on them is paid as on a rest day or a working day, by the
  employee's own schedule.
* The official calendar comes from the ``chinese_calendar`` package
  (chinesecalendar), which knows each year only once the State Council has
  published it; the lunar festival dates come from a small table here, checked
  against that package in the tests.
* ``HolidayCalendarMissing(year)`` is raised only when a question is asked about
  a day of a year that is not known (the package lacks it, or the table here does,
  or it is before 2025).  Nothing is looked up for a month without overtime, so a
  January payroll still runs before the package knows the new year.
"""

from __future__ import annotations

from datetime import date


class HolidayCalendarMissing(LookupError):
    """The official holiday calendar of ``year`` is not known to Muzu yet.

    Upgrade ``chinesecalendar`` (and the lunar festival table in
    app/blueprints/hr/payroll/holidays.py) once the State Council publishes it.
    """

    def __init__(self, year: int, detail: str = ""):
        self.year = year
        message = f"the statutory holiday calendar for {year} is not known"
        super().__init__(f"{message}: {detail}" if detail else message)


def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory holidays of ``year``: day -> festival name (English).

    Raises ``HolidayCalendarMissing(year)`` if the year is not known.
    """
    raise NotImplementedError


def is_statutory_holiday(day: date) -> bool:
    """Whether ``day`` is a statutory holiday (法定节假日), overtime ×3.

    Raises ``HolidayCalendarMissing(day.year)`` if that year is not known.
    """
    raise NotImplementedError
