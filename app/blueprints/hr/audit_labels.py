"""HR's words for the audit log: the codes its entries store (leave and change kinds,
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
for object_type in ("leave_request", "overtime_request"):
    register_audit_values("status", REQUEST_STATUS_LABELS, object_type)
register_audit_values("kind", LEAVE_KIND_LABELS, "leave_request")
register_audit_values("kind", change_lists.KIND_LABELS, "employee_change")
register_audit_values("status", change_lists.STATUS_LABELS, "employee_change")
register_audit_values("kind", rewards.KIND_LABELS, "reward")
register_audit_values("status", rewards.STATUS_LABELS, "reward")
register_audit_values("status", SHEET_STATUS_LABELS, "attendance_sheet")
register_audit_values("kind", CLOCK_KIND_LABELS, "clock_record")
register_audit_values("source", CLOCK_SOURCE_LABELS)
register_audit_values("owner_department", DEPARTMENT_LABELS)
register_audit_values("account_at", ACCOUNT_AT_LABELS)
