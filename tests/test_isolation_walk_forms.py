"""The isolation walk over the pages' forms: another tenant's (or store's) id in every
id field of every POST form a user is shown (tests/walk_forms.py).

The forms are read from the pages themselves, opened with the caller's own
objects in the path; each id field of each form is then sent with the
victim's object in it and the rest of the form as the page filled it.  A
page answers a refused form with itself (200, the field's error) or a
redirect, so the proof is in the data: every row of both tenants is as it
was.  Then each form is sent as the page filled it, with the caller's own
ids: never a 500.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_isolation_walk_fields import (
    CROSS_STORE_BY_DESIGN,
    NOBODYS_ID,
    REFUSED,
    TENANT_WIDE,
    Caller,
)
from tests.walk_data import snapshot_tenant
from tests.walk_forms import page_forms
from tests.walk_objects import seed_objects
from tests.walk_openapi import kind_of

SKIPPED_PREFIX = ("platform.", "rq_dashboard.", "api", "static")
# Pages that are not a tenant's (or that end the session, whose forms we don't need).
SKIPPED = {"main.set_language", "store.addon_confirm", "auth.logout"}


def _pages(app, ids):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in SKIPPED \
                or rule.endpoint.startswith(SKIPPED_PREFIX) \
                or any(arg not in ids for arg in rule.arguments):
            continue
        yield rule.build({arg: ids[arg] for arg in rule.arguments}, append_unknown=False)[1]


def _forms_with_ids(app, caller, ids, method="POST"):
    """Every form with an id field on the pages the caller opens (deduplicated)."""
    seen, forms = set(), []
    for url in _pages(app, ids):
        response = caller.call("GET", url)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        for form in page_forms(response.get_data(as_text=True), url):
            key = (form.action, tuple(sorted(form.fields)))
            if form.method == method and form.id_fields and key not in seen:
                seen.add(key)
                forms.append(form)
    return forms


def _send_victims(caller, forms, victim_ids, kinds, skip=()):
    errors, unknown, calls = [], set(), 0
    for form in forms:
        for name in form.id_fields:
            kind = kind_of(name)
            if kind not in victim_ids:
                unknown.add((form.action, name))
                continue
            if kind not in kinds or name in skip:
                continue
            calls += 1
            response = caller.client.post(form.action, data=form.data(name, victim_ids[kind]))
            if response.status_code >= 500:
                errors.append((form.action, name, response.status_code))
    return errors, sorted(unknown), calls


def test_another_tenants_ids_in_any_form_change_nothing(app, company_a, company_b):
    victim_ids = seed_objects(company_a)
    own_ids = seed_objects(company_b)
    owner = Caller(app, company_b, "owner")
    forms = _forms_with_ids(app, owner, own_ids)
    before = snapshot_tenant(company_a.tenant_id), snapshot_tenant(company_b.tenant_id)

    errors, unknown, calls = _send_victims(owner, forms, victim_ids, set(victim_ids))

    assert unknown == [], "add these form fields to FIELD_ALIASES (tests/walk_openapi.py)"
    assert errors == []
    assert snapshot_tenant(company_a.tenant_id).changed_since(before[0]) == {}
    assert snapshot_tenant(company_b.tenant_id).changed_since(before[1]) == {}
    _report("forms-cross-tenant", len(forms), calls)
    assert len(forms) >= 20 and calls >= 40  # the walk must not silently shrink


def test_another_tenants_ids_in_a_pages_filters_show_what_nobodys_id_shows(
        app, company_a, company_b):
    """A filter (GET form) with A's store or employee shows B's owner exactly what an id
    nobody has shows: nothing of A's."""
    victim_ids = seed_objects(company_a)
    own_ids = seed_objects(company_b)
    owner = Caller(app, company_b, "owner")
    leaks, calls = [], 0
    filters = _forms_with_ids(app, owner, own_ids, method="GET")
    for form in filters:
        for name in form.id_fields:
            kind = kind_of(name)
            if kind not in victim_ids:  # a numeric filter that names no object (a month)
                continue
            victim, nobodys = victim_ids[kind], NOBODYS_ID
            data = form.data()  # the same search text both times
            pages = [owner.client.get(form.action, query_string={**data, name: [value]})
                     for value in (victim, nobodys)]
            calls += 1
            shown = [(p.status_code, _unecho(p.get_data(as_text=True), name, value))
                     for p, value in zip(pages, (victim, nobodys), strict=True)]
            if shown[0][0] not in REFUSED and shown[0] != shown[1]:
                leaks.append((form.action, name, shown[0][0], shown[1][0]))
    assert leaks == [], "\n".join(map(str, leaks))
    _report("filters-cross-tenant", len(filters), calls, "each shows what nobody's id shows")
    assert calls >= 6


def _unecho(html, name, value):
    """The page without the filter's own echo (links keeping ``?store=3``, the field)
    and without its CSRF token, which is signed with the second it was made in."""
    for token in set(CSRF_TOKEN.findall(html)):
        html = html.replace(token, "CSRF")
    return html.replace(f"{name}={value}", f"{name}=ID").replace(f'value="{value}"', 'value="ID"')


CSRF_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def test_another_stores_ids_in_a_store_managers_forms_change_nothing(app, company_b):
    own_ids = seed_objects(company_b, 0)
    other_store = seed_objects(company_b, 1)
    manager = Caller(app, company_b, "store_manager")
    forms = _forms_with_ids(app, manager, own_ids)
    before = snapshot_tenant(company_b.tenant_id)

    errors, _, calls = _send_victims(manager, forms, other_store,
                                     set(other_store) - TENANT_WIDE, CROSS_STORE_BY_DESIGN)

    assert errors == []
    assert snapshot_tenant(company_b.tenant_id).changed_since(before) == {}
    _report("forms-cross-store", len(forms), calls)
    assert calls >= 6


def test_every_form_as_the_page_fills_it_never_fails_on_the_server(app, company_a):
    ids = seed_objects(company_a)
    owner = Caller(app, company_a, "owner")
    errors, accepted = [], 0
    forms = _forms_with_ids(app, owner, ids)
    for form in forms:
        before = snapshot_tenant(company_a.tenant_id)
        response = owner.client.post(form.action, data=form.data())
        if response.status_code >= 500:
            errors.append((form.action, form.data(), response.status_code))
        # How many of the walk's forms really write when the ids are right: the
        # measure of how far the replays above get.
        accepted += bool(snapshot_tenant(company_a.tenant_id).changed_since(before))
    assert errors == [], "\n".join(map(str, errors))
    _report("forms-own-tenant", len(forms), len(forms), f"{accepted} of them wrote")


def _report(name, forms, calls, extra="nothing changed"):
    folder = Path("test-artifacts")
    folder.mkdir(exist_ok=True)
    line = f"{name}: {forms} forms, {calls} calls, {extra}\n"
    with (folder / "isolation-walk-fields.txt").open("a") as out:
        out.write(line)
    print("\n" + line)
