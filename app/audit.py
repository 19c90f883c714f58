"""Write the append-only audit log (who, when, what, before/after)."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from app.extensions import db
from app.models import AuditEntry
from app.tenancy import current_tenant_id

# The actions that specs/tenancy.md calls sensitive, plus the account events
# operators ask about first.  The audit page labels them.
SENSITIVE_ACTIONS = {
    "salary.change": "调薪",
    "payroll.approve": "审批工资",
    "employee.offboard": "办理离职",
    "asset.write_off": "资产报损",
    "order.refund": "退款",
    "account.role_change": "变更角色",
    "account.disable": "停用账号",
    "account.enable": "启用账号",
    "account.create": "新建账号",
    "account.password_reset": "重置密码",
    "login.disabled_account": "停用账号尝试登录",
    "token.create": "创建 API 令牌",
    "token.revoke": "吊销 API 令牌",
    "tenant.create": "创建企业",
}


def record_audit(
    action: str,
    object_type: str = "",
    object_id: object = "",
    before: dict | None = None,
    after: dict | None = None,
    actor=None,
    tenant_id: int | None = None,
) -> AuditEntry:
    """Add one audit entry to the session (the caller's commit writes it)."""
    actor = actor if actor is not None else _current_actor()
    entry = AuditEntry(
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        before=before,
        after=after,
        actor_account_id=getattr(actor, "id", None) if actor is not None else None,
        actor_name=_actor_name(actor),
        ip_address=(request.remote_addr or "") if has_request_context() else "",
    )
    # Stamped now, not at flush: the caller may leave the tenant scope first.
    entry.tenant_id = tenant_id if tenant_id is not None else current_tenant_id()
    db.session.add(entry)
    return entry


def _current_actor():
    if has_request_context() and current_user and current_user.is_authenticated:
        if not getattr(current_user, "is_platform_admin", False):
            return current_user
    return None


def _actor_name(actor) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "display_name", "") or getattr(actor, "username", "")
