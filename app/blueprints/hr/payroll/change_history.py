"""Values in force on a date, from the applied EmployeeChange history (调店, 晋升, 调薪)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.blueprints.hr.models import EmployeeChange
from app.extensions import db
from app.models import PayProfile as PayProfileRow


@dataclass(frozen=True)
class AppliedChange:
    effective_on: date
    id: int
    new: dict
    old: dict


HISTORY_FIELDS = ("store_id", "position_id", "level_id", "pay_profile_id", "monthly_base")


def value_on(changes: list[AppliedChange], name: str, day: date, current):
    """The value of ``name`` in force on ``day``: the rule in the module docstring.

    ``changes`` are one employee's applied changes sorted by (effective_on, id).
    """
    relevant = [c for c in changes if c.new.get(name) is not None]
    before = [c for c in relevant if c.effective_on <= day]
    if before:
        return before[-1].new[name]
    if relevant:
        return relevant[0].old.get(name)
    return current


def level_changes_between(changes: list[AppliedChange], after: date, until: date) -> bool:
    """Whether a level change takes effect on a day in (after, until]."""
    return any(c.new.get("level_id") is not None and after < c.effective_on <= until
               for c in changes)


def load_applied_changes(ids: list[int]) -> dict[int, list[AppliedChange]]:
    history: dict[int, list[AppliedChange]] = defaultdict(list)
    rows = db.session.execute(
        select(EmployeeChange.employee_id, EmployeeChange.id, EmployeeChange.effective_on,
               EmployeeChange.new_store_id, EmployeeChange.old_store_id,
               EmployeeChange.new_position_id, EmployeeChange.old_position_id,
               EmployeeChange.new_level_id, EmployeeChange.old_level_id,
               EmployeeChange.new_pay_profile_id, EmployeeChange.old_pay_profile_id,
               EmployeeChange.new_monthly_base, EmployeeChange.old_monthly_base)
        .where(EmployeeChange.status == "applied", EmployeeChange.employee_id.in_(ids))
        .order_by(EmployeeChange.effective_on, EmployeeChange.id))
    for row in rows:
        history[row.employee_id].append(AppliedChange(
            effective_on=row.effective_on, id=row.id,
            new={"store_id": row.new_store_id, "position_id": row.new_position_id,
                 "level_id": row.new_level_id, "pay_profile_id": row.new_pay_profile_id,
                 "monthly_base": row.new_monthly_base},
            old={"store_id": row.old_store_id, "position_id": row.old_position_id,
                 "level_id": row.old_level_id, "pay_profile_id": row.old_pay_profile_id,
                 "monthly_base": row.old_monthly_base}))
    return history


def profile_in_force(employee, changes: list[AppliedChange], day: date,
                      profiles: dict[int, PayProfileRow]):
    """(profile row, "employee" | "position") in force on ``day``, or (None, "")."""
    own = value_on(changes, "pay_profile_id", day, employee.pay_profile_id)
    if own is not None and own in profiles:
        return profiles[own], "employee"
    position_id = value_on(changes, "position_id", day, employee.position_id)
    for profile in sorted(profiles.values(), key=lambda p: p.id):
        if profile.position_id == position_id and profile.is_active:
            return profile, "position"
    return None, ""
