"""Display labels of status codes, in the trade's own words."""

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    # jobs
    "queued": _l("排队中"),
    "running": _l("运行中"),
    "finished": _l("已完成"),
    "failed": _l("失败"),
    # employees
    "candidate": _l("候选"),
    "onboarding": _l("入职中"),
    "probation": _l("试用期"),
    "active": _l("在职"),
    "offboarding": _l("离职中"),
    "left": _l("已离职"),
    # stores
    "preparing": _l("筹备中"),
    "open": _l("营业中"),
    "closed": _l("已停业"),
    # rooms (房态)
    "free": _l("空闲"),
    "occupied": _l("占用"),
    "cleaning": _l("待清洁"),
    "reserved": _l("预留"),
    "out_of_order": _l("停用"),
    # people
    "female": _l("女"),
    "male": _l("男"),
    # room types
    "single": _l("单人间"),
    "double": _l("双人间"),
    "triple": _l("三人间"),
    "vip": _l("贵宾房"),
    "hall": _l("大厅"),
    # orders (消费单) and payment methods, as the daily closing (日结) shows them
    "waiting": _l("等候中"),
    "in_service": _l("服务中"),
    "to_pay": _l("待结账"),
    "paid": _l("已结账"),
    "cancelled": _l("已取消"),
    "returned": _l("已退钟"),
    "cash": _l("现金"),
    "wechat": _l("微信支付"),
    "alipay": _l("支付宝"),
    "bank_card": _l("银行卡"),
    "stored_value": _l("储值卡"),
    "package_card": _l("次卡"),
    "voucher": _l("团购"),
    # reservations (预订); "cancelled" as above
    "booked": _l("已预订"),
    "confirmed": _l("已确认"),
    "arrived": _l("已到店"),
    "no_show": _l("未到店"),
    # refunds (退款)
    "requested": _l("待审批"),
    "approved": _l("已批准"),
    "rejected": _l("已驳回"),
}


# 团购 platforms (payments.voucher_platform).
VOUCHER_PLATFORM_LABELS = {
    "meituan": _l("美团"),
    "douyin": _l("抖音"),
    "other": _l("其他平台"),
}


def voucher_platform_label(code: str | None) -> str:
    label = VOUCHER_PLATFORM_LABELS.get(code or "")
    return str(label) if label is not None else (code or "")


def status_label(code: str) -> str:
    label = STATUS_LABELS.get(code)
    return str(label) if label is not None else code
