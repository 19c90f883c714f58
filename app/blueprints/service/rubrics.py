"""服务技能评估的评分标准: the rubric of each non-technical store position.

Each criterion is scored 1–5; its weight is its share of 100, so a criterion of weight
20 scored 4 gives 16 points and all fives give exactly 100.  The weights of a rubric
sum to 100 (checked at import).  An evaluation keeps the weight it was scored with, so
changing a weight here never rewrites past totals.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

MIN_SCORE = 1
MAX_SCORE = 5


@dataclass(frozen=True)
class Criterion:
    code: str
    label: object
    weight: int
    # What a 5 looks like, shown beside the score on the form.
    hint: object = ""


RUBRICS: dict[str, tuple[Criterion, ...]] = {
    "greeter": (
        Criterion("appearance", _l("仪容仪表"), 20, _l("工服整洁、淡妆、工牌佩戴端正")),
        Criterion("greeting", _l("问候礼仪"), 25, _l("三米微笑、五米问候，鞠躬 15 度")),
        Criterion("guiding", _l("引导带位"), 20, _l("走在客人左前方一到两步，手势引领")),
        Criterion("product_knowledge", _l("熟悉项目"), 20, _l("能介绍主推项目、价格与时长")),
        Criterion("handling", _l("应变处理"), 15, _l("客满、等位、醉酒客人处理得当")),
    ),
    "receptionist": (
        Criterion("appearance", _l("仪容仪表"), 15, _l("工服整洁、站姿端正")),
        Criterion("reception", _l("接待礼仪"), 20, _l("起身相迎、双手递物、称呼客人姓氏")),
        Criterion("recommendation", _l("项目推荐"), 25, _l("了解客人需求，推荐合适项目与技师")),
        Criterion("ordering", _l("开单准确"), 25, _l("项目、房间、技师、手牌无差错")),
        Criterion("handling", _l("应变处理"), 15, _l("等位安抚、预订冲突处理得当")),
    ),
    "cashier": (
        Criterion("appearance", _l("仪容仪表"), 10, _l("工服整洁、台面整齐")),
        Criterion("accuracy", _l("收银准确"), 30, _l("唱收唱付，账款相符，零差错")),
        Criterion("card_knowledge", _l("会员卡业务"), 20, _l("办卡、充值、余额与优惠讲解清楚")),
        Criterion("courtesy", _l("结账礼仪"), 20, _l("核对消费明细、双手递还、道别邀约")),
        Criterion("cash_handling", _l("现金与票据管理"), 20, _l("备用金、发票、交班对账规范")),
    ),
    "cleaner": (
        Criterion("appearance", _l("仪容仪表"), 10, _l("工服整洁、佩戴口罩手套")),
        Criterion("room_cleaning", _l("房间清洁"), 30, _l("按顺序清扫，床品无毛发、无异味")),
        Criterion("disinfection", _l("消毒规范"), 30, _l("足浴盆一客一消毒，毛巾布草分类消毒")),
        Criterion("turnaround", _l("翻房速度"), 15, _l("客人离房后 10 分钟内完成翻房")),
        Criterion("public_areas", _l("公共区域卫生"), 15, _l("大厅、洗手间、走廊随时整洁")),
    ),
}

# The positions evaluated here (the technical staff have the technical department's 考核).
EVALUATED_POSITIONS: tuple[str, ...] = tuple(RUBRICS)

for _position, _criteria in RUBRICS.items():
    if sum(c.weight for c in _criteria) != 100:  # pragma: no cover - a typo above
        raise ValueError(f"the weights of the {_position} rubric do not sum to 100")


def rubric_for(position_code: str) -> tuple[Criterion, ...]:
    """The criteria of a position's rubric; empty for a position not evaluated here."""
    return RUBRICS.get(position_code, ())


def criterion_label(position_code: str, code: str) -> str:
    for criterion in rubric_for(position_code):
        if criterion.code == code:
            return str(criterion.label)
    return code
