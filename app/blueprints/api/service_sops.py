"""服务规范 (SOP) over the API: the procedures with their versions, create, edit (a
published procedure gets a new published version, the old one archived), publish,
who has read the current version per store; and the staff's own procedures and
their acknowledgement (已阅读并遵守) of a version.

Over app/blueprints/service/procedures.py (the rules are there); same permissions as
the pages: ``service.view`` reads, ``sop.manage`` writes, ``self.view`` for one's own.
"""

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint
from app.blueprints.service import procedures as service
from app.blueprints.service.labels_procedures import version_status_label
from app.blueprints.service.models_procedures import (
    VERSION_STATUSES,
    Procedure,
    ProcedureVersion,
)
from app.extensions import db
from app.permissions import get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_service_sops", __name__, url_prefix="/service-procedures",
                description="Service procedures (服务规范/SOP) per position, versioned")

STATUS_HELP = "draft 草稿 / published 现行 / archived 已归档"


class ProcedureVersionSchema(Schema):
    id = fields.Integer()
    procedure_id = fields.Integer()
    number = fields.Integer()
    title = fields.String()
    body = fields.String()
    steps = fields.List(fields.String())
    status = fields.String(validate=validate.OneOf(VERSION_STATUSES),
                           metadata={"description": STATUS_HELP})
    status_label = fields.Function(lambda row: version_status_label(row.status))
    change_note = fields.String()
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    archived_at = fields.DateTime(allow_none=True)


class ProcedureSchema(Schema):
    id = fields.Integer()
    position_id = fields.Integer()
    position_name = fields.String()
    current_version = fields.Nested(ProcedureVersionSchema, allow_none=True)
    versions = fields.List(fields.Nested(ProcedureVersionSchema),
                           metadata={"description": "every version, the newest first"})
    acknowledged = fields.Integer(metadata={"description": "staff who read the current "
                                                           "version"})
    staff = fields.Integer(metadata={"description": "employed staff of the position"})


class ProcedureCreateSchema(Schema):
    position_id = fields.Raw(required=True, metadata={"type": "integer"})
    title = fields.String(required=True, validate=validate.Length(max=128))
    body = fields.String(required=True, validate=validate.Length(max=8000),
                         metadata={"description": "the steps, one per line"})
    publish = fields.Boolean(load_default=False,
                             metadata={"description": "publish at once (else a draft)"})


class ProcedureEditSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(max=128))
    body = fields.String(required=True, validate=validate.Length(max=8000))
    change_note = fields.String(load_default="", validate=validate.Length(max=255))
    publish = fields.Boolean(load_default=False, metadata={
        "description": "for a draft: publish it too; a published procedure always gets "
                       "a new published version"})


class ProcedureQueryArgsSchema(Schema):
    position_id = fields.Integer()


class ReaderSchema(Schema):
    employee_id = fields.Integer()
    name = fields.String()
    employee_no = fields.String()
    acknowledged_at = fields.DateTime(allow_none=True)


class StoreReadingSchema(Schema):
    store_id = fields.Integer(allow_none=True, metadata={"description": "null: head office"})
    store_name = fields.String()
    total = fields.Integer()
    acknowledged = fields.Integer()
    unread = fields.List(fields.Nested(ReaderSchema))
    read = fields.List(fields.Nested(ReaderSchema))


class ReadingsSchema(Schema):
    procedure_id = fields.Integer()
    version_id = fields.Integer(allow_none=True)
    stores = fields.List(fields.Nested(StoreReadingSchema))


class MyProcedureSchema(Schema):
    procedure_id = fields.Integer()
    version = fields.Nested(ProcedureVersionSchema)
    acknowledged_at = fields.DateTime(allow_none=True)


class AcknowledgementSchema(Schema):
    id = fields.Integer()
    version_id = fields.Integer()
    employee_id = fields.Integer()
    acknowledged_at = fields.DateTime()


def _dump(procedure: Procedure, row: service.ProcedureRow | None = None) -> dict:
    versions = service.versions_of(procedure)
    if row is None:
        row = next(r for r in service.procedure_rows(procedure.position_id)
                   if r.procedure.id == procedure.id)
    return {"id": procedure.id, "position_id": procedure.position_id,
            "position_name": row.position.name, "current_version": row.current,
            "versions": versions, "acknowledged": row.acknowledged, "staff": row.staff}


@blp.route("")
@blp.arguments(ProcedureQueryArgsSchema, location="query")
@blp.response(200, ProcedureSchema(many=True))
@permission_required("service.view")
def list_procedures(args):
    """Every procedure (by position) with its versions and the read count."""
    return [_dump(row.procedure, row) for row in service.procedure_rows(
        args.get("position_id"))]


@blp.route("", methods=["POST"])
@blp.arguments(ProcedureCreateSchema)
@blp.response(201, ProcedureSchema)
@permission_required("sop.manage")
def create_procedure(data):
    """A new procedure for a position: 第 1 版, a draft unless ``publish``."""
    procedure = service.create_procedure(data, current_user)
    db.session.commit()
    return _dump(procedure)


@blp.route("/<int:procedure_id>")
@blp.response(200, ProcedureSchema)
@permission_required("service.view")
def get_procedure(procedure_id: int):
    return _dump(get_in_scope_or_404(Procedure, procedure_id))


@blp.route("/<int:procedure_id>/versions", methods=["POST"])
@blp.arguments(ProcedureEditSchema)
@blp.response(200, ProcedureSchema)
@permission_required("sop.manage")
def edit_procedure(data, procedure_id: int):
    """Change the text: a draft in place; a published procedure gets a new published
    version (the old one archived; the staff are asked to acknowledge again)."""
    procedure = get_in_scope_or_404(Procedure, procedure_id)
    service.edit_procedure(procedure, data, current_user)
    db.session.commit()
    return _dump(procedure)


@blp.route("/<int:procedure_id>/publish", methods=["POST"])
@blp.response(200, ProcedureSchema)
@permission_required("sop.manage")
def publish_procedure(procedure_id: int):
    procedure = get_in_scope_or_404(Procedure, procedure_id)
    service.publish(procedure, current_user)
    db.session.commit()
    return _dump(procedure)


def _reader(employee, when=None) -> dict:
    return {"employee_id": employee.id, "name": employee.name,
            "employee_no": employee.employee_no, "acknowledged_at": when}


@blp.route("/<int:procedure_id>/readings")
@blp.response(200, ReadingsSchema)
@permission_required("service.view")
def procedure_readings(procedure_id: int):
    """Per store (head office last): who of the position's staff has acknowledged the
    current version and who not."""
    procedure = get_in_scope_or_404(Procedure, procedure_id)
    current = service.current_version(procedure)
    return {"procedure_id": procedure.id, "version_id": current.id if current else None,
            "stores": [{"store_id": r.store.id if r.store else None,
                        "store_name": r.store.name if r.store else "总部",
                        "total": r.total, "acknowledged": len(r.read),
                        "unread": [_reader(e) for e in r.unread],
                        "read": [_reader(e, when) for e, when in r.read]}
                       for r in service.readings(procedure, store_scope(current_user))]}


@blp.route("/mine")
@blp.response(200, MyProcedureSchema(many=True))
@permission_required("self.view")
def my_procedures():
    """The current version of each procedure of my position, unread first."""
    return [{"procedure_id": row.procedure.id, "version": row.version,
             "acknowledged_at": row.acknowledged_at}
            for row in service.my_procedures(current_user)]


@blp.route("/versions/<int:procedure_version_id>/acknowledge", methods=["POST"])
@blp.response(201, AcknowledgementSchema)
@permission_required("self.view")
def acknowledge(procedure_version_id: int):
    """已阅读并遵守: only the current version of my own position's procedure (422 on
    ``procedure_version_id`` otherwise); a second time returns the first."""
    version = get_in_scope_or_404(ProcedureVersion, procedure_version_id)
    ack = service.acknowledge(version, current_user)
    db.session.commit()
    return ack
