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


def label(table: dict, code: str | None) -> str:
    return str(table.get(code, code or ""))
