"""Finance's tabs (templates/finance/_nav.html): same rules as logistics/nav.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.navigation import DepartmentTab as Tab
from app.navigation import department_tabs

TABS: tuple[Tab, ...] = (
    Tab(_l("概览"), "finance.index", "finance.view", "finance.index"),
    Tab(_l("待我审核"), "finance.inbox", "finance.view", "finance.inbox"),
    Tab(_l("今日营收"), "finance.takings", "finance.view", "finance.taking"),
    Tab(_l("日结"), "finance.closings", "finance.view", "finance.closing"),
    Tab(_l("门店损益"), "finance.pnl", "pnl.view", "finance.pnl"),
    Tab(_l("费用"), "finance.expenses", "finance.view", "finance.expense"),
    Tab(_l("预算"), "finance.budgets", "finance.view", "finance.budget"),
    Tab(_l("会员卡结算"), "finance.card_settlement", "card.settlement",
        "finance.card_settlement"),
)


def tabs_for(user) -> list[Tab]:
    return department_tabs(TABS, user)
