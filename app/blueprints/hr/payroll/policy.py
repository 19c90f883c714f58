"""The tenant's payroll settings (specs/payroll.md, Settings): defaults, bounds, and
the parsing of the values stored in the tenant's policies (strings or numbers)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from app.blueprints.hr.payroll.attendance import AttendancePolicy


@dataclass(frozen=True)
class PayrollPolicy:
    """The tenant's payroll settings (specs/payroll.md, Settings), validated."""

    pay_days_per_month: Decimal = Decimal("21.75")
    hours_per_day: Decimal = Decimal(8)
    late_grace_minutes: int = 5
    late_deduction: Decimal = Decimal("20.00")
    late_half_day_minutes: int = 120
    sick_pay_ratio: Decimal = Decimal("0.8")
    pension_rate: Decimal = Decimal("0.08")
    medical_rate: Decimal = Decimal("0.02")
    unemployment_rate: Decimal = Decimal("0.005")
    housing_fund_rate: Decimal = Decimal("0.05")
    si_base_min: Decimal | None = None
    si_base_max: Decimal | None = None
    leave_hr_approval_days: int = 3

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.name in _OPTIONAL_SETTINGS:
                continue
            kind = int if f.name in _INT_SETTINGS else Decimal
            if isinstance(value, bool) or not isinstance(value, kind):
                raise ValueError(f"{f.name}: expected {kind.__name__}, got {value!r}")
            if kind is Decimal and not value.is_finite():
                raise ValueError(f"{f.name}: must be a finite number, got {value}")
            low, high, low_open = _BOUNDS.get(f.name, (0, None, False))
            if value < low or (low_open and value == low) or (high is not None
                                                              and value > high):
                shown = f"> {low}" if low_open else f">= {low}"
                shown += f" and <= {high}" if high is not None else ""
                raise ValueError(f"{f.name}: must be {shown}, got {value}")
        if self.late_half_day_minutes < self.late_grace_minutes:
            raise ValueError("late_half_day_minutes: must not be below late_grace_minutes")
        if (self.si_base_min is not None and self.si_base_max is not None
                and self.si_base_max < self.si_base_min):
            raise ValueError("si_base_max: must not be below si_base_min")

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> PayrollPolicy:
        """A policy from stored tenant settings (strings or numbers).

        A missing key, or None, takes the default (for the SI bounds: no bound).
        Keys that are not payroll settings are ignored.  A bad value raises
        ValueError naming the key.
        """
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = settings.get(f.name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            values[f.name] = _parse_setting(f.name, raw)
        return cls(**values)

    def attendance_policy(self) -> AttendancePolicy:
        """The lateness thresholds, for attendance.attendance_facts()."""
        return AttendancePolicy(late_grace_minutes=self.late_grace_minutes,
                                late_half_day_minutes=self.late_half_day_minutes)


_INT_SETTINGS = frozenset({"late_grace_minutes", "late_half_day_minutes",
                           "leave_hr_approval_days"})
_OPTIONAL_SETTINGS = frozenset({"si_base_min", "si_base_max"})
# name -> (lowest, highest or None, lowest excluded); others: >= 0, no upper bound.
_BOUNDS: dict[str, tuple[Any, Any, bool]] = {
    "pay_days_per_month": (0, 31, True),
    "hours_per_day": (0, 24, True),
    "sick_pay_ratio": (0, 1, False),
    "pension_rate": (0, 1, False),
    "medical_rate": (0, 1, False),
    "unemployment_rate": (0, 1, False),
    "housing_fund_rate": (0, 1, False),
}


def _parse_setting(name: str, raw: Any) -> int | Decimal:
    if isinstance(raw, bool):
        raise ValueError(f"{name}: expected a number, got {raw!r}")
    try:
        # A float from JSON goes through its shortest repr: 0.08 -> Decimal("0.08").
        number = Decimal(str(raw).strip()) if isinstance(raw, (str, float)) else Decimal(raw)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{name}: expected a number, got {raw!r}") from None
    if not number.is_finite():
        raise ValueError(f"{name}: must be a finite number, got {raw!r}")
    if name in _INT_SETTINGS:
        if number != number.to_integral_value():
            raise ValueError(f"{name}: expected a whole number, got {raw!r}")
        return int(number)
    return number
