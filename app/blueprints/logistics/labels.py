"""The Chinese words of logistics' stored codes (pages, Excel and the API's ``*_label``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ASSET_CATEGORY_LABELS = {
    "furniture": _l("家具（按摩床、沙发、凳子）"),
    "bath_equipment": _l("足浴设备（足浴盆、泡脚桶）"),
    "appliance": _l("电器（消毒柜、热水器、毛巾柜）"),
    "hvac": _l("空调与新风"),
    "av": _l("影音（电视、音响）"),
    "linen_equipment": _l("布草设备（洗衣机、烘干机）"),
    "fixture": _l("装修与固定设施"),
    "other": _l("其他"),
}
ASSET_STATUS_LABELS = {
    "in_use": _l("在用"),
    "damaged": _l("损坏"),
    "under_repair": _l("维修中"),
    "written_off": _l("已报废"),
}
STOCK_KIND_LABELS = {"consumable": _l("耗材"), "goods": _l("商品")}
MOVEMENT_KIND_LABELS = {
    "receipt": _l("入库"),
    "requisition": _l("申领"),
    "transfer_out": _l("调出"),
    "transfer_in": _l("调入"),
    "count_adjustment": _l("盘点调整"),
    "write_off": _l("报损"),
    "sale": _l("前台销售"),
    "sale_return": _l("退货入库"),
}
COUNT_STATUS_LABELS = {
    "open": _l("盘点中"),
    "reconciling": _l("核对中"),
    "pending_review": _l("待财务审核"),
    "approved": _l("已审核"),
}
COUNT_LINE_KIND_LABELS = {"asset": _l("资产"), "surplus": _l("盘盈"), "consumable": _l("物料")}
ASSET_RESULT_LABELS = {
    "expected": _l("未盘"),
    "present": _l("在位"),
    "missing": _l("缺失"),
    "damaged": _l("损坏"),
}
PURCHASE_STATUS_LABELS = {
    "pending": _l("待后勤审批"),
    "pending_finance": _l("待财务审核"),
    "pending_gm": _l("待总经理审批"),
    "approved": _l("已批准，待收货"),
    "received": _l("已收货"),
    "rejected": _l("已驳回"),
    "cancelled": _l("已撤回"),
}
TICKET_STATUS_LABELS = {"open": _l("待派单"), "assigned": _l("维修中"), "closed": _l("已完工")}
ISSUED_ITEM_KIND_LABELS = {
    "uniform": _l("工服"),
    "key": _l("钥匙"),
    "badge": _l("工牌"),
    "phone": _l("手机"),
    "other": _l("其他"),
}
ISSUED_ITEM_STATUS_LABELS = {"issued": _l("在用"), "returned": _l("已归还"),
                             "charged": _l("已扣款")}
