"""The Chinese words of finance's stored codes (pages, Excel and the API's ``*_label``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

EXPENSE_CATEGORY_LABELS = {
    "rent": _l("房租"),
    "utilities": _l("水电燃气"),
    "repairs": _l("维修"),
    "supplies": _l("办公与杂项用品"),
    "marketing": _l("推广"),
    "travel": _l("差旅交通"),
    "meals": _l("餐费"),
    "communication": _l("通讯"),
    "training": _l("培训"),
    "office": _l("行政办公"),
    "other": _l("其他"),
}
BUDGET_CATEGORY_LABELS = {
    "revenue": _l("营业收入"),
    "labour": _l("人工成本"),
    "stock_consumed": _l("物料消耗"),
    "depreciation": _l("折旧"),
    **EXPENSE_CATEGORY_LABELS,
}
EXPENSE_STATUS_LABELS = {
    "pending_store": _l("待店长审批"),
    "pending_finance": _l("待财务审核"),
    "pending_gm": _l("待总经理审批"),
    "approved": _l("已批准，待付款"),
    "paid": _l("已付款"),
    "rejected": _l("已驳回"),
    "cancelled": _l("已撤回"),
}
