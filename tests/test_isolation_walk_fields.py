"""The isolation walk, widened to everywhere an attacker puts an id, and to stores.

tests/test_isolation_walk.py fills the ids of the path.  Here:

* every id field of every API query string and JSON body the OpenAPI document
  describes (tests/walk_openapi.py) gets tenant A's object as tenant B's owner,
  who holds every permission;
* a store-scoped role of tenant B that holds the operation's permission gets
  the objects of B's other store, in those fields and in every path of the
  URL map (tenant-wide objects — the catalogue, customers, their cards — are
  shared by the stores by design and are left out).

A refused read answers 403/404/422 or exactly what an id nobody has gets; a
refused write answers 4xx; and every row of both tenants is as it was (a
fingerprint of each table, tests/walk_data.py), not just the audit count.
Then the same requests with the caller's own ids must never answer 500: the
proof that the walk reached the code that looks the id up.
"""

from __future__ import annotations

from pathlib import Path

from app.extensions import api
from app.permissions import ROLES, SELF, STORE, role_has
from tests.conftest import AuthActions
from tests.factories import PASSWORD, otp_code
from tests.walk_data import snapshot_tenant
from tests.walk_objects import seed_objects
from tests.walk_openapi import id_operations

# An id no tenant has, well inside a 32-bit integer: what "not found" looks like.
NOBODYS_ID = 2_000_000_000
REFUSED = (403, 404, 422)
# Shared by every store of a tenant by design (a customer and their card are the
# chain's; the catalogue, posts, pay settings and checklists are head office's).
TENANT_WIDE = {"customer_id", "card_id", "service_item_id", "product_id", "level_id",
               "position_id", "pay_profile_id", "therapist_level_id", "template_id",
               "template_item_id", "job_id", "token_id", "account_id", "run_id",
               # The chain's list of consumables and goods (each store's stock is its own).
               "stock_item_id",
               # The chain's service procedures (服务规范) and their versions, per position.
               "procedure_id", "procedure_version_id"}
# Fields that may name another store's object on purpose, with the reason.
CROSS_STORE_BY_DESIGN = {
    # A customer is the chain's: the form offers every therapist of the company.
    "favourite_therapist_id": "a chain-wide customer's favourite may work in any store",
}
NOT_TENANT_IDS = {"static", "main.set_language", "store.addon_confirm"}
PLATFORM_PREFIX = ("platform.", "rq_dashboard.")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class Caller:
    """A logged-in web client with an API token; requests go to the API or the pages."""

    def __init__(self, app, company, role):
        self.role, self.client = role, app.test_client()
        login = {"company": company.code, "username": company.username(role),
                 "password": PASSWORD}
        # The owner has a second factor: the code step on the page, ``otp`` on the API.
        assert AuthActions(self.client).login(company.code, login["username"]
                                              ).status_code == 302, role
        if role == "owner":
            login["otp"] = otp_code()
        token = self.client.post("/api/v1/auth/token", json=login).get_json()["token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method, url, query=None, body=None):
        if url.startswith("/api/"):
            if body is None and method in ("POST", "PUT", "PATCH"):
                body = {}
            return self.client.open(url, method=method, headers=self.headers,
                                    query_string=query, json=body)
        return self.client.open(url, method=method, data={} if method != "GET" else None)


def _permission_of(app, method, url):
    endpoint, _ = app.url_map.bind("localhost").match(url.split("?")[0], method=method)
    return endpoint, app.view_functions[endpoint].required_permission


def _store_holder(permission):
    """A role working in one store that holds ``permission`` (None if only head office does)."""
    local = sorted(r for r, role in ROLES.items()
                   if role.scope in (STORE, SELF) and role_has(r, permission))
    return local[0] if local else None


def _refused(method, response, nobodys):
    if response.status_code in REFUSED:
        return True
    if method == "GET" and nobodys is not None:
        return (response.status_code, response.get_json()) == \
            (nobodys.status_code, nobodys.get_json())
    return False


def _walk_fields(app, callers_by_permission, ids, victim_ids, kinds_walked, skip=()):
    """Each operation's id slots, one at a time, with the victim's object in it."""
    leaks, calls = [], 0
    for operation in id_operations(api.spec.to_dict()):
        for slot in operation.slots:
            if slot.kind not in kinds_walked or slot.path[-1] in skip:
                continue
            url, query, body = operation.request(ids, slot, victim_ids[slot.kind])
            endpoint, permission = _permission_of(app, operation.method, url)
            caller = callers_by_permission(permission)
            if caller is None:
                continue
            response = caller.call(operation.method, url, query, body)
            calls += 1
            nobodys = None
            if operation.method == "GET" and response.status_code not in REFUSED:
                nobodys = caller.call("GET", *operation.request(ids, slot, NOBODYS_ID)[:2])
            if not _refused(operation.method, response, nobodys):
                leaks.append((caller.role, operation.method, url, query, body,
                              response.status_code))
    return leaks, calls


def _unknown_kinds(ids):
    return sorted({(op.path, slot.kind) for op in id_operations(api.spec.to_dict())
                   for slot in op.slots if slot.kind not in ids})


def test_every_query_and_body_id_field_is_known(app, company_a):
    """A new id field the walk cannot place fails here: add it to FIELD_ALIASES."""
    ids = seed_objects(company_a)
    assert _unknown_kinds(ids) == []
    assert len(id_operations(api.spec.to_dict())) >= 35  # must not silently shrink


def test_another_tenants_ids_in_query_and_body_are_refused_and_change_nothing(
        app, company_a, company_b):
    victim_ids = seed_objects(company_a)
    own_ids = seed_objects(company_b)
    owner = Caller(app, company_b, "owner")
    before = snapshot_tenant(company_a.tenant_id), snapshot_tenant(company_b.tenant_id)

    leaks, calls = _walk_fields(app, lambda permission: owner, own_ids, victim_ids,
                                set(victim_ids))

    assert leaks == [], "\n".join(map(str, leaks))
    assert snapshot_tenant(company_a.tenant_id).changed_since(before[0]) == {}
    assert snapshot_tenant(company_b.tenant_id).changed_since(before[1]) == {}
    _report("fields-cross-tenant", calls)
    assert calls >= 60


def test_another_stores_ids_are_refused_to_a_store_role_and_change_nothing(app, company_b):
    """Store 1's staff, each holding the permission, against store 2 of their company."""
    own_ids = seed_objects(company_b, 0)
    other_store = seed_objects(company_b, 1)
    callers = {}

    def caller_for(permission):
        return callers.get(_store_holder(permission) if permission else None)

    for role in {_store_holder(p) for p in ROLES["owner"].permissions} - {None}:
        callers[role] = Caller(app, company_b, role)  # log-ins write: before the snapshot
    before = snapshot_tenant(company_b.tenant_id)

    store_tied = set(other_store) - TENANT_WIDE
    leaks, field_calls = _walk_fields(app, caller_for, own_ids, other_store, store_tied,
                                      skip=CROSS_STORE_BY_DESIGN)
    path_leaks, path_calls = _walk_paths(app, caller_for, own_ids, other_store, store_tied)

    assert leaks == [], "\n".join(map(str, leaks))
    assert path_leaks == [], "\n".join(map(str, path_leaks))
    assert snapshot_tenant(company_b.tenant_id).changed_since(before) == {}
    _report("cross-store", field_calls + path_calls)
    assert field_calls >= 20 and path_calls >= 60


def _walk_paths(app, caller_for, own_ids, other_store, store_tied):
    """Every path with a store-tied id, filled with the other store's objects."""
    leaks, calls = [], 0
    for rule in app.url_map.iter_rules():
        if not rule.arguments & store_tied or rule.endpoint in NOT_TENANT_IDS \
                or rule.endpoint.startswith(PLATFORM_PREFIX):
            continue
        caller = caller_for(app.view_functions[rule.endpoint].required_permission)
        if caller is None:
            continue
        values = {arg: (other_store if arg in store_tied else own_ids)[arg]
                  for arg in rule.arguments}
        url = rule.build(values, append_unknown=False)[1]
        for method in METHODS:
            if method in rule.methods:
                calls += 1
                status = caller.call(method, url).status_code
                if status == 403:  # refused by role whatever the store: not about the object
                    own_url = rule.build({a: own_ids[a] for a in rule.arguments},
                                         append_unknown=False)[1]
                    status = 404 if caller.call(method, own_url).status_code == 403 else 403
                if status != 404:
                    leaks.append((caller.role, method, url, status))
    return leaks, calls


def test_the_same_fields_with_the_callers_own_ids_never_fail_on_the_server(app, company_a):
    """The positive twin of the walks above: own ids in each slot, never a 500."""
    ids = seed_objects(company_a)
    owner = Caller(app, company_a, "owner")
    errors, accepted, calls = [], 0, 0
    for operation in id_operations(api.spec.to_dict()):
        for slot in operation.slots:
            url, query, body = operation.request(ids, slot, ids[slot.kind])
            response = owner.call(operation.method, url, query, body)
            calls += 1
            accepted += response.status_code < 400
            if response.status_code >= 500:
                errors.append((operation.method, url, query, body, response.status_code))
    assert errors == [], "\n".join(map(str, errors))
    _report("fields-own-tenant", calls, f"{accepted} accepted")


def _report(name, calls, extra=""):
    folder = Path("test-artifacts")
    folder.mkdir(exist_ok=True)
    line = f"{name}: {calls} calls, none leaked {extra}\n"
    with (folder / "isolation-walk-fields.txt").open("a") as out:
        out.write(line)
    print("\n" + line)
