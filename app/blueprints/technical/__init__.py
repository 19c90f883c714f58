"""technical: the 技术部 pages."""

from flask import Blueprint

bp = Blueprint("technical", __name__)


@bp.record_once
def _register_globals(state):
    from app.blueprints.technical.nav import tabs_for

    state.app.jinja_env.globals["technical_tabs"] = tabs_for


@bp.record_once
def _register_exam_reader(state):
    """The store's qualification grid shows an exam grant's score (store never imports us)."""
    from app.blueprints.store.catalogue import register_exam_reader
    from app.blueprints.technical.exams import exam_summaries

    register_exam_reader(exam_summaries)


@bp.record_once
def _register_discipline_kind(state) -> None:
    """违纪 in the one approval flow (app.approvals)."""
    from app.blueprints.technical.approval_kinds_discipline import register

    register()


@bp.record_once
def _register_training_guard(state):
    """入职技师审核 passes only after a passed 岗前培训 (hr asks through its hook)."""
    from app.blueprints.hr import onboarding
    from app.blueprints.technical.training import review_guard

    onboarding.register_review_guard("technical.pre_job_training", review_guard)


# One import line per page module.
# isort: off
from app.blueprints.technical import models, views  # noqa: E402,F401
from app.blueprints.technical import views_discipline  # noqa: E402,F401
from app.blueprints.technical import views_training  # noqa: E402,F401
from app.blueprints.technical import views_exams  # noqa: E402,F401
# isort: on
