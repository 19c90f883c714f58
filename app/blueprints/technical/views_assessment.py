"""技能评定 pages: runs, starting one (progress bar), results, one result explained,
confirming or not adopting it; and the 技术部设置 page (parameters, level thresholds)."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app import approvals
from app.blueprints.hr.common import get_by_id, stores
from app.blueprints.technical import assessment, assessment_decisions, assessment_lists, bp
from app.blueprints.technical.level_thresholds import save_level_thresholds
from app.blueprints.technical.models import (
    ASSESSMENT_STATUSES,
    RECOMMENDATIONS,
    AssessmentRun,
    SkillAssessment,
)
from app.blueprints.technical.settings import (
    SETTINGS,
    save_technical_settings,
    technical_settings,
)
from app.extensions import db
from app.models import Store
from app.permissions import permission_required, store_scope
from app.validation import InputError, show_on_form


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class RunStartForm(FlaskForm):
    period_start = DateField(_l("开始日期"), validators=[DataRequired()])
    period_end = DateField(_l("结束日期"), validators=[DataRequired()])
    store_id = SelectField(_l("门店"), coerce=_optional_int)

    def __init__(self, *args, store_choices=(), all_stores=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.store_id.choices = ([("", _("全部门店"))] if all_stores else []) + [
            (store.id, store.name) for store in store_choices]


class DecisionForm(FlaskForm):
    effective_on = DateField(_l("生效日期"), validators=[Optional()])
    note = TextAreaField(_l("备注"), validators=[Length(max=500)])


def _stores_in_scope() -> list[Store]:
    scope = store_scope(current_user)
    return [s for s in stores() if scope is None or s.id in scope]


def _start_form(**kwargs) -> RunStartForm:
    start, end = assessment.previous_month(assessment.tenant_now().date())
    data = kwargs.pop("data", None) or {"period_start": start, "period_end": end}
    return RunStartForm(store_choices=_stores_in_scope(),
                        all_stores=store_scope(current_user) is None, data=data, **kwargs)


def _filters() -> assessment_lists.ResultFilters:
    def number(name):
        try:
            return int(request.args[name]) if request.args.get(name) else None
        except ValueError:
            return None

    recommendation = request.args.get("recommendation") or None
    status = request.args.get("status") or None
    return assessment_lists.ResultFilters(
        run_id=number("run"), store_id=number("store_id"),
        recommendation=recommendation if recommendation in RECOMMENDATIONS else None,
        status=status if status in ASSESSMENT_STATUSES else None)


def _render_list(form: RunStartForm, status: int = 200):
    scope = store_scope(current_user)
    runs = assessment_lists.runs_visible(scope)
    filters = _filters()
    selected = None
    if filters.run_id is not None:
        selected = get_by_id(AssessmentRun, filters.run_id)
        if not assessment_lists.run_visible(selected, scope):
            abort(404)
    elif runs:
        selected = runs[0]
        filters = assessment_lists.ResultFilters(
            run_id=selected.id, store_id=filters.store_id,
            recommendation=filters.recommendation, status=filters.status)
    jobs = assessment_lists.jobs_of(runs + ([selected] if selected else []))
    rows = assessment_lists.results(filters, scope) if selected else []
    return render_template(
        "technical/assessments.html", form=form, runs=runs, jobs=jobs, selected=selected,
        rows=rows, filters=filters, stores=_stores_in_scope(),
        store_names=assessment_lists.store_names(), level_names=assessment_lists.level_names(),
        run_status=assessment_lists.display_status,
        recommendation_labels=assessment.RECOMMENDATION_LABELS,
        status_labels=assessment.STATUS_LABELS, run_status_labels=assessment.RUN_STATUS_LABELS,
        recommendations=RECOMMENDATIONS, statuses=ASSESSMENT_STATUSES), status


@bp.route("/assessments")
@permission_required("technical.view")
def assessments():
    """技能评定: runs, 开始评定 (therapist.assess), the results of a run with filters."""
    return _render_list(_start_form())


@bp.route("/assessments/runs", methods=["POST"])
@permission_required("therapist.assess")
def assessment_start():
    """Start a run for a period and store; its progress shows on the list."""
    form = _start_form(data={})
    if not form.validate_on_submit():
        return _render_list(form, 422)
    try:
        run = assessment.start_assessment_run(form.period_start.data, form.period_end.data,
                                              form.store_id.data, actor=current_user)
    except InputError as exc:
        db.session.rollback()
        show_on_form(form, exc.fields)
        return _render_list(form, 422)
    db.session.commit()  # the job is dispatched after this commit (after_request)
    flash(_("已开始技能评定"), "success")
    return redirect(url_for("technical.assessments", run=run.id))


@bp.route("/assessments/progress")
@permission_required("technical.view")
def assessment_progress():
    """A run's progress (htmx, every second); reloads the page when it ends."""
    try:
        run = get_by_id(AssessmentRun, int(request.args.get("run", "")))
    except ValueError:
        run = None
    if not assessment_lists.run_visible(run, store_scope(current_user)):
        abort(404)
    job = assessment_lists.jobs_of([run]).get(run.job_record_id)
    response = make_response(render_template("technical/_assessment_progress.html", run=run,
                                             job=job))
    if request.headers.get("HX-Request") and (job is None or job.is_done):
        response.headers["HX-Refresh"] = "true"
    return response


def _detail(assessment_id: int) -> SkillAssessment:
    row = db.session.scalar(assessment_lists.results_query(
        assessment_lists.ResultFilters(), store_scope(current_user))
        .where(SkillAssessment.id == assessment_id))
    if row is None:
        abort(404)
    return row


def _render_detail(row: SkillAssessment, form: DecisionForm, status: int = 200):
    verdict = approvals.judge(assessment_decisions.KIND, row, current_user)
    return render_template(
        "technical/assessment_detail.html", row=row, form=form, may_decide=verdict.allowed,
        refusal=verdict.reason if row.status == "pending" else None,
        inputs=row.inputs or {}, store_names=assessment_lists.store_names(),
        level_names=assessment_lists.level_names(),
        recommendation_labels=assessment.RECOMMENDATION_LABELS,
        status_labels=assessment.STATUS_LABELS,
        default_effective_on=assessment.default_effective_on(row.period_end)), status


@bp.route("/assessments/<int:assessment_id>")
@permission_required("technical.view")
def assessment_detail(assessment_id: int):
    """One therapist's assessment: every component, its inputs and weights, the advice."""
    row = _detail(assessment_id)
    form = DecisionForm(data={"effective_on": assessment.default_effective_on(row.period_end)})
    return _render_detail(row, form)


@bp.route("/assessments/<int:assessment_id>/confirm", methods=["POST"])
@permission_required("therapist.assess")
def assessment_confirm(assessment_id: int):
    """确认: the level change is filed as approved, effective on the date given."""
    return _decide(assessment_id, confirm=True)


@bp.route("/assessments/<int:assessment_id>/reject", methods=["POST"])
@permission_required("therapist.assess")
def assessment_reject(assessment_id: int):
    """不采纳: the level stays."""
    return _decide(assessment_id, confirm=False)


def _decide(assessment_id: int, confirm: bool):
    row = _detail(assessment_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _render_detail(row, form, 422)
    try:
        if confirm:
            assessment_decisions.confirm_assessment(row, current_user,
                                                    effective_on=form.effective_on.data,
                                                    note=form.note.data or "")
        else:
            assessment_decisions.reject_assessment(row, current_user, form.note.data or "")
    except InputError as exc:
        db.session.rollback()
        row = _detail(assessment_id)
        show_on_form(form, exc.fields)
        return _render_detail(row, form, 422)
    db.session.commit()
    flash(_("已确认，等级变动已登记") if confirm else _("已标记为不采纳"), "success")
    return redirect(url_for("technical.assessment_detail", assessment_id=assessment_id))


# --------------------------------------------------------------------------- settings


@bp.route("/settings", methods=["GET", "POST"])
@permission_required("technical.settings")
def settings():
    """技术部设置: the assessment's parameters and each level's threshold."""
    levels = assessment_lists.levels_by_rank()
    errors: dict = {}
    values = technical_settings().as_dict()
    thresholds = {level.id: "" if level.assessment_threshold is None
                  else str(level.assessment_threshold) for level in levels}
    status = 200
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        posted = {name: request.form.get(name, "") for name in SETTINGS}
        posted_thresholds = {level.id: request.form.get(f"threshold_{level.id}", "")
                             for level in levels}
        try:
            save_technical_settings(posted, current_user)
            save_level_thresholds(posted_thresholds, current_user)
        except InputError as exc:
            db.session.rollback()
            errors = {k: str(v) for k, v in exc.fields.items()}
            values.update(posted)
            thresholds.update(posted_thresholds)
            status = 422
        else:
            db.session.commit()
            flash(_("设置已保存"), "success")
            return redirect(url_for("technical.settings"))
    return render_template("technical/settings.html", settings=SETTINGS, values=values,
                           levels=levels, thresholds=thresholds, errors=errors,
                           form=FlaskForm()), status
