"""Requests built from the OpenAPI document, with ids in every place they can go.

For each operation the document lists, :func:`id_operations` finds the id
fields of its query string and its JSON body (``*_id``/``*_ids``, in nested
objects and lists too) and builds an otherwise valid request around them:
required fields get a plain value of their type (the field's example, the
first value of an enum, a date, ``"10.00"`` for money), so that the server gets
as far as looking the id up.  A new endpoint or field is walked the moment the
document describes it.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

# Body and query fields whose name is not the id argument of the object they
# name.  A field the walk cannot place fails the test until it is added here.
FIELD_ALIASES = {
    "level_id": "therapist_level_id",  # an employee's level; the catalogue's is membership
    "new_level_id": "therapist_level_id",
    "membership_level_id": "level_id",
    "shift_template_id": "shift_id",
    "owner_account_id": "account_id",
    "favourite_therapist_id": "therapist_id",
    "requested_therapist_id": "therapist_id",
    "first_store_id": "store_id",
    "new_store_id": "store_id",
    "new_position_id": "position_id",
    "new_pay_profile_id": "pay_profile_id",
    "sold_by_employee_id": "employee_id",  # 售卡人 of a card sale or top-up
    "partner_store_id": "store_id",  # the visiting store of a 技术交流 training
    "trainer_employee_id": "employee_id",
    "claimant_employee_id": "employee_id",  # whom an expense claim pays back
    "custodian_employee_id": "employee_id",  # 保管人 of an asset
    "to_store_id": "store_id",  # the receiving store of a stock transfer (调拨)
    "owner_employee_id": "employee_id",  # who puts an inspection's finding right (整改)
}
DATE = "2026-11-03"
# In the future: a reservation may not start in the past.
DATETIME = (datetime.now(UTC) + timedelta(days=2)).replace(hour=2, minute=0, second=0,
                                                            microsecond=0).isoformat()
MONEY = "10.00"
TEXT = "走查"
_serial = itertools.count(1)


@dataclass
class Slot:
    """Where an id goes: ``("query", "store_id")`` or ``("body", ("payments", 0, "card_id"))``."""

    where: str
    path: tuple
    kind: str  # the id argument it names (a key of seed_objects())
    many: bool = False
    required: bool = False  # sent in every request; an optional one only when walked


@dataclass
class Operation:
    method: str
    path: str  # /api/v1/orders/{order_id}/lines
    path_args: list[str]
    query: dict = field(default_factory=dict)
    body: dict | None = None
    slots: list[Slot] = field(default_factory=list)

    def request(self, ids: dict[str, int], walked: Slot, value: int):
        """(url, query, body): ``ids`` in the path and the required slots, ``value`` in
        the ``walked`` slot."""
        url = self.path
        for arg in self.path_args:
            url = url.replace("{" + arg + "}", str(ids[arg]))
        query, body = dict(self.query), copy.deepcopy(self.body)
        for slot in self.slots:
            if slot is not walked and not slot.required:
                continue
            value_here = value if slot is walked else ids[slot.kind]
            value_here = [value_here] if slot.many else value_here
            if slot.where == "query":
                query[slot.path[0]] = value_here
            else:
                _put(body, slot.path, value_here)
        return url, query, _fresh(body)


def _fresh(value):
    """Texts and phones made unique per request: a second create must not fail on a
    duplicate number before it reaches the id."""
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    if isinstance(value, str) and value.startswith(TEXT):
        return f"{TEXT}{next(_serial)}"[:max(len(value), 6)]
    if value == "PHONE":
        return f"139{next(_serial):08d}"
    return value


def _put(target, path, value):
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def kind_of(name: str) -> str:
    base = name.rsplit("-", 1)[-1]  # a form's list entry: products-0-product_id
    base = base[:-1] if base.endswith("_ids") else base
    base = base if base.endswith("_id") else f"{base}_id"  # a page's filter: ?store=3
    return FIELD_ALIASES.get(base, base)


def is_id_field(name: str) -> bool:
    return name.endswith(("_id", "_ids"))


def id_operations(spec: dict) -> list[Operation]:
    """Every operation with an id in its query string or body."""
    schemas = spec["components"]["schemas"]
    operations = []
    for path, items in spec["paths"].items():
        shared = items.get("parameters", [])
        for method, op in items.items():
            if method == "parameters":
                continue
            params = shared + op.get("parameters", [])
            operation = Operation(method.upper(), path,
                                  [p["name"] for p in params if p["in"] == "path"])
            for p in params:
                if p["in"] == "query" and p.get("required") and not is_id_field(p["name"]):
                    operation.query[p["name"]] = _scalar(p.get("schema", {}), p["name"])
                if p["in"] == "query" and is_id_field(p["name"]):
                    operation.slots.append(Slot("query", (p["name"],), kind_of(p["name"]),
                                                p["name"].endswith("_ids")))
            content = (op.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                operation.body = _example(content["application/json"]["schema"], schemas,
                                          (), operation.slots)
            if operation.slots:
                operations.append(operation)
    return operations


def _resolve(schema: dict, schemas: dict) -> dict:
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _example(schema: dict, schemas: dict, path: tuple, slots: list[Slot]):
    """A value for ``schema``; id fields become slots (filled per request)."""
    schema = _resolve(schema, schemas)
    if schema.get("type") == "array":
        return [_example(schema.get("items", {}), schemas, (*path, 0), slots)]
    if "properties" not in schema:
        return _scalar(schema, path[-1] if path else "")
    body = {}
    required = set(schema.get("required", ()))
    properties = schema["properties"]
    for name, prop in properties.items():
        prop = _resolve(prop, schemas)
        if prop.get("readOnly"):
            continue
        if is_id_field(name):
            slots.append(Slot("body", (*path, name), kind_of(name), name.endswith("_ids"),
                              name in required))
            _choose_enum_for(prop, properties, schemas, body)
        elif name in required or prop.get("type") in ("array", "object") and name in required:
            body[name] = _example(prop, schemas, (*path, name), slots)
    return body


def _choose_enum_for(prop: dict, properties: dict, schemas: dict, body: dict) -> None:
    """An id field described as "stored_value / package_card" only counts when its
    sibling enum says so: pick that value (``payments[].card_id`` needs a card method)."""
    words = set(prop.get("description", "").replace("/", " ").replace(",", " ").split())
    for name, sibling in properties.items():
        values = _resolve(sibling, schemas).get("enum", ())
        for value in values:
            if value in words:
                body[name] = value
                return


def _scalar(schema: dict, name: str):
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        return schema["enum"][0]
    kind, fmt = schema.get("type"), schema.get("format")
    if fmt == "date":
        return DATE
    if fmt == "date-time":
        return DATETIME
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 10
    if kind == "boolean":
        return False
    if kind == "string":
        if "phone" in name:
            return "PHONE"
        return TEXT + "x" * max(0, schema.get("minLength", 0) - 2)
    return MONEY  # untyped: the API's money fields (amount, bonus, tendered)
