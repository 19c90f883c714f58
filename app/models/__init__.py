"""Shared core models; departments keep their own tables in their blueprint."""

from app.models.account import Account, AccountStore, ApiToken
from app.models.audit import AuditEntry
from app.models.org import Department, Position, Room, Store
from app.models.people import Employee
from app.models.tenant import PlatformAdmin, Tenant

__all__ = [
    "Account",
    "AccountStore",
    "ApiToken",
    "AuditEntry",
    "Department",
    "Employee",
    "PlatformAdmin",
    "Position",
    "Room",
    "Store",
    "Tenant",
]
