"""The front desk's words for the audit log: the codes its entries store (complaint
statuses, service categories), given to app.audit_display once at import."""

from app.audit_display import register_audit_values
from app.blueprints.store.feedback import COMPLAINT_STATUS_LABELS
from app.blueprints.store.views_catalogue import CATEGORY_LABELS

register_audit_values("status", COMPLAINT_STATUS_LABELS, "complaint")
register_audit_values("category", CATEGORY_LABELS)
