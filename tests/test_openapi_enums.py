"""Issue 10 §1: every field that takes a fixed set of values says so in the OpenAPI
document (``enum``), read as an integrator reads it: from the operation to its
request or response schema.  Before, the service-item ``category`` showed its
values only in a 422."""

from __future__ import annotations

import pytest

from app.blueprints.hr.models.lifecycle import OFFBOARDING_KINDS
from app.blueprints.hr.models.time import LEAVE_KINDS
from app.blueprints.store.models.catalogue import SERVICE_CATEGORIES
from app.blueprints.store.models.orders import JOB_TYPES
from app.blueprints.store.models.payments import PAYMENT_METHODS
from app.models.people import EMPLOYEE_STATUSES
from app.permissions import ROLES

# Names that always hold one of a fixed set of values.
ENUM_NAMES = ("kind", "status", "category", "method", "payment_method", "job_type", "gender",
              "role", "type", "source", "verdict")
# Not fixed when the document is built: the kinds come from each department's registry.
OPEN_ENDED = {("JobStart", "kind"), ("Job", "kind"), ("ApprovalDecisionResult", "kind"),
              ("ApprovalDecisionResult", "status"), ("WaitingApproval", "kind"),
              # an order line's status, and one on the board (active / cancelled): no constant
              ("OrderLine", "status"), ("BoardLine", "status"),
              # the keyword the job's own fields name
              ("ClockImportError", "field"), ("Sensitive", "field")}


@pytest.fixture(scope="module")
def document(session_app):
    return session_app.test_client().get("/api/v1/openapi.json").get_json()


def _schema(document, ref_or_schema: dict) -> tuple[str, dict]:
    schema = ref_or_schema.get("items", ref_or_schema)
    name = schema["$ref"].rsplit("/", 1)[1]
    return name, document["components"]["schemas"][name]


def _body(document, path: str, method: str) -> dict:
    content = document["paths"][path][method]["requestBody"]["content"]["application/json"]
    return _schema(document, content["schema"])[1]


def _response(document, path: str, method: str, status: str) -> dict:
    content = document["paths"][path][method]["responses"][status]["content"]
    return _schema(document, content["application/json"]["schema"])[1]


def test_the_service_item_category_is_an_enum(document):
    created = _body(document, "/api/v1/service-items", "post")
    assert created["properties"]["category"]["enum"] == list(SERVICE_CATEGORIES)
    page = _response(document, "/api/v1/service-items", "get", "200")
    _name, listed = _schema(document, page["properties"]["items"])
    assert listed["properties"]["category"]["enum"] == list(SERVICE_CATEGORIES)


def test_leave_kinds_payment_methods_and_positions_are_enums(document):
    leave = _body(document, "/api/v1/leave-requests", "post")
    assert leave["properties"]["kind"]["enum"] == list(LEAVE_KINDS)
    checkout = _body(document, "/api/v1/orders/{order_id}/checkout", "post")
    payment = document["components"]["schemas"][
        checkout["properties"]["payments"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert payment["properties"]["method"]["enum"] == list(PAYMENT_METHODS)
    positions = _response(document, "/api/v1/positions", "get", "200")
    assert positions["properties"]["role"]["enum"] == list(ROLES)
    employee = _response(document, "/api/v1/employees/{employee_id}", "get", "200")
    assert employee["properties"]["status"]["enum"] == list(EMPLOYEE_STATUSES)
    offboarding = _body(document, "/api/v1/employees/{employee_id}/offboarding", "post")
    assert offboarding["properties"]["kind"]["enum"] == list(OFFBOARDING_KINDS)
    job = document["components"]["schemas"]["OrderJob"]
    assert job["properties"]["job_type"]["enum"] == list(JOB_TYPES)


def test_every_fixed_set_field_of_the_document_is_an_enum(document):
    missing = []
    for name, schema in document["components"]["schemas"].items():
        for field, spec in schema.get("properties", {}).items():
            if field not in ENUM_NAMES or (name, field) in OPEN_ENDED:
                continue
            if spec.get("type") == "string" and "enum" not in spec:
                missing.append(f"{name}.{field}")
    assert missing == []
