"""技师档案 over the API: one therapist's figures for a period and the 12-month trend
(the same functions as the page: app/blueprints/technical/profiles.py)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint
from app.blueprints.hr.common import tenant_today
from app.blueprints.technical import profiles
from app.blueprints.technical.models import DISCIPLINE_STATUSES, DISCIPLINE_STEPS, EXAM_KINDS
from app.permissions import permission_required, store_scope

blp = Blueprint("api_technical_profiles", __name__, url_prefix="/therapists",
                description="Therapist profiles (技师档案) of the technical department")


def _rate(**kwargs) -> fields.Decimal:
    return fields.Decimal(as_string=True, allow_none=True, **kwargs)


class ProfileArgsSchema(Schema):
    period = fields.String(validate=validate.OneOf(profiles.PERIOD_KEYS), metadata={
        "description": "this_month | last_month | last_90_days | custom (default: custom "
                       "when start or end is given, else this_month)"})
    start = fields.String(metadata={"description": "YYYY-MM-DD, first day (tenant dates)"})
    end = fields.String(metadata={"description": "YYYY-MM-DD, last day, included"})


class ProfileJobFiguresSchema(Schema):
    completed = fields.Integer(metadata={"description": "finished jobs (轮钟 + 点钟)"})
    rotation = fields.Integer(metadata={"description": "finished 轮钟, add-ons included"})
    requested = fields.Integer(metadata={"description": "finished 点钟, add-ons included"})
    addon = fields.Integer(metadata={"description": "finished 加钟 (each also a 轮钟 or 点钟)"})
    returned = fields.Integer(metadata={"description": "退钟"})
    requested_rate = _rate(metadata={"description": "点钟率 = requested / completed"})
    addon_rate = _rate(metadata={"description": "加钟率 = addon / (completed - addon)"})
    rating_mean = _rate(metadata={"description": "mean Feedback.rating of completed jobs"})
    rating_count = fields.Integer()


class ProfileTrendPointSchema(ProfileJobFiguresSchema):
    month = fields.String(metadata={"description": "YYYY-MM"})


class ProfileComplaintSchema(Schema):
    complaint_id = fields.Integer()
    investigation_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    outcome = fields.String(validate=validate.OneOf(profiles.COMPLAINT_OUTCOMES))


class ProfileComplaintCountsSchema(Schema):
    substantiated = fields.Integer()
    not_substantiated = fields.Integer()
    open = fields.Integer()
    uninvestigated = fields.Integer()


class ProfileExamSchema(Schema):
    id = fields.Integer()
    service_item_id = fields.Integer()
    item_name = fields.String()
    kind = fields.String(validate=validate.OneOf(EXAM_KINDS))
    examined_on = fields.Date()
    score = fields.Decimal(as_string=True)
    pass_score = fields.Decimal(as_string=True)
    passed = fields.Boolean()


class ProfileTrainingSchema(Schema):
    session_id = fields.Integer()
    topic = fields.String()
    kind = fields.String(validate=validate.OneOf(tuple(profiles.TRAINING_KIND_LABELS)))
    starts_at = fields.DateTime()
    duration_minutes = fields.Integer()
    passed = fields.Boolean(allow_none=True)


class ProfileDisciplineSchema(Schema):
    id = fields.Integer()
    occurred_on = fields.Date()
    step = fields.String(validate=validate.OneOf(DISCIPLINE_STEPS))
    status = fields.String(validate=validate.OneOf(DISCIPLINE_STATUSES))
    fine_amount = fields.Decimal(as_string=True, allow_none=True)


class ProfileLevelStepSchema(Schema):
    effective_on = fields.Date()
    old_level = fields.String(allow_none=True)
    new_level = fields.String()


class ProfileQualificationSchema(Schema):
    service_item_id = fields.Integer()
    item_name = fields.String()
    granted_on = fields.Date(allow_none=True)
    exam_id = fields.Integer(allow_none=True)
    exam_score = fields.Decimal(as_string=True, allow_none=True)


class ProfileHealthCertificateSchema(Schema):
    number = fields.String()
    expires_on = fields.Date(allow_none=True)
    state = fields.String(validate=validate.OneOf(("ok", "expiring", "expired", "missing")))


class ProfileSchema(Schema):
    employee_id = fields.Integer()
    employee_no = fields.String()
    name = fields.String()
    store_id = fields.Integer(allow_none=True)
    store_name = fields.String(allow_none=True)
    level = fields.String(allow_none=True)
    start = fields.Date()
    end = fields.Date()
    jobs = fields.Nested(ProfileJobFiguresSchema)
    complaint_counts = fields.Nested(ProfileComplaintCountsSchema)
    complaints = fields.List(fields.Nested(ProfileComplaintSchema))
    exam_mean_score = fields.Decimal(as_string=True, allow_none=True)
    exams_latest = fields.List(fields.Nested(ProfileExamSchema))
    exams = fields.List(fields.Nested(ProfileExamSchema))
    trainings = fields.List(fields.Nested(ProfileTrainingSchema))
    discipline = fields.List(fields.Nested(ProfileDisciplineSchema))
    level_history = fields.List(fields.Nested(ProfileLevelStepSchema))
    qualifications = fields.List(fields.Nested(ProfileQualificationSchema))
    health_certificate = fields.Nested(ProfileHealthCertificateSchema)
    trend = fields.List(fields.Nested(ProfileTrendPointSchema))


def _jobs(figures: profiles.JobFigures) -> dict:
    return {"completed": figures.completed, "rotation": figures.rotation,
            "requested": figures.requested, "addon": figures.addon,
            "returned": figures.returned, "requested_rate": figures.requested_rate,
            "addon_rate": figures.addon_rate, "rating_mean": figures.rating_mean,
            "rating_count": figures.rating_count}


def profile_document(data: profiles.TherapistProfile) -> dict:
    employee = data.employee
    return {
        "employee_id": employee.id, "employee_no": employee.employee_no, "name": employee.name,
        "store_id": employee.store_id, "store_name": data.store.name if data.store else None,
        "level": data.level.name if data.level else None,
        "start": data.period.start, "end": data.period.end,
        "jobs": _jobs(data.jobs),
        "complaint_counts": data.complaints.counts,
        "complaints": data.complaints.rows,
        "exam_mean_score": data.exams.mean_score,
        "exams_latest": data.exams.latest_by_item,
        "exams": data.exams.history,
        "trainings": data.trainings,
        "discipline": data.discipline,
        "level_history": data.level_history,
        "qualifications": data.qualifications,
        "health_certificate": data.health_certificate,
        "trend": [{"month": point.label, **_jobs(point.figures)} for point in data.trend],
    }


@blp.route("/<int:employee_id>/profile")
@blp.arguments(ProfileArgsSchema, location="query")
@blp.response(200, ProfileSchema)
@permission_required("technical.view")
def get_profile(args, employee_id: int):
    """A therapist's figures for a period (default this month) and the 12 months to its
    end; a bad or reversed date is a 422 naming ``start`` or ``end``."""
    employee = profiles.therapist_in_scope(employee_id, store_scope(current_user))
    if employee is None:
        abort(404)
    today = tenant_today()
    period = profiles.resolve_period(args.get("period"), args.get("start"), args.get("end"),
                                     today)
    return profile_document(profiles.therapist_profile(employee, period, today))
