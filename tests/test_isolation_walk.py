"""The first promise of the product: another tenant's object is not found (404).

The walk takes EVERY route of the app and the API that carries an id, fills it
with tenant A's ids, and calls it with every method as tenant B's owner (who
holds every permission): each call must answer 404 and change no row of
either tenant.  Ids in query strings, bodies and forms, and another store's
ids for store roles: tests/test_isolation_walk_fields.py and _forms.py.  A new
route with an id argument the walk does not know fails the test until it is
added to ``seed_objects`` (tests/walk_objects.py).
"""

from pathlib import Path

from tests.conftest import AuthActions
from tests.factories import PASSWORD, otp_code
from tests.walk_data import snapshot_tenant
from tests.walk_objects import seed_objects

# Routes whose id is not a tenant object, or that are cross-tenant by design
# (platform operators; tenant users get 404 there anyway, tested in tests/platform).
# store.addon_confirm takes the guest's QR token (a 192-bit secret, no login by
# design), not an id: tests/store/test_dispatch_views.py covers it.
NOT_TENANT_IDS = {"static", "main.set_language", "store.addon_confirm"}
PLATFORM_PREFIX = ("platform.", "rq_dashboard.")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def ids_of(company_a) -> dict[str, int]:
    """One real object of tenant A for every id argument the app's routes take."""
    return seed_objects(company_a)


def test_ids_of_covers_every_registered_url_object(app, company_a):
    from app.permissions import PATH_OBJECTS

    assert set(PATH_OBJECTS) <= set(ids_of(company_a))


def _walked_rules(app):
    for rule in app.url_map.iter_rules():
        if not rule.arguments or rule.endpoint in NOT_TENANT_IDS:
            continue
        if rule.endpoint.startswith(PLATFORM_PREFIX):
            continue
        yield rule


def _call(client, method, url, headers):
    if url.startswith("/api/"):
        return client.open(url, method=method, headers=headers,
                           json={} if method in ("POST", "PUT", "PATCH") else None)
    return client.open(url, method=method, data={} if method != "GET" else None)


def test_every_id_route_answers_404_for_another_tenants_ids(app, company_a, company_b):
    ids = ids_of(company_a)
    # Make the rules below the store's rooms consistent: room 0 belongs to store 0.
    intruder = app.test_client()
    assert AuthActions(intruder).login(company_b.code, "owner").status_code == 302
    token = intruder.post("/api/v1/auth/token", json={
        "company": company_b.code, "username": "owner", "password": PASSWORD,
        "otp": otp_code()}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    # Every row of both tenants, not just the audit count: a write that forgot its
    # audit entry must show too, and the refused calls must not touch B either.
    before = snapshot_tenant(company_a.tenant_id), snapshot_tenant(company_b.tenant_id)

    unknown, leaks, calls, rules = [], [], 0, 0
    for rule in _walked_rules(app):
        missing = [arg for arg in rule.arguments if arg not in ids]
        if missing:
            unknown.append((rule.rule, missing))
            continue
        rules += 1
        url = rule.build({arg: ids[arg] for arg in rule.arguments}, append_unknown=False)[1]
        for method in METHODS:
            if method not in rule.methods:
                continue
            response = _call(intruder, method, url, headers)
            calls += 1
            if response.status_code != 404:
                leaks.append((method, url, response.status_code))

    assert unknown == [], f"add these id arguments to ids_of(): {unknown}"
    assert leaks == []
    assert snapshot_tenant(company_a.tenant_id).changed_since(before[0]) == {}
    assert snapshot_tenant(company_b.tenant_id).changed_since(before[1]) == {}
    report = Path("test-artifacts")
    report.mkdir(exist_ok=True)
    (report / "isolation-walk.txt").write_text(f"{rules} routes, {calls} calls, all 404\n")
    print(f"\nisolation walk: {rules} id-carrying routes, {calls} calls, all 404")
    assert rules >= 30  # the walk must not silently shrink


def test_the_same_routes_find_the_objects_for_their_own_tenant(app, company_a, company_b):
    """Proves the ids used above are real: tenant A's owner can GET each of them, and
    none of those pages fails on the server."""
    ids = ids_of(company_a)
    owner = app.test_client()
    AuthActions(owner).login(company_a.code, "owner")
    token = owner.post("/api/v1/auth/token", json={
        "company": company_a.code, "username": "owner", "password": PASSWORD,
        "otp": otp_code()}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    missing, errors = [], []
    for rule in _walked_rules(app):
        if "GET" not in rule.methods or any(arg not in ids for arg in rule.arguments):
            continue
        url = rule.build({arg: ids[arg] for arg in rule.arguments}, append_unknown=False)[1]
        response = _call(owner, "GET", url, headers)
        if response.status_code == 404:
            missing.append(url)
        if response.status_code >= 500:
            errors.append(url)
    assert missing == []
    assert errors == []
