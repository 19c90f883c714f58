"""HR's words for the audit log: the codes its entries store (leave kinds, change kinds,
request statuses, payroll settings), given to app.audit_display once at import."""

from app.audit_display import register_audit_fields, register_audit_values
from app.blueprints.hr import change_lists, rewards
from app.blueprints.hr.checklists import ACCOUNT_AT_LABELS, DEPARTMENT_LABELS
from app.blueprints.hr.pay_settings import POLICY_LABELS
from app.blueprints.hr.time import (
    CLOCK_KIND_LABELS,
    CLOCK_SOURCE_LABELS,
    LEAVE_KIND_LABELS,
    REQUEST_STATUS_LABELS,
    SHEET_STATUS_LABELS,
)

register_audit_fields(POLICY_LABELS)
for labels in (LEAVE_KIND_LABELS, change_lists.KIND_LABELS, rewards.KIND_LABELS,
               CLOCK_KIND_LABELS):
    register_audit_values("kind", labels)
for labels in (REQUEST_STATUS_LABELS, change_lists.STATUS_LABELS, rewards.STATUS_LABELS,
               SHEET_STATUS_LABELS):
    register_audit_values("status", labels)
register_audit_values("source", CLOCK_SOURCE_LABELS)
register_audit_values("owner_department", DEPARTMENT_LABELS)
register_audit_values("account_at", ACCOUNT_AT_LABELS)
