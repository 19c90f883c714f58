"""technical: the 技术部 pages."""

from flask import Blueprint

bp = Blueprint("technical", __name__)


@bp.record_once
def _register_globals(state):
    from app.blueprints.technical.nav import tabs_for

    state.app.jinja_env.globals["technical_tabs"] = tabs_for


@bp.record_once
def _register_exam_reader(state):
    # The store's qualification grid shows an exam grant's score (store never imports us).
    from app.blueprints.store.catalogue import register_exam_reader
    from app.blueprints.technical.exams import exam_summaries

    register_exam_reader(exam_summaries)


from app.blueprints.technical import (  # noqa: E402,F401
    models,
    views,
    views_exams,
)
