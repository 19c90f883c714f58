"""/api/v1 考勤: shift templates, schedules (排班), clock records (打卡, with the bulk import
from clock devices), leave (请假) and overtime (加班) requests.

One blueprint (``api_attendance``) whose resources sit one module per area:
schedules.py, clocks.py, leave.py; their schemas in schemas.py.  What they share
(the blueprint, body lookups, the date range, the verb runner) is here.

The same services as the pages (app.blueprints.hr.time).  Bad input answers 422 naming
the field (``{"error": {"code", "message", "fields": {field: [message]}}}``); a rule that
the caller may not apply (e.g. a store manager approving leave that needs HR) answers 403;
ids in the path of another tenant or store answer 404.  Ids in the body (store_id,
employee_id) outside the caller's stores answer 422 naming the field.

Reading lists: callers holding ``attendance.view`` (or, for requests, ``leave.approve``)
see their stores; everyone else sees only their own records (and only published
schedules).

Bulk import (``POST /clock-records/import``) is PER ROW, not all-or-nothing: each valid
row is stored, each invalid row is reported with its index and field and stores nothing,
and a row whose ``(device_id, device_record_id)`` is already stored (or repeated in the
batch) counts as a duplicate — so a device may resend a whole batch safely.  The answer is
200 with the counts; only a malformed body (no ``records`` list, more than 2,000 rows)
answers 422.
"""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import abort
from sqlalchemy import select

from app.blueprints.api.attendance.schemas import MAX_LIST_DAYS
from app.blueprints.api.common import Blueprint
from app.blueprints.hr.time import NotAllowed, TimeError
from app.extensions import db
from app.models import Employee, Store
from app.permissions import store_scope

blp = Blueprint("api_attendance", __name__,
                description="Time and attendance (考勤): schedules, clock records with the "
                            "device import, leave and overtime")


# -- helpers -------------------------------------------------------------------------

def unprocessable(field: str, message: str):
    raise TimeError.on(field, message)


def run_verb(verb):
    """Run a service verb: 403 for a rule the caller may not apply (a bad field is 422,
    app/errors.py); commit."""
    try:
        result = verb()
    except NotAllowed as error:
        db.session.rollback()
        abort(403, message=error.message)
    db.session.commit()
    return result


def body_store(store_id: int) -> Store:
    scope = store_scope(current_user)
    store = db.session.scalar(select(Store).where(Store.id == store_id))
    if store is None or (scope is not None and store.id not in scope):
        unprocessable("store_id", "没有这个门店")
    return store


def body_employee(employee_id: int) -> Employee:
    scope = store_scope(current_user)
    employee = db.session.scalar(select(Employee).where(Employee.id == employee_id))
    if employee is None or (scope is not None and employee.store_id not in scope
                            and employee.id != current_user.employee_id):
        unprocessable("employee_id", "没有这个员工")
    return employee


def date_range(args) -> tuple:
    first, last = args["date_from"], args["date_to"]
    if last < first:
        unprocessable("to", "结束日期不能早于开始日期")
    if (last - first).days + 1 > MAX_LIST_DAYS:
        unprocessable("to", f"一次最多查询 {MAX_LIST_DAYS} 天")
    return first, last


def sees_store_records(*permissions: str) -> bool:
    return any(current_user.can(p) for p in permissions)


def own_employee_id() -> int:
    own = getattr(current_user, "employee_id", None)
    if own is None:
        abort(403, message="您的账号没有关联员工档案")
    return own


# The resources, one module per area, imported for their routes in the order of the
# OpenAPI document.
# isort: off
from app.blueprints.api.attendance import schedules  # noqa: E402,F401
from app.blueprints.api.attendance import clocks  # noqa: E402,F401
from app.blueprints.api.attendance import leave  # noqa: E402,F401
# isort: on
