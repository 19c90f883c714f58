"""/api/v1/positions: the company's posts (岗位), for ``position_id`` in ``POST /employees``.

List only: positions are the org chart the company was created with (app/tenants.py,
one per role); no page creates or edits them, so neither does the API.  Readable by
whoever may see the org (``org.view``), as the store and room lists are.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.blueprints.api.common import Blueprint
from app.extensions import db
from app.models import Position
from app.permissions import HEAD_OFFICE, ROLES, permission_required

blp = Blueprint("api_positions", __name__, url_prefix="/positions",
                description="Positions (岗位) of the org chart")


class DepartmentRefSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class PositionSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    role = fields.String(validate=validate.OneOf(list(ROLES)),
                         metadata={"description": "the permissions of whoever holds it"})
    role_label = fields.Function(lambda p: str(ROLES[p.role].label) if p.role in ROLES else "")
    works_in_store = fields.Function(
        lambda p: p.role in ROLES and ROLES[p.role].scope != HEAD_OFFICE,
        metadata={"description": "true: an employee in it needs a store_id"})
    department_id = fields.Integer(allow_none=True,
                                   metadata={"description": "head-office posts only"})
    department = fields.Nested(DepartmentRefSchema, allow_none=True)


@blp.route("")
@blp.response(200, PositionSchema(many=True))
@permission_required("org.view")
def list_positions():
    """Every position, store posts and head-office posts."""
    return list(db.session.scalars(
        select(Position).options(joinedload(Position.department)).order_by(Position.id)))
