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
  published it; the lunar festival dates (春节, 端午, 中秋) are converted by the
  ``lunardate`` package, and the tests check every statutory day against the
  official calendar.
* ``HolidayCalendarMissing(year)`` is raised only when a question is asked about
  a day of a year that is not known (the package lacks it, or it is before 2025).
  Nothing is looked up for a month without overtime, so a
  January payroll still runs before the package knows the new year.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import chinese_calendar
from lunardate import LunarDate

# The 2024 revision of 全国年节及纪念日放假办法 (State Council decree 795) took effect
# in 2025; earlier years had other statutory days and are not encoded.
FIRST_YEAR = 2025


def lunar_festivals(year: int) -> tuple[date, date, date]:
    """春节 (first day of the lunar year), 端午 (5/5) and 中秋 (8/15) of ``year``."""
    return tuple(LunarDate(year, month, day).to_solar_date()
                 for month, day in ((1, 1), (5, 5), (8, 15)))

_H = chinese_calendar.Holiday
_REGULAR_FESTIVALS = frozenset(h.value for h in (
    _H.new_years_day, _H.spring_festival, _H.tomb_sweeping_day, _H.labour_day,
    _H.dragon_boat_festival, _H.mid_autumn_festival, _H.national_day,
))


class HolidayCalendarMissing(LookupError):
    """The official holiday calendar of ``year`` is not known to Muzu yet.

    Upgrade ``chinesecalendar`` once the State Council publishes it.
    """

    def __init__(self, year: int, detail: str = ""):
        self.year = year
        message = f"the statutory holiday calendar for {year} is not known"
        super().__init__(f"{message}: {detail}" if detail else message)


def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory holidays of ``year``: day -> festival name (English).

    Raises ``HolidayCalendarMissing(year)`` if the year is not known.
    """
    return dict(_statutory_holidays(year))


@cache
def _statutory_holidays(year: int) -> tuple[tuple[date, str], ...]:
    if year < FIRST_YEAR:
        raise HolidayCalendarMissing(year, f"statutory days before {FIRST_YEAR} are not encoded")
    try:
        # The package raises NotImplementedError for a year it has no data for.
        chinese_calendar.is_holiday(date(year, 1, 1))
    except NotImplementedError as exc:
        raise HolidayCalendarMissing(year, f"chinesecalendar {chinese_calendar.__version__}"
                                           f" does not know it ({exc})") from None
    new_year, dragon_boat, mid_autumn = lunar_festivals(year)
    qingming = [d for d, name in chinese_calendar.get_solar_terms(date(year, 4, 1),
                                                                  date(year, 4, 30))
                if name == "清明"]
    days = {
        date(year, 1, 1): _H.new_years_day.value,
        **{new_year + timedelta(days=n): _H.spring_festival.value for n in range(-1, 3)},
        qingming[0]: _H.tomb_sweeping_day.value,
        date(year, 5, 1): _H.labour_day.value,
        date(year, 5, 2): _H.labour_day.value,
        dragon_boat: _H.dragon_boat_festival.value,
        mid_autumn: _H.mid_autumn_festival.value,
        **{date(year, 10, d): _H.national_day.value for d in (1, 2, 3)},
    }
    # One-off days off the State Council declares (e.g. 2015's 70th anniversary day).
    for day, name in chinese_calendar.holidays.items():
        if day.year == year and name not in _REGULAR_FESTIVALS:
            days[day] = name
    return tuple(sorted(days.items()))


def is_statutory_holiday(day: date) -> bool:
    """Whether ``day`` is a statutory holiday (法定节假日), overtime ×3.

    Raises ``HolidayCalendarMissing(day.year)`` if that year is not known.
    """
    return day in statutory_holidays(day.year)
