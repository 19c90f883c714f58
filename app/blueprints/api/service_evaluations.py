"""服务技能评估 over the API: the rubrics, the evaluations (by store and month), record
one, read one, an employee's history, the store ranking of a month.

Over app/blueprints/service/evaluations.py (the rules are there); ``evaluation.manage``
as on the pages.  ``scores`` maps each criterion code of the employee's position's
rubric to 1–5; a bad one is a 422 on ``scores.<code>``; one's own evaluation is a 422
on ``employee_id``.
"""

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, PageArgsSchema, page_schema, paginate, parse_month
from app.blueprints.service import evaluations as service
from app.blueprints.service.models_procedures import ServiceEvaluation
from app.blueprints.service.rubrics import EVALUATED_POSITIONS, RUBRICS
from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.models import Employee
from app.permissions import get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_service_evaluations", __name__, url_prefix="/service-evaluations",
                description="Service-skill evaluations (服务技能评估) of greeters, "
                            "receptionists, cashiers and cleaners")


class ScoreSchema(Schema):
    criterion = fields.String()
    weight = fields.Integer()
    score = fields.Integer()


class EvaluationSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    employee_id = fields.Integer()
    position_code = fields.String(validate=validate.OneOf(EVALUATED_POSITIONS))
    evaluated_on = fields.Date()
    total = fields.Decimal(as_string=True, metadata={"description": "out of 100"})
    notes = fields.String()
    evaluator_account_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    scores = fields.Function(lambda row: ScoreSchema(many=True).dump(service.scores_of(row)))


class EvaluationCreateSchema(Schema):
    store_id = fields.Raw(required=True, metadata={"type": "integer"})
    employee_id = fields.Raw(required=True, metadata={"type": "integer"})
    evaluated_on = fields.Date(load_default=None, metadata={"description": "default today"})
    notes = fields.String(load_default="", validate=validate.Length(max=2000))
    scores = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True,
                         metadata={"description": "criterion code -> 1..5",
                                   "example": {"appearance": 4, "greeting": 5}})


class EvaluationQueryArgsSchema(PageArgsSchema):
    store_id = fields.Integer()
    employee_id = fields.Integer()
    month = fields.String(validate=parse_month, metadata={"example": "2026-11"})


class RankingArgsSchema(Schema):
    month = fields.String(validate=parse_month, metadata={"example": "2026-11"})


class CriterionSchema(Schema):
    code = fields.String()
    label = fields.String()
    weight = fields.Integer()


class RubricSchema(Schema):
    position_code = fields.String(validate=validate.OneOf(EVALUATED_POSITIONS))
    criteria = fields.List(fields.Nested(CriterionSchema))


class RankingRowSchema(Schema):
    rank = fields.Integer()
    store_id = fields.Integer()
    store_name = fields.String()
    count = fields.Integer()
    average = fields.Decimal(as_string=True)


EvaluationPageSchema = page_schema(EvaluationSchema, "ServiceEvaluationPage")


@blp.route("/rubrics")
@blp.response(200, RubricSchema(many=True))
@permission_required("evaluation.manage")
def rubrics():
    """The criteria and weights of each evaluated position (weights sum to 100)."""
    return [{"position_code": code, "criteria": [
        {"code": c.code, "label": str(c.label), "weight": c.weight} for c in criteria]}
        for code, criteria in RUBRICS.items()]


@blp.route("")
@blp.arguments(EvaluationQueryArgsSchema, location="query")
@blp.response(200, EvaluationPageSchema)
@permission_required("evaluation.manage")
def list_evaluations(args):
    """Evaluations of your stores, the newest first."""
    month = parse_month(args["month"]) if args.get("month") else None
    return paginate(service.evaluation_query(store_scope(current_user), args.get("store_id"),
                                             month, args.get("employee_id")),
                    args["page"], args["page_size"])


@blp.route("", methods=["POST"])
@blp.arguments(EvaluationCreateSchema)
@blp.response(201, EvaluationSchema)
@permission_required("evaluation.manage")
def create_evaluation(data):
    """Score an employee of an evaluated position; never oneself."""
    evaluation = service.record_evaluation(data, current_user)
    db.session.commit()
    return evaluation


@blp.route("/ranking")
@blp.arguments(RankingArgsSchema, location="query")
@blp.response(200, RankingRowSchema(many=True))
@permission_required("evaluation.manage")
def ranking(args):
    """Stores by the average total of the month (default this month), best first."""
    month = parse_month(args["month"]) if args.get("month") else today_for_store().replace(day=1)
    return [{"rank": r.rank, "store_id": r.store.id, "store_name": r.store.name,
             "count": r.count, "average": r.average}
            for r in service.store_ranking(store_scope(current_user), month)]


@blp.route("/<int:evaluation_id>")
@blp.response(200, EvaluationSchema)
@permission_required("evaluation.manage")
def get_evaluation(evaluation_id: int):
    return get_in_scope_or_404(ServiceEvaluation, evaluation_id)


@blp.route("/employees/<int:employee_id>")
@blp.response(200, EvaluationSchema(many=True))
@permission_required("evaluation.manage")
def employee_history(employee_id: int):
    """One employee's evaluations, oldest first."""
    return [row.evaluation for row in service.employee_history(
        get_in_scope_or_404(Employee, employee_id))]

