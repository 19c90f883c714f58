"""技师档案 over HTTP: the list and the profile page (store scope, non-therapists), the
API with its 422s, the statement budget, and the department's landing cards."""

from __future__ import annotations

import re
from datetime import date, timedelta

from app.blueprints.hr.models import ChecklistItem, Onboarding
from app.blueprints.store.models import ServiceItem
from app.blueprints.technical.models import SkillAssessment
from app.extensions import db
from app.models import Employee, Store
from app.tenancy import tenant_context
from tests.hr.test_query_budget import count_statements
from tests.technical import profile_data as data
from tests.technical.test_profiles import build_november

NOVEMBER = "period=custom&start=2026-11-01&end=2026-11-30"


def _therapists(company):
    with tenant_context(company.tenant_id):
        here = data.therapist(company.stores[0], "801", name="林小红")
        there = data.therapist(company.stores[1], "901", name="周小青")
        db.session.commit()
        return here.id, there.id


def test_profile_page_shows_the_period_figures(client, auth, company_a):
    with tenant_context(company_a.tenant_id):
        who_id = build_november(company_a)["who"].id
        db.session.commit()
    auth.login_as(company_a, "technical_supervisor")
    response = client.get(f"/technical/profiles/{who_id}?{NOVEMBER}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-figure="completed"' in page and 'data-figure="requested_rate"' in page
    assert "37.5%" in page and "33.3%" in page and "4.20" in page
    assert 'data-state="expiring"' in page
    assert 'id="profile-trend" data-chart=\'{' in page  # the trend's data, for muzu.js
    assert "vendor/chartjs/chart.umd.min.js" in page
    assert 'data-outcome="uninvestigated"' in page
    assert "<script>" not in page and "application/json" not in page  # no inline script


def test_store_supervisor_sees_only_their_stores(client, auth, company_a):
    here, there = _therapists(company_a)
    auth.login_as(company_a, "technical_supervisor")
    assert client.get(f"/technical/profiles/{here}").status_code == 200
    assert client.get(f"/technical/profiles/{there}").status_code == 404
    listing = client.get("/technical/profiles").get_data(as_text=True)
    assert "林小红" in listing and "周小青" not in listing
    # Asking for the other store by filter shows nothing of it.
    other = client.get(f"/technical/profiles?store_id={company_a.stores[1].id}")
    assert "周小青" not in other.get_data(as_text=True)


def test_director_searches_every_store(client, auth, company_a):
    _therapists(company_a)
    auth.login_as(company_a, "technical_director")
    assert "周小青" in client.get("/technical/profiles").get_data(as_text=True)
    found = client.get("/technical/profiles?q=901").get_data(as_text=True)
    assert "周小青" in found and "林小红" not in found
    found = client.get("/technical/profiles?q=小红").get_data(as_text=True)
    assert "林小红" in found and "周小青" not in found
    only = client.get(f"/technical/profiles?store_id={company_a.stores[1].id}")
    assert "林小红" not in only.get_data(as_text=True)


def test_a_non_therapist_has_no_profile(client, auth, company_a):
    auth.login_as(company_a, "technical_director")
    cashier = company_a.employees["cashier"].id
    assert client.get(f"/technical/profiles/{cashier}").status_code == 404
    assert client.get("/technical/profiles/999999").status_code == 404


def test_a_bad_period_on_the_page_is_a_message(client, auth, company_a):
    here, _ = _therapists(company_a)
    auth.login_as(company_a, "technical_director")
    response = client.get(f"/technical/profiles/{here}?period=custom&start=2026-02-01"
                          "&end=2026-01-01")
    assert response.status_code == 200
    assert 'data-testid="period-error"' in response.get_data(as_text=True)


def test_profile_needs_technical_view(client, auth, company_a):
    here, _ = _therapists(company_a)
    auth.login_as(company_a, "cashier")
    assert client.get(f"/technical/profiles/{here}").status_code == 403
    assert client.get("/technical/profiles").status_code == 403


def _statements(client, url: str, **kwargs) -> int:
    db.session.expunge_all()
    with count_statements() as statements:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return len(statements)


def test_statements_do_not_grow_with_jobs_or_months(client, auth, api_token, company_a):
    with tenant_context(company_a.tenant_id):
        store = company_a.stores[0]
        who = data.therapist(store, "801")
        item = data.item()
        jobs = data.Jobs(store, item)
        jobs.add(who, date(2026, 11, 3), "requested", rating=5)
        db.session.commit()
        who_id, store_id, item_id = who.id, store.id, item.id
    url = f"/technical/profiles/{who_id}?{NOVEMBER}"
    api = f"/api/v1/therapists/{who_id}/profile?start=2026-11-01&end=2026-11-30"
    headers = api_token(company_a, "technical_director")
    auth.login_as(company_a, "technical_director")
    few = (_statements(client, url), _statements(client, api, headers=headers))

    with tenant_context(company_a.tenant_id):
        store = db.session.get(Store, store_id)
        who = db.session.get(Employee, who_id)
        item = db.session.get(ServiceItem, item_id)
        jobs = data.Jobs(store, item)
        jobs.seq = 100
        for month in range(1, 12):
            for n in range(3):
                day = date(2026, month, 2 + n)
                jobs.add(who, day, ("rotation", "requested")[n % 2], rating=3 + n % 3,
                         addon=n == 2)
                data.complaint(store, who, data.local(day, 15), investigated=n > 0,
                               concluded=n == 2, substantiated=True)
            data.exam(who, item, date(2026, month, 10), "80.00", True)
            data.training(who, data.local(date(2026, month, 11), 10))
            data.discipline(who, date(2026, month, 12))
        jobs.add(who, date(2026, 11, 20), "rotation", status="returned")
        db.session.commit()
    many = (_statements(client, url), _statements(client, api, headers=headers))
    assert many == few, f"{few} statements with one job, {many} with a year of rows"
    assert few[0] <= 25


def test_api_profile_and_its_422s(client, api_token, company_a):
    with tenant_context(company_a.tenant_id):
        who_id = build_november(company_a)["who"].id
        other_store = data.therapist(company_a.stores[1], "901").id
        db.session.commit()
    headers = api_token(company_a, "technical_supervisor")
    base = f"/api/v1/therapists/{who_id}/profile"
    body = client.get(f"{base}?start=2026-11-01&end=2026-11-30", headers=headers).get_json()
    assert body["jobs"]["completed"] == 8 and body["jobs"]["requested_rate"] == "0.3750"
    assert body["jobs"]["addon_rate"] == "0.3333" and body["jobs"]["rating_mean"] == "4.20"
    assert body["complaint_counts"] == {"substantiated": 2, "not_substantiated": 2, "open": 1,
                                        "uninvestigated": 1}
    assert len(body["trend"]) == 12 and body["trend"][-1]["month"] == "2026-11"
    assert body["health_certificate"]["state"] == "expiring"
    assert [s["new_level"] for s in body["level_history"]] == ["初级", "中级"]

    for query, field in (("start=2026-11-31&end=2026-11-30", "start"),
                         ("start=2026-11-01&end=2026-10-01", "end"),
                         ("start=2026-11-01", "end")):
        response = client.get(f"{base}?{query}", headers=headers)
        assert response.status_code == 422, query
        assert field in response.get_json()["error"]["fields"], response.get_json()
    assert client.get(f"{base}?period=yesterday", headers=headers).status_code == 422

    assert client.get(f"/api/v1/therapists/{other_store}/profile",
                      headers=headers).status_code == 404
    cashier = company_a.employees["cashier"].id
    assert client.get(f"/api/v1/therapists/{cashier}/profile",
                      headers=headers).status_code == 404
    assert client.get(base, headers=api_token(company_a, "cashier")).status_code == 403


def test_another_tenants_therapist_is_404(client, auth, company_a, company_b):
    here, _ = _therapists(company_a)
    auth.login_as(company_b, "technical_director")
    assert client.get(f"/technical/profiles/{here}").status_code == 404


def test_landing_cards_count_what_waits_and_link_only_to_pages_that_exist(
        client, auth, company_a, app):
    with tenant_context(company_a.tenant_id):
        store, far = company_a.stores
        who = data.therapist(store, "801")
        away = data.therapist(far, "901")
        item = data.item()
        data.discipline(who, date(2026, 11, 1), status="pending")
        data.discipline(away, date(2026, 11, 1), status="pending")  # another store
        data.discipline(who, date(2026, 11, 2), status="approved")
        data.complaint(store, who)  # no investigation
        data.complaint(store, who, investigated=True)  # open investigation
        data.complaint(store, who, investigated=True, concluded=True, substantiated=False)
        today = date.today()
        data.exam(who, item, today - timedelta(days=3), "50.00", False)
        data.exam(who, item, today - timedelta(days=40), "50.00", False)  # too long ago
        data.training(who, data.local(today + timedelta(days=3), 10), status="planned")
        data.training(who, data.local(today + timedelta(days=20), 10), status="planned")
        newcomer = data.therapist(store, "803", status="onboarding")
        onboarding = Onboarding(employee_id=newcomer.id, status="open", started_on=today)
        db.session.add(onboarding)
        db.session.flush()
        db.session.add_all([
            ChecklistItem(employee_id=newcomer.id, onboarding_id=onboarding.id,
                          title="岗前培训", owner_department="technical"),
            ChecklistItem(employee_id=newcomer.id, onboarding_id=onboarding.id,
                          title="入职技师审核", owner_department="technical",
                          action="technical_review")])
        from app.blueprints.technical.models import AssessmentRun
        run = AssessmentRun(period_start=date(2026, 10, 1), period_end=date(2026, 10, 31))
        db.session.add(run)
        db.session.flush()
        db.session.add(SkillAssessment(run_id=run.id, employee_id=who.id, store_id=store.id,
                                       period_start=date(2026, 10, 1),
                                       period_end=date(2026, 10, 31),
                                       recommendation="promote", status="pending"))
        db.session.commit()
        who_id = who.id

    auth.login_as(company_a, "technical_supervisor")
    page = client.get("/technical/").get_data(as_text=True)

    def count(key):
        start = page.index(f'data-card="{key}"')
        chunk = page[start:page.index("</div>", page.index("data-count", start))]
        return int(chunk.rsplit(">", 1)[1])

    assert {key: count(key) for key in ("assessments", "investigations", "complaints",
                                        "trainings", "pre_job", "failed_exams",
                                        "discipline")} == {
        "assessments": 1, "investigations": 1, "complaints": 1, "trainings": 1,
        "pre_job": 1, "failed_exams": 1, "discipline": 1}
    # The roster's names open the profile.
    assert f'href="/technical/profiles/{who_id}"' in page
    # A card links only to a page this deployment has (other parts of the department
    # come on other branches): every link opens.
    cards = page[page.index('data-testid="technical-cards"'):page.index("therapist-roster")]
    for href in re.findall(r'href="([^"]+)"', cards):
        assert client.get(href).status_code == 200, href
    if "technical.discipline" not in app.view_functions:
        assert "/technical/discipline" not in cards


def test_list_and_landing_statements_do_not_grow_with_therapists(client, auth, company_a):
    store_ids = [store.id for store in company_a.stores]

    def add(start, count):
        with tenant_context(company_a.tenant_id):
            stores = [db.session.get(Store, store_id) for store_id in store_ids]
            for n in range(start, start + count):
                data.therapist(stores[n % 2], f"8{n:03d}")
            db.session.commit()

    auth.login_as(company_a, "technical_director")
    add(0, 2)
    few = (_statements(client, "/technical/profiles"), _statements(client, "/technical/"))
    add(2, 30)
    many = (_statements(client, "/technical/profiles"), _statements(client, "/technical/"))
    assert many == few


def test_list_shows_this_months_jobs(client, auth, company_a):
    from app.blueprints.hr.common import tenant_today

    with tenant_context(company_a.tenant_id):
        store = company_a.stores[0]
        who = data.therapist(store, "801")
        jobs = data.Jobs(store, data.item())
        today = tenant_today()
        jobs.add(who, today, "requested")
        jobs.add(who, today, "rotation")
        jobs.add(who, today, "rotation", status="returned")
        jobs.add(who, today.replace(day=1) - timedelta(days=1), "rotation")  # last month
        db.session.commit()
        who_id = who.id
    auth.login_as(company_a, "technical_supervisor")
    page = client.get("/technical/profiles").get_data(as_text=True)
    row = page[page.index(f'data-employee-id="{who_id}"'):]
    row = row[:row.index("</tr>")]
    assert re.search(r"data-completed>2<", row) and "50.0%" in row


def test_profile_links_the_latest_skill_assessment(client, auth, company_a):
    from app.blueprints.technical.models import AssessmentRun

    here, _there = _therapists(company_a)
    with tenant_context(company_a.tenant_id):
        run = AssessmentRun(period_start=date(2026, 10, 1), period_end=date(2026, 10, 31),
                            status="done")
        db.session.add(run)
        db.session.flush()
        assessment = SkillAssessment(run_id=run.id, employee_id=here,
                                     store_id=company_a.stores[0].id,
                                     period_start=run.period_start, period_end=run.period_end,
                                     recommendation="keep", status="no_action")
        db.session.add(assessment)
        db.session.commit()
        assessment_id = assessment.id
    auth.login_as(company_a, "technical_supervisor")
    page = client.get(f"/technical/profiles/{here}")
    assert page.status_code == 200
    assert f"/technical/assessments/{assessment_id}" in page.get_data(as_text=True)
