"""月度经营分析报告 — problems found, each one sentence naming the store, the figure and
the cause the data shows: revenue behind target (split into guests and 客单价), budget
variances of the P&L, complaints and their kinds, overdue asset counts, attendance
anomalies (late, absent, missed punches) and returns (退钟, refunds).

The inputs are gathered per domain in a fixed number of statements for all stores
(``gather``); the sentences are plain functions of those figures (``store_problems``)
so tests can check the wording on made-up numbers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from app.blueprints.gm.report_opinions import complaint_kind, complaints_of_month
from app.blueprints.gm.report_sales import change_pct, per_guest

# Below this the change is "持平" (flat) when naming a cause.
FLAT_PCT = Decimal("3")
# A cost line over its budget by more than this % is a problem (revenue: under it).
BUDGET_TOLERANCE_PCT = Decimal("5")
CLOSED = ("resolved", "closed")


def _pct(value: Decimal) -> str:
    return f"{abs(value):.0f}%"


def _movement(label: str, pct: Decimal | None) -> str:
    """"客流下降 22%" / "客单价持平" / "客单价上升 5%"."""
    if pct is None:
        return _("%(what)s无可比数据", what=label)
    if abs(pct) < FLAT_PCT:
        return _("%(what)s持平", what=label)
    if pct < 0:
        return _("%(what)s下降 %(pct)s", what=label, pct=_pct(pct))
    return _("%(what)s上升 %(pct)s", what=label, pct=_pct(pct))


def target_problems(name: str, this: dict, last_month: dict | None, target: dict | None
                    ) -> list[str]:
    """Revenue (and card sales) behind target, the revenue's cause split into guests and
    客单价 against last month (revenue = guests × per-guest)."""
    problems = []
    if target is None:
        return problems
    if target["revenue"] and this["revenue"] < target["revenue"]:
        short = (target["revenue"] - this["revenue"]) * 100 / target["revenue"]
        if last_month is not None and last_month["guests"]:
            cause = _("%(guests)s，%(per_guest)s（较上月）",
                      guests=_movement(_("客流"), change_pct(this["guests"],
                                                          last_month["guests"])),
                      per_guest=_movement(_("客单价"), change_pct(per_guest(this),
                                                              per_guest(last_month))))
        elif target["guests"]:
            cause = _("客流完成目标 %(pct)s", pct=_pct(
                Decimal(this["guests"]) * 100 / target["guests"]))
        else:
            cause = _("上月无营业数据可比")
        problems.append(_("%(store)s 营业额低于目标 %(pct)s：%(cause)s",
                          store=name, pct=_pct(short), cause=cause))
    if target["card_sales"] and this["card_sales"] < target["card_sales"]:
        short = (target["card_sales"] - this["card_sales"]) * 100 / target["card_sales"]
        problems.append(_("%(store)s 售卡充值低于目标 %(pct)s：本月售卡 %(cards)s 张，"
                          "充值 ¥%(amount)s", store=name, pct=_pct(short),
                          cards=this["cards_sold"], amount=this["card_sales"]))
    return problems


def budget_problems(name: str, actual, budget) -> list[str]:
    """P&L lines against the finance budget (``pnl.Figures``): a cost over budget, or
    revenue under it, by more than BUDGET_TOLERANCE_PCT."""
    from app.blueprints.finance.pnl_export import line_labels

    if budget is None:
        return []
    labels = line_labels()
    problems = []
    for line in ("revenue", "labour", "expenses", "stock", "depreciation"):
        planned, spent = getattr(budget, line), getattr(actual, line)
        if not planned:
            continue
        pct = (spent - planned) * 100 / planned
        if line == "revenue" and pct < -BUDGET_TOLERANCE_PCT:
            problems.append(_("%(store)s %(line)s低于预算 %(pct)s：实际 ¥%(actual)s，预算 "
                              "¥%(budget)s", store=name, line=labels[line], pct=_pct(pct),
                              actual=spent, budget=planned))
        elif line != "revenue" and pct > BUDGET_TOLERANCE_PCT:
            share = ""
            if actual.revenue:
                share = _("，占营业收入 %(pct)s", pct=_pct(spent * 100 / actual.revenue))
            problems.append(_("%(store)s %(line)s超出预算 %(pct)s：实际 ¥%(actual)s，预算 "
                              "¥%(budget)s%(share)s", store=name, line=labels[line],
                              pct=_pct(pct), actual=spent, budget=planned, share=share))
    return problems


def complaint_problems(name: str, complaints: list, last_month_count: int) -> list[str]:
    """Complaints opened in the month (``complaints_of_month`` rows), by kind."""
    if not complaints:
        return []
    kinds = Counter(complaint_kind(c.description, c.therapist_id, c.kind) for c in complaints)
    by_kind = "、".join(_("%(kind)s %(n)s 起", kind=kind, n=n) for kind, n in kinds.most_common())
    open_count = sum(1 for c in complaints if c.status not in CLOSED)
    text = _("%(store)s 本月投诉 %(n)s 起（上月 %(last)s 起）：%(kinds)s", store=name,
             n=len(complaints), last=last_month_count, kinds=by_kind)
    if open_count:
        text += _("；%(n)s 起尚未结案", n=open_count)
    return [text]


def overdue_problems(name: str, periods: list[date]) -> list[str]:
    if not periods:
        return []
    months = "、".join(_("%(y)s年%(m)s月", y=p.year, m=p.month) for p in sorted(periods))
    return [_("%(store)s 资产盘点逾期未完成 %(n)s 个：%(months)s", store=name,
              n=len(periods), months=months)]


def attendance_problems(name: str, figures: dict | None) -> list[str]:
    if not figures or not (figures["late"] or figures["absent"] or figures["missed"]):
        return []
    return [_("%(store)s 考勤异常：迟到 %(late)s 次、旷工 %(absent)s 天、缺卡 %(missed)s 次"
              "（涉及 %(people)s 人）", store=name, late=figures["late"],
              absent=figures["absent"].normalize() if isinstance(figures["absent"], Decimal)
              else figures["absent"], missed=figures["missed"], people=figures["people"])]


def return_problems(name: str, this: dict, last_month: dict | None) -> list[str]:
    """退钟 and refunds of the month, against last month."""
    problems = []
    if this["jobs_returned"]:
        share = (Decimal(this["jobs_returned"]) * 100 / (this["jobs"] + this["jobs_returned"])
                 ) if this["jobs"] + this["jobs_returned"] else Decimal(0)
        problems.append(_("%(store)s 退钟 %(n)s 个，占 %(pct)s%%（上月 %(last)s 个）",
                          store=name, n=this["jobs_returned"], pct=share.quantize(Decimal("0.1")),
                          last=last_month["jobs_returned"] if last_month else 0))
    if this["refund_count"]:
        problems.append(_("%(store)s 退款 %(n)s 笔，共 ¥%(amount)s（上月 %(last)s 笔）",
                          store=name, n=this["refund_count"], amount=this["refunds"],
                          last=last_month["refund_count"] if last_month else 0))
    return problems


# --------------------------------------------------------------------------- gathering


def attendance_by_store(month: date, store_ids: set[int] | None) -> dict[int, dict]:
    """Late / absent / missed punches per store from HR's month records (the same facts
    the attendance sheet and payroll use; five statements for the whole company)."""
    from app.blueprints.hr.time.sheets import month_records, payroll_policy

    policy = payroll_policy().attendance_policy()
    result: dict[int, dict] = defaultdict(
        lambda: {"late": 0, "absent": Decimal(0), "missed": 0, "people": 0})
    for inputs in month_records(None, month).values():
        if inputs.store_id is None or (store_ids is not None
                                       and inputs.store_id not in store_ids):
            continue
        try:
            facts = inputs.facts(policy)
        except ValueError:  # a malformed month (two shifts a day): HR's sheet shows it
            continue
        missed = sum(1 for p in inputs.punches.values()
                     if p.first_in is None or p.last_out is None)
        if facts.late or facts.absent or missed:
            figures = result[inputs.store_id]
            figures["late"] += facts.late
            figures["absent"] += facts.absent
            figures["missed"] += missed
            figures["people"] += 1
    return dict(result)


def overdue_by_store(as_of: date, store_ids: set[int] | None) -> dict[int, list[date]]:
    from app.blueprints.logistics.reconciliation import overdue_counts

    result: dict[int, list[date]] = defaultdict(list)
    for count in overdue_counts(as_of, store_ids=store_ids):
        result[count.store_id].append(count.period)
    return dict(result)


def complaints_by_store(month: date, store_ids: set[int] | None) -> dict[int, list]:
    result: dict[int, list] = defaultdict(list)
    for row in complaints_of_month(month, store_ids):
        result[row.store_id].append(row)
    return dict(result)


def budget_figures(month: date, store_ids: set[int] | None):
    """(actual P&L figures per store, budget per store) from finance's P&L."""
    from app.blueprints.finance.pnl import budgets_by_store, figures_by_store

    return figures_by_store(month, store_ids), budgets_by_store(month, store_ids)
