"""Shared core models; departments keep their own tables in their blueprint."""

from app.models.account import Account, AccountStore, ApiToken
from app.models.approval import ApprovalDecision
from app.models.audit import AuditEntry
from app.models.org import Department, Position, Room, Store
from app.models.people import Employee, PayProfile, TherapistLevel
from app.models.tenant import PlatformAdmin, Tenant


def register_path_objects() -> None:
    """Tell the central URL resolver (app.permissions) which model each id names.

    Called by the app factory, not at import: app.jobs.models imports this package.
    """
    from app.jobs.models import JobRecord
    from app.permissions import register_path_object

    for argument, model in {
        "store_id": Store,
        "room_id": Room,
        "employee_id": Employee,
        "account_id": Account,
        "token_id": ApiToken,
        "job_id": JobRecord,
    }.items():
        register_path_object(argument, model)


__all__ = [
    "Account",
    "AccountStore",
    "ApiToken",
    "ApprovalDecision",
    "AuditEntry",
    "Department",
    "Employee",
    "PayProfile",
    "PlatformAdmin",
    "Position",
    "Room",
    "Store",
    "Tenant",
    "TherapistLevel",
]
