"""技术考核 over the API: a service item's rubric and pass mark (read with
``technical.view``, replaced with ``technical.settings``), the exams (listed with
``technical.view`` in your stores, scored with ``therapist.assess``).

Over app/blueprints/technical/exams.py (the rules are there): an exam's score is the
weighted mean of the criteria's 0–100 scores, rounded to 0.01; a pass grants the
therapist the item (技师项目资格), a fail revokes nothing.
"""

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, PageArgsSchema, page_schema, paginate
from app.blueprints.hr.common import get_by_id
from app.blueprints.store.models import ComplaintCase, ServiceItem
from app.blueprints.technical import exams
from app.blueprints.technical.models import EXAM_KINDS, PracticalExam
from app.extensions import db
from app.models import Employee
from app.permissions import get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_technical_exams", __name__,
                description="Practical exams (技术考核): rubrics, pass marks, scores")

KIND_HELP = "regular 日常考核 / qualification 上岗考核 / re_exam 复考"
SCORE = {"as_string": True, "places": 2}


class ExamCriterionSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    weight = fields.Decimal(**SCORE)
    sort_order = fields.Integer()
    is_active = fields.Boolean(metadata={"description": "false: archived (kept on old exams)"})


class ExamRubricSchema(Schema):
    service_item_id = fields.Integer()
    service_item_name = fields.String()
    pass_score = fields.Decimal(allow_none=True, **SCORE, metadata={
        "description": "0–100; null: the item needs no exam (qualified by hand)"})
    criteria = fields.List(fields.Nested(ExamCriterionSchema), metadata={
        "description": "active criteria first, then archived ones"})


class ExamCriterionInSchema(Schema):
    id = fields.Integer(metadata={"description": "an existing criterion; omit to add one"})
    name = fields.String(validate=validate.Length(max=64))
    description = fields.String(validate=validate.Length(max=500))
    weight = fields.Raw(metadata={"description": "> 0, at most 2 decimals, e.g. \"2\""})
    sort_order = fields.Integer(validate=validate.Range(min=0, max=999))
    is_active = fields.Boolean(load_default=True)


class ExamRubricInSchema(Schema):
    pass_score = fields.Raw(required=True, allow_none=True, metadata={
        "description": "0–100 (e.g. \"80\"), or null: the item needs no exam"})
    criteria = fields.List(fields.Nested(ExamCriterionInSchema), required=True,
                           validate=validate.Length(max=50), metadata={
                               "description": "the whole rubric: an active criterion not "
                                              "listed is archived"})


class ExamScoreSchema(Schema):
    criterion_id = fields.Integer()
    name = fields.String()
    weight = fields.String()
    score = fields.String()


class ExamineeSchema(Schema):
    id = fields.Integer()
    employee_no = fields.String()
    name = fields.String()


class PracticalExamSchema(Schema):
    id = fields.Integer()
    employee_id = fields.Integer()
    employee = fields.Nested(ExamineeSchema)
    service_item_id = fields.Integer()
    store_id = fields.Integer(allow_none=True)
    kind = fields.String(validate=validate.OneOf(EXAM_KINDS), metadata={"description": KIND_HELP})
    examined_on = fields.Date()
    examiner_account_id = fields.Integer(allow_none=True)
    scores = fields.List(fields.Nested(ExamScoreSchema), metadata={
        "description": "each criterion as scored (name and weight at the time)"})
    score = fields.Decimal(**SCORE)
    pass_score = fields.Decimal(**SCORE)
    passed = fields.Boolean()
    note = fields.String()
    complaint_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class ExamQueryArgsSchema(PageArgsSchema):
    store_id = fields.Integer()
    employee_id = fields.Integer()
    service_item_id = fields.Integer()
    passed = fields.Boolean()


class ExamCreateSchema(Schema):
    employee_id = fields.Integer(required=True)
    service_item_id = fields.Integer(required=True)
    scores = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True, metadata={
        "description": "criterion id -> score 0–100 for every active criterion of the item"})
    kind = fields.String(load_default="regular", validate=validate.OneOf(EXAM_KINDS),
                         metadata={"description": KIND_HELP})
    note = fields.String(load_default="", validate=validate.Length(max=1000))
    examined_on = fields.Date(load_default=None, metadata={"description": "default today"})
    complaint_id = fields.Integer(load_default=None, allow_none=True,
                                  metadata={"description": "a re-exam ordered by a complaint"})


ExamPageSchema = page_schema(PracticalExamSchema, "PracticalExamPage")


def _rubric(item: ServiceItem) -> dict:
    return {"service_item_id": item.id, "service_item_name": item.name,
            "pass_score": item.exam_pass_score,
            "criteria": exams.criteria_of(item.id, archived=True)}


@blp.route("/service-items/<int:service_item_id>/exam-rubric")
@blp.response(200, ExamRubricSchema)
@permission_required("technical.view")
def get_rubric(service_item_id: int):
    """评分标准: the item's pass mark and criteria."""
    return _rubric(db.session.get(ServiceItem, service_item_id))


@blp.route("/service-items/<int:service_item_id>/exam-rubric", methods=["PUT"])
@blp.arguments(ExamRubricInSchema)
@blp.response(200, ExamRubricSchema)
@permission_required("technical.settings")
def put_rubric(data, service_item_id: int):
    """Replace the rubric: 422 names the field (``criteria.<n>.weight``…), nothing saved."""
    item = db.session.get(ServiceItem, service_item_id)
    exams.save_rubric(item, data["pass_score"], data["criteria"], actor=current_user)
    db.session.commit()
    return _rubric(item)


@blp.route("/exams")
@blp.arguments(ExamQueryArgsSchema, location="query")
@blp.response(200, ExamPageSchema)
@permission_required("technical.view")
def list_exams(args):
    """Exams in your stores, newest first."""
    filters = exams.ExamFilters(store_id=args.get("store_id"),
                                employee_id=args.get("employee_id"),
                                service_item_id=args.get("service_item_id"),
                                passed=args.get("passed"))
    return paginate(exams.exam_query(filters, store_scope(current_user)), args["page"],
                    args["page_size"])


def _exam(exam_id: int) -> PracticalExam:
    get_in_scope_or_404(PracticalExam, exam_id)
    return db.session.scalar(exams.exam_query().where(PracticalExam.id == exam_id))


@blp.route("/exams", methods=["POST"])
@blp.arguments(ExamCreateSchema)
@blp.response(201, PracticalExamSchema)
@permission_required("therapist.assess")
def create_exam(data):
    """Score an exam.  A therapist outside your stores is 404; a missing or bad score is
    422 on ``scores.<criterion_id>``.  A pass grants the item's qualification."""
    employee = get_in_scope_or_404(Employee, data["employee_id"])
    if data["complaint_id"] is not None:
        get_in_scope_or_404(ComplaintCase, data["complaint_id"])
    exam = exams.record_exam(
        employee, get_by_id(ServiceItem, data["service_item_id"]), data["scores"],
        kind=data["kind"], note=data["note"], examined_on=data["examined_on"],
        actor=current_user, complaint_id=data["complaint_id"])
    db.session.commit()
    return _exam(exam.id)


@blp.route("/exams/<int:exam_id>")
@blp.response(200, PracticalExamSchema)
@permission_required("technical.view")
def get_exam(exam_id: int):
    return _exam(exam_id)

