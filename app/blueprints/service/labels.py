"""The Chinese words of the service department's stored codes (pages and the API's
``*_label``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

TEMPLATE_KIND_LABELS = {"hygiene": _l("卫生"), "safety": _l("安全")}
TEMPLATE_STATUS_LABELS = {"active": _l("在用"), "archived": _l("已停用")}
DISINFECTION_ITEM_LABELS = {
    "basin": _l("足浴盆"),
    "towel": _l("毛巾"),
    "linen": _l("床单/浴袍"),
    "cup": _l("茶杯"),
    "slippers": _l("拖鞋"),
}
DISINFECTION_METHOD_LABELS = {
    "steam": _l("高温蒸汽"),
    "uv": _l("紫外线"),
    "chlorine": _l("含氯消毒液浸泡"),
    "ozone": _l("臭氧"),
    "dishwasher": _l("洗碗机高温"),
    "other": _l("其他"),
}
PERIOD_LABELS = {"opening": _l("开店前"), "afternoon": _l("午后")}
COMPLAINT_KIND_LABELS = {
    "attitude": _l("服务态度"),
    "technique": _l("技术手法"),
    "hygiene": _l("卫生"),
    "waiting": _l("等候时间"),
    "price": _l("价格/收费"),
    "other": _l("其他"),
}
UNCLASSIFIED = _l("未分类")
REVIEW_STATUS_LABELS = {"requested": _l("待门店回复"), "answered": _l("已回复")}
CARE_REASON_LABELS = {
    "complaint": _l("近期投诉"),
    "low_rating": _l("近期差评"),
    "vip": _l("贵宾"),
    "regular": _l("常客"),
}
CARE_CHANNEL_LABELS = {"phone": _l("电话"), "wechat": _l("微信"), "in_store": _l("到店")}
CARE_OUTCOME_LABELS = {
    "satisfied": _l("满意"),
    "neutral": _l("一般"),
    "unhappy": _l("不满意"),
    "no_answer": _l("未接通"),
}


def label(mapping: dict, code: str | None, empty=UNCLASSIFIED) -> str:
    if not code:
        return str(empty)
    found = mapping.get(code)
    return str(found) if found is not None else code
