"""Background jobs: list and follow your company's runs, start a startable kind."""

from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.blueprints.api.common import Blueprint, PageArgsSchema, UtcDateTime, page_schema, paginate
from app.extensions import db
from app.jobs import result_visible, start_job
from app.jobs.display import job_texts
from app.jobs.models import JOB_STATUSES, JobRecord
from app.permissions import permission_required
from app.tenancy import get_or_404

blp = Blueprint("api_jobs", __name__, url_prefix="/jobs", description="Background jobs")


class JobSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    label = fields.String(metadata={"description": "the kind in words, as the jobs page shows it"})
    description = fields.String(metadata={
        "description": "the parameters in words (e.g. 2026年11月 · 全部门店)"})
    params = fields.Dict()
    queue = fields.String()
    status = fields.String(validate=validate.OneOf(JOB_STATUSES),
                           metadata={"description": "queued, running, finished or failed"})
    progress = fields.Integer(metadata={"description": "0–100"})
    message = fields.String()
    result = fields.Raw(allow_none=True, metadata={
        "description": "absent when the kind's result needs a permission the caller lacks "
                       "(a payroll run's totals: payroll.view)"})
    error = fields.String(allow_none=True)
    requested_by_account_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    started_at = UtcDateTime(allow_none=True)
    finished_at = UtcDateTime(allow_none=True)


JobPageSchema = page_schema(JobSchema, "JobPage")


def _shown(record: JobRecord, texts: dict | None = None) -> dict:
    """The run with its label and description, without result and error for a caller
    who may not read them."""
    text = (texts or job_texts([record]))[record.id]
    hidden = () if result_visible(record, current_user) else ("result", "error")
    shown = {name: getattr(record, name) for name in JobSchema().fields
             if name not in (*hidden, "label", "description")}
    return {**shown, "label": text.label, "description": text.details}


class JobStartSchema(Schema):
    kind = fields.String(required=True, metadata={"description": "e.g. hr.headcount_report"})
    params = fields.Dict(keys=fields.String(), load_default=dict)


@blp.route("")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, JobPageSchema)
@permission_required("job.view")
def list_jobs(args):
    """Your company's job runs, newest first."""
    page = paginate(select(JobRecord).order_by(JobRecord.id.desc()), args["page"],
                    args["page_size"])
    texts = job_texts(page["items"])
    page["items"] = [_shown(record, texts) for record in page["items"]]
    return page


@blp.route("", methods=["POST"])
@blp.arguments(JobStartSchema)
@blp.response(202, JobSchema)
@permission_required("job.run")
def start(data):
    """Start a job; poll ``GET /jobs/{id}`` for its progress and result."""
    record = start_job(data["kind"], data["params"])
    db.session.commit()  # dispatched after this commit (after_request)
    return _shown(record)


@blp.route("/<int:job_id>")
@blp.response(200, JobSchema)
@permission_required("job.view")
def get_job(job_id: int):
    """One run: status, progress, result or error, timestamps."""
    return _shown(get_or_404(JobRecord, job_id))
