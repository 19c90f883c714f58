"""The first promise of the product: another tenant's object is not found (404).

The walk takes EVERY route of the app and the API that carries an id, fills it
with tenant A's ids, and calls it with every method as tenant B's owner (who
holds every permission): each call must answer 404 and change nothing.  A new
route with an id argument the walk does not know fails the test until it is
added to ``ids_of`` below.
"""

from datetime import UTC
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.jobs.models import JobRecord
from app.models import ApiToken, AuditEntry
from app.security import hash_token
from app.tenancy import tenant_context
from tests.conftest import AuthActions
from tests.factories import PASSWORD, otp_code

# Routes whose id is not a tenant object, or that are cross-tenant by design
# (platform operators; tenant users get 404 there anyway, tested in tests/platform).
# store.addon_confirm takes the guest's QR token (a 192-bit secret, no login by
# design), not an id: tests/store/test_dispatch_views.py covers it.
NOT_TENANT_IDS = {"static", "main.set_language", "store.addon_confirm"}
PLATFORM_PREFIX = ("platform.", "rq_dashboard.")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def ids_of(company_a) -> dict[str, int]:
    """One real object of tenant A for every id argument the app's routes take."""
    with tenant_context(company_a.tenant_id):
        job = JobRecord(kind="jobs.fail_abandoned", params={})
        token = ApiToken(account_id=company_a.accounts["cashier"].id, name="A 的令牌",
                         token_hash=hash_token("walk-token"), prefix="mz_walk")
        db.session.add_all([job, token])
        db.session.flush()
        desk = _front_desk_objects(company_a)
        hr = _hr_objects(company_a)
        db.session.commit()
        return {
            "store_id": company_a.stores[0].id,
            "room_id": company_a.rooms[0].id,
            "employee_id": company_a.employees["therapist"].id,
            "account_id": company_a.accounts["cashier"].id,
            "job_id": job.id,
            "token_id": token.id,
            **{name: obj.id for name, obj in desk.items()},
            **{name: obj.id for name, obj in hr.items()},
        }


def _hr_objects(company_a) -> dict:
    """One of every HR object of tenant A: file, checklists, changes, time, payroll."""
    from datetime import date, datetime, time, timedelta
    from decimal import Decimal

    from app.blueprints.hr import models as h
    from app.models import PayProfile, TherapistLevel

    store = company_a.stores[0]
    person = company_a.employees["therapist"]
    day = date(2026, 11, 2)
    starts = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    level = TherapistLevel(name="金牌", commission_multiplier=Decimal("1.2"))
    profile = PayProfile(name="技师薪资", monthly_base=Decimal("3000.00"))
    template = h.ChecklistTemplate(kind="onboarding", name="技师入职")
    shift = h.ShiftTemplate(store_id=store.id, name="早班", starts_at=time(10), ends_at=time(18))
    db.session.add_all([level, profile, template, shift])
    db.session.flush()
    onboarding = h.Onboarding(employee_id=person.id, template_id=template.id, started_on=day)
    offboarding = h.Offboarding(employee_id=person.id, last_day=day + timedelta(days=30))
    run = h.PayrollRun(month=date(2026, 10, 1), scope="all")
    db.session.add_all([onboarding, offboarding, run])
    db.session.flush()
    zero = Decimal("0.00")
    money = dict.fromkeys((
        "base", "overtime", "commission", "card_commission", "meal", "full_attendance_bonus",
        "rewards", "fines", "late_deduction", "adjustment", "gross", "si_pension",
        "si_medical", "si_unemployment", "si_housing_fund", "si_total", "taxable",
        "cum_income", "cum_deductible", "cum_taxable", "cum_tax", "iit", "net"), zero)
    objects = {
        "template_item_id": h.ChecklistTemplateItem(template_id=template.id, title="身份证复印件"),
        "checklist_item_id": h.ChecklistItem(employee_id=person.id, onboarding_id=onboarding.id,
                                             title="身份证复印件"),
        "issued_item_id": h.IssuedItem(employee_id=person.id, name="工服", issued_on=day),
        "change_id": h.EmployeeChange(employee_id=person.id, kind="transfer", effective_on=day,
                                      new_store_id=company_a.stores[1].id),
        "schedule_entry_id": h.ScheduleEntry(employee_id=person.id, store_id=store.id,
                                             work_date=day, shift_template_id=shift.id,
                                             starts_at=starts, ends_at=starts + timedelta(hours=8)),
        "clock_id": h.ClockRecord(employee_id=person.id, store_id=store.id, kind="in", at=starts),
        "leave_id": h.LeaveRequest(employee_id=person.id, store_id=store.id, kind="personal",
                                   starts_on=day, ends_on=day, days=Decimal("1")),
        "overtime_id": h.OvertimeRequest(employee_id=person.id, store_id=store.id, work_date=day,
                                         hours=Decimal("2")),
        "sheet_id": h.AttendanceSheet(store_id=store.id, month=date(2026, 11, 1)),
        "reward_id": h.RewardPenalty(employee_id=person.id, store_id=store.id, kind="reward",
                                     amount=Decimal("100.00"), effective_on=day),
        "payslip_id": h.Payslip(run_id=run.id, employee_id=person.id, month=run.month,
                                store_id=store.id, **money),
    }
    db.session.add_all(objects.values())
    db.session.flush()
    return {
        **objects, "template_id": template, "onboarding_id": onboarding,
        "offboarding_id": offboarding, "shift_id": shift, "run_id": run,
        "pay_profile_id": profile, "therapist_level_id": level,
    }


def _front_desk_objects(company_a) -> dict:
    """A visit of tenant A with one of every front-desk object (in store 1)."""
    from datetime import timedelta
    from decimal import Decimal

    from app.blueprints.store import models as m
    from app.blueprints.store import orders
    from app.models.base import utcnow
    from tests.store.helpers import make_catalogue, make_therapists

    store = company_a.stores[0]
    items = make_catalogue()
    therapist = make_therapists(store.id, 1, qualified=[items["foot"]])[0]
    customer = m.Customer(name="张女士", phone="13800001111", phone_tail="1111")
    db.session.add(customer)
    db.session.flush()
    order = orders.open_order(store.id, room_id=company_a.rooms[0].id, customer_id=customer.id)
    line = orders.add_service_line(order, items["foot"].id)
    now = utcnow()
    service_job = m.ServiceJob(store_id=store.id, business_day_id=order.business_day_id,
                               order_id=order.id, order_line_id=line.id,
                               therapist_id=therapist.id, room_id=order.room_id,
                               job_type="rotation", started_at=now,
                               planned_end_at=now + timedelta(minutes=60))
    entry = m.BoardEntry(business_day_id=order.business_day_id, store_id=store.id,
                         therapist_id=therapist.id, position=1)
    card = m.MemberCard(card_no="A0001", customer_id=customer.id, kind="stored_value",
                        issued_store_id=store.id)
    db.session.add_all([service_job, entry, card])
    db.session.flush()
    payment = m.Payment(store_id=store.id, order_id=order.id,
                        business_day_id=order.business_day_id, method="cash",
                        amount=Decimal("10.00"))
    refund = m.Refund(store_id=store.id, order_id=order.id, amount=Decimal("10.00"),
                      method="cash", reason="测试")
    feedback = m.Feedback(store_id=store.id, order_id=order.id, job_id=service_job.id,
                          therapist_id=therapist.id, rating=5)
    reservation = m.Reservation(store_id=store.id, name="李先生", phone="13900002222",
                                starts_at=now + timedelta(hours=2))
    db.session.add_all([payment, refund, feedback, reservation])
    db.session.flush()
    complaint = m.ComplaintCase(store_id=store.id, order_id=order.id, description="水温太烫",
                                feedback_id=feedback.id)
    db.session.add(complaint)
    db.session.flush()
    return {
        "business_day_id": db.session.get(m.BusinessDay, order.business_day_id),
        "order_id": order, "line_id": line, "service_job_id": service_job,
        "entry_id": entry, "customer_id": customer, "card_id": card,
        "reservation_id": reservation, "refund_id": refund, "payment_id": payment,
        "feedback_id": feedback, "complaint_id": complaint,
        "service_item_id": items["foot"], "product_id": items["tea"],
        "level_id": items["gold"],
    }


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


def _audit_count(company) -> int:
    with tenant_context(company.tenant_id):
        return db.session.scalar(select(func.count(AuditEntry.id)))


def test_every_id_route_answers_404_for_another_tenants_ids(app, company_a, company_b):
    ids = ids_of(company_a)
    # Make the rules below the store's rooms consistent: room 0 belongs to store 0.
    intruder = app.test_client()
    assert AuthActions(intruder).login(company_b.code, "owner").status_code == 302
    token = intruder.post("/api/v1/auth/token", json={
        "company": company_b.code, "username": "owner", "password": PASSWORD,
        "otp": otp_code()}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    audit_before = _audit_count(company_a)

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
    assert _audit_count(company_a) == audit_before  # nothing happened to tenant A
    report = Path("test-artifacts")
    report.mkdir(exist_ok=True)
    (report / "isolation-walk.txt").write_text(f"{rules} routes, {calls} calls, all 404\n")
    print(f"\nisolation walk: {rules} id-carrying routes, {calls} calls, all 404")
    assert rules >= 30  # the walk must not silently shrink


def test_the_same_routes_find_the_objects_for_their_own_tenant(app, company_a, company_b):
    """Proves the ids used above are real: tenant A's owner can GET each of them."""
    ids = ids_of(company_a)
    owner = app.test_client()
    AuthActions(owner).login(company_a.code, "owner")
    token = owner.post("/api/v1/auth/token", json={
        "company": company_a.code, "username": "owner", "password": PASSWORD,
        "otp": otp_code()}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    missing = []
    for rule in _walked_rules(app):
        if "GET" not in rule.methods or any(arg not in ids for arg in rule.arguments):
            continue
        url = rule.build({arg: ids[arg] for arg in rule.arguments}, append_unknown=False)[1]
        response = _call(owner, "GET", url, headers)
        if response.status_code == 404:
            missing.append(url)
    assert missing == []
