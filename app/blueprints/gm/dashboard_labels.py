"""Words of the chain dashboard (经营驾驶舱)."""

from flask_babel import lazy_gettext as _l

TARGET_LABELS = {
    "revenue": _l("营业额"),
    "guests": _l("客数"),
    "card_sales": _l("售卡充值"),
}

JOB_TYPE_LABELS = {
    "rotation": _l("轮钟"),
    "requested": _l("点钟"),
}

JOB_STATUS_LABELS = {
    "in_service": _l("服务中"),
    "finished": _l("已下钟"),
    "returned": _l("退钟"),
    "cancelled": _l("已取消"),
}
