"""技能评定 over the API: runs (start one, read its progress), results (filters), one
result with every input, confirm / not adopt; the technical settings.

The same functions as the pages (app/blueprints/technical/assessment*.py): rules, 422
naming the field, audit entries.  A store-level technical supervisor sees and starts
runs of their stores only (company-wide runs' results: their stores' rows, through
``/assessments?run_id=``).
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, PageArgsSchema, page_schema, paginate
from app.blueprints.technical import assessment, assessment_decisions, assessment_lists
from app.blueprints.technical.level_thresholds import save_level_thresholds
from app.blueprints.technical.models import (
    ASSESSMENT_STATUSES,
    RECOMMENDATIONS,
    RUN_STATUSES,
    AssessmentRun,
    SkillAssessment,
)
from app.blueprints.technical.settings import save_technical_settings, technical_settings
from app.extensions import db
from app.jobs.models import JobRecord
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.validation import InputError

blp = Blueprint("api_technical_assessment", __name__,
                description="Skill assessment (技能评定) and technical settings")


class RunSchema(Schema):
    id = fields.Integer()
    period_start = fields.Date()
    period_end = fields.Date()
    store_id = fields.Integer(allow_none=True)
    status = fields.String(validate=validate.OneOf(RUN_STATUSES),
                           metadata={"description": "queued | running | done | failed"})
    progress = fields.Integer(metadata={"description": "0-100, from the job"})
    message = fields.String()
    settings = fields.Dict(metadata={"description": "the settings the run used"})
    summary = fields.Dict(metadata={"description": "counts by recommendation, kept results"})
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class RunStartSchema(Schema):
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    store_id = fields.Integer(load_default=None, allow_none=True,
                              metadata={"description": "null: every store"})


class AssessmentSchema(Schema):
    id = fields.Integer()
    run_id = fields.Integer()
    employee_id = fields.Integer()
    store_id = fields.Integer(allow_none=True)
    period_start = fields.Date()
    period_end = fields.Date()
    level_id = fields.Integer(allow_none=True)
    completed_jobs = fields.Integer()
    requested_jobs = fields.Integer()
    rating_count = fields.Integer()
    rating_mean = fields.Decimal(as_string=True, allow_none=True)
    exam_count = fields.Integer()
    substantiated_complaints = fields.Integer()
    returns = fields.Integer()
    exam_component = fields.Decimal(as_string=True, allow_none=True)
    rating_component = fields.Decimal(as_string=True, allow_none=True)
    requested_component = fields.Decimal(as_string=True, allow_none=True)
    deductions = fields.Decimal(as_string=True)
    score = fields.Decimal(as_string=True, allow_none=True)
    recommendation = fields.String(validate=validate.OneOf(RECOMMENDATIONS),
                                   metadata={"description": "promote | keep | demote | "
                                                            "insufficient"})
    recommended_level_id = fields.Integer(allow_none=True)
    inputs = fields.Dict(metadata={"description": "every input, the weights and thresholds"})
    status = fields.String(validate=validate.OneOf(ASSESSMENT_STATUSES),
                           metadata={"description": "pending | no_action | confirmed | "
                                                    "rejected"})
    effective_on = fields.Date(allow_none=True)
    decision_note = fields.String()
    decided_at = fields.DateTime(allow_none=True)
    employee_change_id = fields.Integer(allow_none=True)


class AssessmentQuerySchema(PageArgsSchema):
    run_id = fields.Integer()
    store_id = fields.Integer()
    employee_id = fields.Integer()
    recommendation = fields.String(validate=validate.OneOf(RECOMMENDATIONS))
    status = fields.String(validate=validate.OneOf(ASSESSMENT_STATUSES))


class ConfirmSchema(Schema):
    effective_on = fields.Date(load_default=None, allow_none=True,
                               metadata={"description": "default: the 1st after the period"})
    note = fields.String(load_default="", validate=validate.Length(max=500))


class RejectSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500))


class SettingsSchema(Schema):
    weight_exam = fields.String()
    weight_rating = fields.String()
    weight_requested = fields.String()
    exam_validity_days = fields.Integer()
    target_requested_rate = fields.String()
    min_jobs = fields.Integer()
    demotion_margin = fields.String()
    escalation_window_days = fields.Integer()
    level_thresholds = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True),
                                   metadata={"description": "level id -> threshold or null"})


AssessmentPageSchema = page_schema(AssessmentSchema, "SkillAssessmentPage")


def _run_out(run: AssessmentRun, job: JobRecord | None) -> dict:
    return {**{k: getattr(run, k) for k in ("id", "period_start", "period_end", "store_id",
                                             "settings", "summary", "created_at",
                                             "finished_at")},
            "status": assessment_lists.display_status(run, job),
            "progress": job.progress if job else 0, "message": job.message if job else ""}


@blp.route("/assessment-runs")
@blp.response(200, RunSchema(many=True))
@permission_required("technical.view")
def list_runs():
    """The latest runs you may see, newest first."""
    runs = assessment_lists.runs_visible(store_scope(current_user))
    jobs = assessment_lists.jobs_of(runs)
    return [_run_out(run, jobs.get(run.job_record_id)) for run in runs]


@blp.route("/assessment-runs", methods=["POST"])
@blp.arguments(RunStartSchema)
@blp.response(202, RunSchema)
@permission_required("therapist.assess")
def start_run(data):
    """Start a run for a period and store (null: every store); computed by a job."""
    run = assessment.start_assessment_run(data["period_start"], data["period_end"],
                                          data["store_id"], actor=current_user)
    db.session.commit()
    db.session.refresh(run)
    return _run_out(run, db.session.get(JobRecord, run.job_record_id))


@blp.route("/assessment-runs/<int:assessment_run_id>")
@blp.response(200, RunSchema)
@permission_required("technical.view")
def get_run(assessment_run_id: int):
    """One run with its progress."""
    run = get_in_scope_or_404(AssessmentRun, assessment_run_id)
    return _run_out(run, assessment_lists.jobs_of([run]).get(run.job_record_id))


@blp.route("/assessments")
@blp.arguments(AssessmentQuerySchema, location="query")
@blp.response(200, AssessmentPageSchema)
@permission_required("technical.view")
def list_assessments(args):
    """Results in your stores (filters: run, store, therapist, recommendation, status)."""
    scope = store_scope(current_user)
    if args.get("run_id") is not None and not assessment_lists.run_visible(
            db.session.get(AssessmentRun, args["run_id"]), scope):
        abort(404)
    filters = assessment_lists.ResultFilters(
        run_id=args.get("run_id"), store_id=args.get("store_id"),
        recommendation=args.get("recommendation"), status=args.get("status"),
        employee_id=args.get("employee_id"))
    return paginate(assessment_lists.results_query(filters, scope), args["page"],
                    args["page_size"])


@blp.route("/assessments/<int:assessment_id>")
@blp.response(200, AssessmentSchema)
@permission_required("technical.view")
def get_assessment(assessment_id: int):
    """One result with every input, weight and threshold (``inputs``)."""
    return get_in_scope_or_404(SkillAssessment, assessment_id)


@blp.route("/assessments/<int:assessment_id>/confirm", methods=["POST"])
@blp.arguments(ConfirmSchema)
@blp.response(200, AssessmentSchema)
@permission_required("therapist.assess")
def confirm(data, assessment_id: int):
    """确认 a pending promotion/demotion: an approved level change from ``effective_on``."""
    row = get_in_scope_or_404(SkillAssessment, assessment_id)
    assessment_decisions.confirm_assessment(row, current_user, effective_on=data["effective_on"],
                                            note=data["note"])
    db.session.commit()
    return row


@blp.route("/assessments/<int:assessment_id>/reject", methods=["POST"])
@blp.arguments(RejectSchema)
@blp.response(200, AssessmentSchema)
@permission_required("therapist.assess")
def reject(data, assessment_id: int):
    """不采纳: the level stays."""
    row = get_in_scope_or_404(SkillAssessment, assessment_id)
    assessment_decisions.reject_assessment(row, current_user, data["note"])
    db.session.commit()
    return row


def _settings_out() -> dict:
    return {**technical_settings().as_dict(),
            "level_thresholds": {str(level.id): (str(level.assessment_threshold)
                                                 if level.assessment_threshold is not None
                                                 else None)
                                 for level in assessment_lists.levels_by_rank()}}


@blp.route("/technical/settings")
@blp.response(200, SettingsSchema)
@permission_required("technical.settings")
def get_settings():
    """The assessment parameters in force and each level's threshold."""
    return _settings_out()


@blp.route("/technical/settings", methods=["PUT"])
@blp.arguments(SettingsSchema)
@blp.response(200, SettingsSchema)
@permission_required("technical.settings")
def put_settings(data):
    """Set the keys sent (others keep theirs); a bad value is a 422 naming it."""
    thresholds = data.pop("level_thresholds", None) or {}
    if data:
        save_technical_settings(data, current_user)
    if thresholds:
        try:
            values = {int(k): v for k, v in thresholds.items()}
        except ValueError:
            raise InputError({"level_thresholds": "等级编号须为数字"}) from None
        save_level_thresholds(values, current_user)
    db.session.commit()
    return _settings_out()
