"""Finance's tabs (templates/finance/_nav.html): same rules as logistics/nav.py."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class FinanceTab:
    label: object
    endpoint: str
    permission: str
    prefix: str


TABS: tuple[FinanceTab, ...] = (
    FinanceTab(_l("概览"), "finance.index", "finance.view", "finance.index"),
    FinanceTab(_l("待我审核"), "finance.inbox", "finance.view", "finance.inbox"),
    FinanceTab(_l("今日营收"), "finance.takings", "finance.view", "finance.taking"),
    FinanceTab(_l("日结"), "finance.closings", "finance.view", "finance.closing"),
    FinanceTab(_l("门店损益"), "finance.pnl", "pnl.view", "finance.pnl"),
    FinanceTab(_l("费用"), "finance.expenses", "finance.view", "finance.expense"),
    FinanceTab(_l("预算"), "finance.budgets", "finance.view", "finance.budget"),
    FinanceTab(_l("会员卡结算"), "finance.card_settlement", "card.settlement",
               "finance.card_settlement"),
)


def tabs_for(user) -> list[FinanceTab]:
    return [tab for tab in TABS
            if tab.endpoint in current_app.view_functions and user.can(tab.permission)]
