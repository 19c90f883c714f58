"""Separation of duties (职责分离): who may change whose account and employee file.

Plain rules, callable without a request; every path that gives a role, resets a
password, disables or enables a login, or changes an employee file asks them
(app/blueprints/hr/logins.py, employees.py, changes.py, offboarding.py and the
API and pages over them).  Each ``*_refusal`` function answers ``None`` when the
action is allowed, else ``(field, message)`` for the caller's own error type.
An ``actor`` of ``None`` is the system (a job applying an approved change, the
last-day job, the demo loader, sign-up): it is allowed; a person is checked.

The rules (issue 9, section 1):

1. **No one hands out more power than they hold.**  An account may be given a
   role (created with it, changed to it, through any path), have its password
   reset, or be disabled or enabled only by someone who holds every permission
   of that role that gives authority — everything but the everyday floor work
   in :data:`WORK_PERMISSIONS`.  The owner holds all.  Whoever creates a login
   or resets a password sees the password, so this is exactly "you cannot give
   yourself, through a made-up person, a power you lack".  The floor work is
   left out on purpose: otherwise only the owner could issue a therapist's or a
   cashier's login (HR holds neither ``board.clock_in`` nor ``order.checkout``),
   and a login that can only open orders and take payments decides nothing
   about anyone.  Approvals (refunds, re-opening a closed day, leave, pay),
   people, pay, settings, audit and the head-office desks all count.  So the HR
   manager may issue a cashier's, a therapist's or a foreman's login, and may
   not issue a store manager's (refund approval, 反结), a technical supervisor's
   (考核) or a general manager's (payroll approval): those take the owner.
2. **The owner is touched only by the owner**: the owner's account (any change,
   password reset, disable/enable) and the owner's employee file (edits, changes
   and offboarding filed about it, a login for it).
3. **No one administers themselves**: through the admin path nobody changes
   their own role or stores, resets their own password or disables their own
   login (changing one's own password stays, under ``account.self``), and nobody
   but the owner edits more than the contact details of their own employee file.
4. Pay, bank, social-insurance and tax fields of someone on staff change only
   through an approved, dated change; a status changes only through onboarding,
   offboarding and the last-day job (both: app/blueprints/hr/employees.py).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Account
from app.permissions import ROLES

OWNER = "owner"

# Everyday work on the floor: it serves guests and runs the rotation, and decides
# nothing about another person, their pay or a refund.  A role's other
# permissions are its authority, which rule 1 compares.
WORK_PERMISSIONS = frozenset({
    "account.self", "self.view", "org.view", "job.view", "store.view", "room.status",
    "dispatch.view_log", "dispatch.assign", "board.clock_in", "order.create",
    "order.checkout", "closing.run", "customer.view", "customer.manage",
    "reservation.manage", "card.sell", "feedback.record", "complaint.manage",
    "attendance.kiosk",
    # The desk serving a guest reads that guest's phone and 客史 (store/customer_privacy.py).
    "customer.view_in_service",
    # Reporting a broken basin, counting the store's assets, taking towels from stock
    # and filing one's own expense decide nothing about anyone (issue 12).
    "maintenance.report", "asset_count.count", "stock.requisition", "expense.submit",
    # Logging a disinfection round, finishing an inspection's follow-up, calling guests
    # back and writing a satisfaction review are the store's service work (issue 13).
    "disinfection.record", "disinfection.view", "inspection.follow_up", "care.manage",
    "satisfaction.answer",
})

Refusal = tuple[str, str] | None


def _is_system(actor) -> bool:
    return actor is None


def _is_owner(actor) -> bool:
    return getattr(actor, "role", None) == OWNER


def authority_of(role: str) -> frozenset[str]:
    """The permissions of ``role`` that rule 1 compares (unknown roles: none)."""
    found = ROLES.get(role)
    return found.permissions - WORK_PERMISSIONS if found is not None else frozenset()


def may_manage_role(actor, role: str) -> bool:
    """Rule 1: whether ``actor`` may give ``role`` to an account, or manage one that has it."""
    if _is_system(actor) or _is_owner(actor):
        return True
    if role == OWNER or role not in ROLES:
        return False
    held = ROLES.get(getattr(actor, "role", None) or "")
    return held is not None and authority_of(role) <= held.permissions


def _role_message(role: str) -> str:
    found = ROLES.get(role)
    label = str(found.label) if found is not None else role
    if role == OWNER:
        return _("只有企业主可以授予或管理“%(role)s”角色", role=label)
    return _("“%(role)s”角色有您不具备的权限，只有拥有其全部权限的人（如企业主）可以授予或管理",
             role=label)


def role_refusal(actor, role: str, field: str = "role") -> Refusal:
    """Rule 1 for giving ``role`` (a new login, a role change, a position change)."""
    if may_manage_role(actor, role):
        return None
    return field, _role_message(role)


def account_refusal(actor, account: Account, *, field: str = "account",
                    self_message: str | None = None) -> Refusal:
    """Rules 1–3 for touching an existing login (role, stores, password, enabled).

    ``self_message``: the action is one nobody does to their own login through the
    admin path (the message names it); None when doing it to oneself is harmless.
    """
    if _is_system(actor):
        return None
    if self_message is not None and getattr(actor, "id", None) == account.id \
            and getattr(actor, "tenant_id", None) == account.tenant_id:
        return field, self_message
    if account.role == OWNER and not _is_owner(actor):
        return field, _("只有企业主可以管理企业主的账号")
    if not may_manage_role(actor, account.role):
        return field, _role_message(account.role)
    return None


def is_owner_file(employee_id: int | None) -> bool:
    """Whether an owner's login belongs to this employee file."""
    if employee_id is None:
        return False
    return db.session.scalar(
        select(Account.id).where(Account.employee_id == employee_id,
                                 Account.role == OWNER).limit(1)) is not None


def is_own_file(actor, employee_id: int | None) -> bool:
    return employee_id is not None and getattr(actor, "employee_id", None) == employee_id


def edits_own_file(actor, employee_id: int | None) -> bool:
    """Rule 3: whether this edit is limited to the contact details of one's own file.

    The owner is the exception: nobody else may touch the owner's file (rule 2), so
    the owner keeps their own.
    """
    return is_own_file(actor, employee_id) and not _is_owner(actor)


def employee_refusal(actor, employee_id: int | None, *, field: str = "employee",
                     self_message: str | None = None) -> Refusal:
    """Rules 2 and 3 for an employee file: the owner's only by the owner; one's own
    not at all when ``self_message`` is given."""
    if _is_system(actor) or employee_id is None:
        return None
    if self_message is not None and is_own_file(actor, employee_id):
        return field, self_message
    if not _is_owner(actor) and is_owner_file(employee_id):
        return field, _("企业主的档案只有企业主本人可以办理")
    return None


def logins_refusal(actor, employee_id: int, field: str = "employee") -> Refusal:
    """Rule 1 for every login of an employee (an action that will change or disable them)."""
    if _is_system(actor):
        return None
    roles = set(db.session.scalars(select(Account.role).where(Account.employee_id == employee_id)))
    for role in sorted(roles):
        if not may_manage_role(actor, role):
            return field, _role_message(role)
    return None


def own_request_refusal(actor, requested_by_account_id: int | None,
                        field: str = "account") -> Refusal:
    """Nobody answers what they asked for themselves (a satisfaction review asked of a
    store, issue 13): the answer is someone else's account of their own work.  The
    system (``actor`` None) is allowed."""
    if _is_system(actor) or requested_by_account_id is None:
        return None
    if getattr(actor, "id", None) == requested_by_account_id:
        return field, _("不能回复自己提出的要求，请由门店负责人回复")
    return None
