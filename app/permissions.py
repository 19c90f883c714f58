"""The org chart as permissions: role -> named capabilities, store scope, the guard.

Read ``ROLES`` as the org chart itself.  Deny by default: a view names the
permission it needs with :func:`permission_required`; a role without it gets
403, a user of another store or tenant gets 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from operator import attrgetter

from flask import abort, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.extensions import db, login_manager
from app.tenancy import current_tenant_id

# name -> what it lets a person do (shown on the matrix page).
PERMISSIONS: dict[str, str] = {
    "account.self": _l("使用自己的账号（改密码、API 令牌）"),
    "org.view": _l("查看门店与房间"),
    "org.manage": _l("新建、编辑门店与房间"),
    "employee.view": _l("查看员工档案（花名册：姓名、工号、门店、岗位、等级、状态）"),
    "employee.view_personal": _l("查看员工个人信息（手机、生日、紧急联系人、脱敏证件号）"),
    "employee.reveal_sensitive": _l("查看完整身份证号、银行卡号（每次记入审计日志）"),
    "employee.manage": _l("新建、编辑员工档案"),
    "employee.onboard": _l("办理入职"),
    "employee.offboard": _l("办理离职"),
    "account.manage": _l("管理登录账号、角色与停用"),
    "security.manage": _l("管理登录安全设置（闲置超时）"),
    "permissions.view": _l("查看权限矩阵"),
    "approvals.settings": _l("审批设置（一人公司豁免、金额门槛）"),
    "audit.view": _l("查看审计日志"),
    "job.view": _l("查看后台任务"),
    "job.run": _l("启动后台任务"),
    "gm.dashboard": _l("总经理看板"),
    "target.manage": _l("设定门店经营目标"),
    "report.view": _l("查看月度经营分析报告（店长：本店部分）"),
    "finance.view": _l("财务部工作台"),
    "expense.submit": _l("提交费用报销/申请（附发票照片）"),
    "expense.approve_store": _l("审批本店费用（店长）"),
    "expense.review": _l("审核费用与采购（财务）"),
    "expense.approve": _l("审批超过门槛的费用与采购（总经理）"),
    "expense.pay": _l("标记费用已付款"),
    "budget.manage": _l("编制门店月度预算"),
    "pnl.view": _l("查看门店损益"),
    "payroll.run": _l("计算工资、提交工资表"),
    "payroll.review": _l("复核工资表（财务）"),
    "payroll.approve": _l("审批工资表（总经理）"),
    "payroll.pay": _l("标记工资已发放"),
    "payroll.view": _l("查看全部工资单"),
    "payroll.settings": _l("管理薪资方案、技师等级与工资参数"),
    "employee.change_approve": _l("审批调店、晋升、降级、调薪与离职"),
    "items.issue": _l("发放、回收员工物品（工服、钥匙、工牌）"),
    "schedule.manage": _l("排班、发布排班"),
    "attendance.view": _l("查看门店考勤"),
    "attendance.record": _l("代打卡、补卡"),
    "attendance.kiosk": _l("打开门店打卡机页面"),
    "attendance.lock": _l("审核并锁定月度考勤表"),
    "leave.approve": _l("审批请假、加班"),
    "leave.approve_long": _l("审批长假（超过店长审批天数）"),
    "reward.manage": _l("登记奖惩"),
    "reward.approve": _l("审批奖惩"),
    "hr.view": _l("人力资源部工作台"),
    "service.view": _l("服务部工作台"),
    "sop.manage": _l("编写、发布服务规范（SOP）"),
    "inspection.manage": _l("门店检查（卫生、安全）：检查模板、检查评分、整改与卫生评比"),
    "inspection.follow_up": _l("完成本店的检查整改项"),
    "evaluation.manage": _l("服务技能评估（迎宾、接待、收银、卫生）"),
    "satisfaction.request": _l("要求门店做满意度复盘"),
    "satisfaction.answer": _l("回复满意度复盘（分析与措施）"),
    "disinfection.record": _l("登记消毒记录"),
    "disinfection.view": _l("查看消毒记录与缺漏"),
    "care.manage": _l("客户回访计划与回访记录"),
    "technical.view": _l("技术部工作台"),
    "therapist.assess": _l("技师考核：考核评分、确认技能评定（晋升/降级）、技术投诉调查"),
    "technical.settings": _l("技术部设置：考核评分标准与合格线、技能评定参数与等级分数线"),
    "training.manage": _l("安排培训、记录出勤与岗前培训结果"),
    "discipline.record": _l("登记违纪"),
    "discipline.approve": _l("审批违纪处理（警告、罚款）"),
    "technique.propose": _l("提出新项目、新手法"),
    "technique.approve": _l("审批新项目提案"),
    "logistics.view": _l("后勤工作台"),
    "asset.manage": _l("登记、编辑资产，打印资产标签"),
    "asset_count.count": _l("资产盘点：录入盘点结果"),
    "asset_count.close": _l("结束资产盘点"),
    "asset_count.review": _l("审核资产盘点（财务）"),
    "stock.manage": _l("物料与商品：入库、调拨、报损，设置补货点"),
    "stock.requisition": _l("物料申领"),
    "purchase.request": _l("提交采购申请、收货入库"),
    "purchase.approve": _l("审批采购申请（后勤）"),
    "maintenance.report": _l("报修（房间、设备）"),
    "maintenance.manage": _l("维修派单、完工"),
    "dorm.manage": _l("管理员工宿舍与床位"),
    "store.view": _l("门店前台（房态）"),
    "room.status": _l("更新房态"),
    "dispatch.assign": _l("派钟（轮牌）"),
    "order.create": _l("开单"),
    "order.checkout": _l("收银结账"),
    "order.refund_approve": _l("审批退款"),
    "closing.run": _l("日结"),
    "closing.reopen": _l("重新打开已日结的营业日（反结）"),
    "self.view": _l("查看自己的排班、钟数与工资"),
    "dispatch.view_log": _l("查看本店轮牌与派钟记录"),
    "board.clock_in": _l("上牌、下牌（到岗排轮）"),
    "catalogue.manage": _l("管理服务项目、商品、会员等级与门店价格"),
    "store.settings": _l("前台与派钟设置（退钟时限、提前下钟须填原因、开工排位等）"),
    "customer.view": _l("查找客户、查看客户档案（手机号脱敏）"),
    "customer.view_in_service": _l("查看本店在单客人的完整手机号与客史"),
    "customer.view_contact": _l("查看客户完整手机号与客史（门店角色：本店客人）"),
    "customer.manage": _l("新建、编辑客户档案"),
    "reservation.manage": _l("预订：新建、确认、取消"),
    "card.sell": _l("会员卡：办卡、充值"),
    "card.settlement": _l("会员卡跨店结算报表"),
    "feedback.record": _l("录入客人评价"),
    "complaint.manage": _l("处理投诉"),
}

HEAD_OFFICE = "head_office"  # sees every store of the tenant
STORE = "store"  # sees only the stores the account is assigned to
SELF = "self"  # sees only their own records


@dataclass(frozen=True)
class Role:
    label: str
    scope: str
    permissions: frozenset[str]


def _role(label, scope, *permissions: str) -> Role:
    unknown = set(permissions) - set(PERMISSIONS)
    if unknown:
        raise ValueError(f"unknown permissions {sorted(unknown)}")
    return Role(label, scope, frozenset(permissions))


_HEAD_OFFICE_BASE = ("account.self", "org.view", "job.view", "self.view")
_STORE_BASE = ("account.self", "org.view", "store.view", "self.view")
# What every person working the front desk of a store can see and do.  Guests: found
# by anyone at the desk with the phone masked; full phone and 客史 of the guest the desk
# is serving (customer.view_in_service) for all but the greeter, who needs the least
# (app/blueprints/store/customer_privacy.py).
_DESK_BASE = (*_STORE_BASE, "dispatch.view_log", "customer.view")
_DESK_SERVING = (*_DESK_BASE, "customer.view_in_service")

ROLES: dict[str, Role] = {
    "owner": _role(_l("企业主"), HEAD_OFFICE, *PERMISSIONS),
    "general_manager": _role(
        _l("总经理"), HEAD_OFFICE, *_HEAD_OFFICE_BASE,
        "gm.dashboard", "finance.view", "hr.view", "service.view", "technical.view",
        "logistics.view", "store.view", "employee.view", "employee.view_personal", "audit.view",
        "permissions.view", "expense.approve", "payroll.approve", "payroll.view",
        "asset_count.close", "job.run", "expense.submit", "pnl.view", "org.manage",
        "catalogue.manage", "store.settings",
        "customer.view",
        "customer.view_contact", "dispatch.view_log", "card.settlement", "complaint.manage",
        "attendance.view", "target.manage", "report.view", "disinfection.view",
    ),
    # Payroll: HR computes and submits, finance reviews, the GM approves, finance pays.
    "finance_manager": _role(
        _l("财务经理"), HEAD_OFFICE, *_HEAD_OFFICE_BASE,
        "finance.view", "expense.review", "expense.pay", "expense.submit", "budget.manage",
        "pnl.view", "asset_count.review", "payroll.view", "payroll.review", "payroll.pay",
        "payroll.settings", "audit.view", "job.run", "card.settlement", "catalogue.manage",
        "report.view",
    ),
    "finance_staff": _role(
        _l("财务专员"), HEAD_OFFICE, *_HEAD_OFFICE_BASE, "finance.view", "payroll.view",
        "card.settlement", "pnl.view", "expense.submit",
    ),
    "hr_manager": _role(
        _l("人力资源经理"), HEAD_OFFICE, *_HEAD_OFFICE_BASE,
        "hr.view", "employee.view", "employee.view_personal", "employee.reveal_sensitive",
        "employee.manage", "employee.onboard", "employee.offboard", "account.manage",
        "payroll.run", "payroll.view", "audit.view", "permissions.view", "job.run",
        "payroll.settings", "employee.change_approve", "schedule.manage",
        "attendance.view", "attendance.record", "attendance.lock", "leave.approve",
        "leave.approve_long", "reward.manage", "reward.approve", "discipline.record",
        "discipline.approve", "expense.submit",
    ),
    "hr_staff": _role(
        _l("人事专员"), HEAD_OFFICE, *_HEAD_OFFICE_BASE,
        "hr.view", "employee.view", "employee.view_personal", "employee.reveal_sensitive",
        "employee.manage", "employee.onboard", "payroll.view", "schedule.manage",
        "attendance.view", "attendance.record", "reward.manage", "discipline.record",
        # Files a resignation or termination; the HR manager decides it (app/approvals.py).
        "employee.offboard", "expense.submit",
    ),
    # Head-office roles outside HR read a roster of the staff (no contact or pay);
    # the service manager calls guests back about complaints (customer.view_contact).
    "service_manager": _role(
        _l("服务部经理"), HEAD_OFFICE, *_HEAD_OFFICE_BASE, "service.view", "employee.view",
        "customer.view", "customer.view_contact", "complaint.manage", "expense.submit",
        "sop.manage", "inspection.manage", "evaluation.manage", "satisfaction.request",
        "disinfection.view", "report.view", "job.run",
    ),
    "technical_director": _role(
        _l("技术总监"), HEAD_OFFICE, *_HEAD_OFFICE_BASE,
        "technical.view", "therapist.assess", "employee.view", "job.run", "complaint.manage",
        "dispatch.view_log", "technical.settings", "training.manage", "discipline.record",
        "discipline.approve", "technique.propose", "technique.approve", "expense.submit",
    ),
    "logistics_head": _role(
        _l("后勤负责人"), HEAD_OFFICE, *_HEAD_OFFICE_BASE,
        "logistics.view", "asset_count.close", "employee.view", "org.manage", "items.issue",
        "asset.manage", "asset_count.count", "stock.manage", "stock.requisition",
        "purchase.request", "purchase.approve", "maintenance.report", "maintenance.manage",
        "dorm.manage", "expense.submit",
    ),
    # Technical supervisors live in a store but answer to the technical department.
    "technical_supervisor": _role(
        _l("技术督导"), STORE, "account.self", "org.view", "self.view",
        "technical.view", "therapist.assess", "employee.view", "dispatch.view_log",
        "training.manage", "discipline.record", "technique.propose",
    ),
    "trainee_supervisor": _role(
        _l("见习技术督导"), STORE, "account.self", "org.view", "self.view",
        "technical.view", "employee.view", "dispatch.view_log", "training.manage",
        "discipline.record", "technique.propose",
    ),
    # The store manager calls their staff in and acts in an emergency: their store's
    # contacts, never pay (app/blueprints/hr/visibility.py); and their stores' guests.
    "store_manager": _role(
        _l("店长"), STORE, *_DESK_SERVING, "employee.view", "employee.view_personal",
        "customer.view_contact", "room.status", "dispatch.assign",
        "order.create", "order.checkout", "order.refund_approve", "closing.run", "closing.reopen",
        "board.clock_in", "customer.manage", "reservation.manage", "card.sell",
        "feedback.record", "complaint.manage", "schedule.manage", "attendance.view",
        "attendance.record", "attendance.kiosk", "leave.approve", "reward.manage",
        "discipline.record",
        # Their store's logistics: count, requisition, buy, report repairs, spend.
        "logistics.view", "asset_count.count", "asset_count.close", "stock.requisition",
        "purchase.request", "maintenance.report", "maintenance.manage", "expense.submit",
        "expense.approve_store",
        # Head office's service department asks, the store answers and follows up.
        "report.view", "inspection.follow_up", "satisfaction.answer", "disinfection.record",
        "disinfection.view", "care.manage",
    ),
    "supervisor": _role(
        _l("主管"), STORE, *_DESK_SERVING, "employee.view", "room.status", "dispatch.assign",
        "order.create", "order.checkout", "board.clock_in", "customer.manage",
        "reservation.manage", "card.sell", "feedback.record", "complaint.manage",
        "schedule.manage", "attendance.view", "attendance.record", "attendance.kiosk",
        "discipline.record", "asset_count.count", "stock.requisition", "maintenance.report",
        "inspection.follow_up", "disinfection.record", "disinfection.view",
    ),
    # The foreman (领班) schedules the floor and records punches for those who forgot.
    "foreman": _role(
        _l("领班"), STORE, *_DESK_SERVING, "employee.view", "room.status", "dispatch.assign",
        "order.create", "board.clock_in", "customer.manage", "reservation.manage",
        "feedback.record", "schedule.manage", "attendance.view", "attendance.record",
        "attendance.kiosk", "asset_count.count", "stock.requisition", "maintenance.report",
        "disinfection.record",
    ),
    "cashier": _role(_l("收银员"), STORE, *_DESK_SERVING, "order.create", "order.checkout",
                     "closing.run", "customer.manage", "card.sell", "feedback.record",
                     "attendance.kiosk", "maintenance.report"),
    "dispatcher": _role(_l("调派"), STORE, *_DESK_SERVING, "dispatch.assign", "board.clock_in",
                        "maintenance.report"),
    "receptionist": _role(_l("接待员"), STORE, *_DESK_SERVING, "order.create", "room.status",
                          "customer.manage", "reservation.manage", "feedback.record",
                          "attendance.kiosk", "maintenance.report"),
    "greeter": _role(_l("迎宾员"), STORE, *_DESK_BASE, "order.create", "customer.manage",
                     "reservation.manage", "maintenance.report"),
    # The cleaner finds the broken basin first: they report repairs too.
    "cleaner": _role(_l("卫生员"), STORE, "account.self", "store.view", "room.status",
                     "self.view", "maintenance.report", "disinfection.record"),
    # Therapists see their own jobs and pay, and their store's rotation log (fairness).
    "therapist": _role(_l("技师"), SELF, "account.self", "self.view", "dispatch.view_log",
                       "board.clock_in"),
}


def role_has(role: str, permission: str) -> bool:
    """Whether ``role`` holds ``permission``; unknown roles hold nothing."""
    found = ROLES.get(role)
    return found is not None and permission in found.permissions


def role_label(role: str) -> str:
    found = ROLES.get(role)
    return str(found.label) if found else role


def store_scope(account) -> set[int] | None:
    """Store ids the account may see, or ``None`` for every store of its tenant."""
    role = ROLES.get(account.role)
    if role is not None and role.scope == HEAD_OFFICE:
        return None
    return account.store_ids


def can_see_store(account, store_id: int | None) -> bool:
    scope = store_scope(account)
    return scope is None or store_id in scope


def permission_required(permission: str):
    """Guard a view (HTML or API): log-in required, then ``permission``.

    The permission is kept on the view (``required_permission``) so that a test
    can prove every endpoint names one.
    """
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                if _is_api_request():
                    abort(401)
                return login_manager.unauthorized()
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        guarded.required_permission = permission
        return guarded

    return decorator


def public(view):
    """Mark a view that needs no login (login, sign-up, error pages, health)."""
    view.required_permission = None
    view.is_public = True
    return view


def platform_admin_required(view):
    """Guard a platform-operator view; tenant accounts get 404 (they must not see it)."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not getattr(current_user, "is_platform_admin", False):
            abort(404)
        return view(*args, **kwargs)

    guarded.required_permission = "platform.admin"
    return guarded


def _is_api_request() -> bool:
    return (request.blueprint or "").startswith("api")


# URL arguments that name a tenant-owned object -> its model.  Departments add
# theirs with register_path_object(); see resolve_path_objects().
PATH_OBJECTS: dict[str, type] = {}


# URL arguments whose model another argument names (the approval flow's
# ``/<kind>/<object_id>``): argument -> resolver(view_args) that loads it or 404s.
PATH_RESOLVERS: dict[str, object] = {}


def register_path_resolver(argument: str, resolver) -> None:
    PATH_RESOLVERS[argument] = resolver


def register_path_object(argument: str, model: type) -> None:
    existing = PATH_OBJECTS.get(argument)
    if existing is not None and existing is not model:
        raise ValueError(f"URL argument {argument!r} already names {existing.__name__}")
    PATH_OBJECTS[argument] = model


def resolve_path_objects() -> None:
    """Before any view (and before an API body is validated): every id in the URL
    must name an object of the current tenant, within the user's stores.

    One place answers 404 for another tenant's (or another store's) ids, so a
    view can't forget, and the API never answers 422 for an object the caller
    may not know exists.
    """
    if not request.view_args or not current_user.is_authenticated:
        return
    if getattr(current_user, "is_platform_admin", False):
        return
    loaded = []
    for argument, value in request.view_args.items():
        resolver = PATH_RESOLVERS.get(argument)
        if resolver is not None and isinstance(value, int):
            loaded.append(resolver(request.view_args))
            continue
        model = PATH_OBJECTS.get(argument)
        if model is None or not isinstance(value, int):
            continue
        loaded.append(get_in_scope_or_404(model, value))
    # Held for the request: the session's identity map keeps objects only weakly,
    # so without this the view's own get() of the same id would query again.
    g.path_objects = loaded


def get_in_scope_or_404(model, object_id: int, store_id_of=None):
    """Load a tenant-scoped object by id; 404 if absent, of another tenant or store.

    The store is read from ``store_id_of(obj)``, else from the model's
    ``scope_store_attribute`` (``store_id`` by default; a Store is its own
    store); a model with neither, or with ``scope_store_attribute = None``, has no
    store scope (its views check ownership or a head-office permission instead).
    """
    obj = db.session.get(model, object_id)
    # The tenant check guards the identity-map hole of app/tenancy.py as well.
    if obj is None or obj.tenant_id != current_tenant_id():
        abort(404)
    if store_id_of is None:
        attribute = getattr(model, "scope_store_attribute", "store_id")
        if attribute is None or not hasattr(model, attribute):
            return obj
        store_id_of = attrgetter(attribute)
    if not can_see_store(current_user, store_id_of(obj)):
        abort(404)
    return obj
