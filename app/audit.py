"""Write the append-only audit log (who, when, what, before/after)."""

from __future__ import annotations

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.extensions import db
from app.models import AuditEntry
from app.tenancy import current_tenant_id

# Every action written to the audit log, with its label for the audit page.
# specs/tenancy.md names the sensitive ones (salary change, payroll approval,
# offboarding, asset write-off, refund, role change, login as disabled); the
# others are the account and organisation events operators ask about first.
AUDIT_ACTIONS = {
    "salary.change": _l("调薪"),
    "payroll.approve": _l("审批工资"),
    "employee.offboard": _l("办理离职"),
    "asset.write_off": _l("资产报损"),
    "order.refund": _l("退款"),
    "order.cancel": _l("取消消费单"),
    "order.line_cancel": _l("取消消费单项目"),
    "account.role_change": _l("变更角色"),
    "account.stores_change": _l("变更账号门店"),
    "account.disable": _l("停用账号"),
    "account.enable": _l("启用账号"),
    "account.create": _l("新建账号"),
    "account.password_reset": _l("重置密码"),
    "login.disabled_account": _l("停用账号尝试登录"),
    "token.create": _l("创建 API 令牌"),
    "token.revoke": _l("吊销 API 令牌"),
    "tenant.create": _l("创建企业"),
    "tenant.suspend": _l("暂停企业"),
    "tenant.reactivate": _l("恢复企业"),
    "employee.create": _l("新建员工档案"),
    "employee.update": _l("修改员工档案"),
    "store.create": _l("新建门店"),
    "store.update": _l("修改门店"),
    "room.create": _l("新建房间"),
    "room.update": _l("修改房间"),
    "room.status": _l("房间停用/恢复"),
    "customer.create": _l("新建客户档案"),
    "customer.update": _l("修改客户档案"),
    "complaint.open": _l("登记投诉"),
    "complaint.update": _l("处理投诉"),
    "job.return": _l("退钟"),
    "board.move": _l("轮牌人工调整"),
    "closing.lock": _l("日结"),
    "closing.reopen": _l("重新打开已日结的营业日"),
    "order.refund_reject": _l("驳回退款"),
    "catalogue.update": _l("修改价目（价格、提成、折扣、技师资格）"),
}


def register_audit_actions(labels: dict) -> None:
    """A department declares the actions it writes, with their labels, in its own module."""
    clash = {k for k, v in labels.items() if k in AUDIT_ACTIONS and AUDIT_ACTIONS[k] is not v}
    if clash:
        raise ValueError(f"audit actions declared twice: {sorted(clash)}")
    AUDIT_ACTIONS.update(labels)


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
