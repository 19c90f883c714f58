"""The technical department's tabs (templates/technical/_nav.html).

An entry shows when its endpoint exists and the person holds its permission; a
page is "in" a tab when its endpoint starts with the tab's prefix (every exam page
is ``technical.exam…``), so the tab stays lit on a page's sub-pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class TechnicalTab:
    label: object
    endpoint: str
    permission: str
    # Endpoints starting with this are pages of the tab.
    prefix: str


TABS: tuple[TechnicalTab, ...] = (
    TechnicalTab(_l("概览"), "technical.index", "technical.view", "technical.index"),
    TechnicalTab(_l("技师档案"), "technical.profiles", "technical.view", "technical.profile"),
    TechnicalTab(_l("技术考核"), "technical.exams", "technical.view", "technical.exam"),
    TechnicalTab(_l("培训"), "technical.trainings", "technical.view", "technical.training"),
    TechnicalTab(_l("技能评定"), "technical.assessments", "technical.view",
                 "technical.assessment"),
    TechnicalTab(_l("违纪"), "technical.discipline", "discipline.record",
                 "technical.discipline"),
    TechnicalTab(_l("技术投诉"), "technical.investigations", "technical.view",
                 "technical.investigation"),
    TechnicalTab(_l("新项目"), "technical.proposals", "technical.view", "technical.proposal"),
    TechnicalTab(_l("设置"), "technical.settings", "technical.settings", "technical.settings"),
)


def tabs_for(user) -> list[TechnicalTab]:
    return [tab for tab in TABS
            if tab.endpoint in current_app.view_functions and user.can(tab.permission)]
