"""technical: the 技术部 pages."""

from flask import Blueprint

bp = Blueprint("technical", __name__)


@bp.record_once
def _register_globals(state):
    from app.blueprints.technical.nav import tabs_for

    state.app.jinja_env.globals["technical_tabs"] = tabs_for


@bp.record_once
def _register_approval_kinds(state) -> None:
    """技能评定, 违纪 and 新项目提案 in the one approval flow (app.approvals)."""
    from app.blueprints.technical import (
        approval_kinds_assessment,
        approval_kinds_discipline,
        approval_kinds_proposals,
    )

    approval_kinds_assessment.register()
    approval_kinds_discipline.register()
    approval_kinds_proposals.register()


@bp.record_once
def _register_hooks(state) -> None:
    """What hr and store ask the technical department through their hooks (they never
    import it): the exam behind a qualification on the store's grid, the passed 岗前培训
    the 入职技师审核 needs, and the technical conclusion on the desk's complaint page."""
    from app.blueprints.hr import onboarding
    from app.blueprints.store.catalogue import register_exam_reader
    from app.blueprints.store.feedback import register_complaint_panel
    from app.blueprints.technical.exams import exam_summaries
    from app.blueprints.technical.training import review_guard
    from app.blueprints.technical.views_investigations import complaint_panel

    register_exam_reader(exam_summaries)
    onboarding.register_review_guard("technical.pre_job_training", review_guard)
    register_complaint_panel("technical.investigation", complaint_panel)


# One import line per page module.
# isort: off
from app.blueprints.technical import models, views  # noqa: E402,F401
from app.blueprints.technical import views_discipline  # noqa: E402,F401
from app.blueprints.technical import views_training  # noqa: E402,F401
from app.blueprints.technical import views_exams  # noqa: E402,F401
from app.blueprints.technical import views_investigations, views_proposals  # noqa: E402,F401
from app.blueprints.technical import views_profiles  # noqa: E402,F401
from app.blueprints.technical import views_assessment  # noqa: E402,F401
# isort: on
