"""The technical department's tabs (templates/technical/_nav.html).

An entry shows when its endpoint exists and the person holds its permission; a
page is "in" a tab when its endpoint starts with the tab's prefix (every exam page
is ``technical.exam…``), so the tab stays lit on a page's sub-pages.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.navigation import DepartmentTab as Tab
from app.navigation import department_tabs

TABS: tuple[Tab, ...] = (
    Tab(_l("概览"), "technical.index", "technical.view", "technical.index"),
    Tab(_l("技师档案"), "technical.profiles", "technical.view", "technical.profile"),
    Tab(_l("技术考核"), "technical.exams", "technical.view", "technical.exam"),
    Tab(_l("培训"), "technical.trainings", "technical.view", "technical.training"),
    Tab(_l("技能评定"), "technical.assessments", "technical.view",
        "technical.assessment"),
    Tab(_l("违纪"), "technical.discipline", "discipline.record",
        "technical.discipline"),
    Tab(_l("技术投诉"), "technical.investigations", "technical.view",
        "technical.investigation"),
    Tab(_l("新项目"), "technical.proposals", "technical.view", "technical.proposal"),
    Tab(_l("设置"), "technical.settings", "technical.settings", "technical.settings"),
)


def tabs_for(user) -> list[Tab]:
    return department_tabs(TABS, user)
