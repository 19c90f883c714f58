"""A company set up end to end through the API alone (issue 10 §1): sign-up, the owner's
two-step verification, a store and its rooms, the head office and the store's people with
their logins, pay settings and a 个税期初 (tax opening balance), shift templates, a
month's schedule in one bulk call, the catalogue and the therapists' qualifications,
punches from the clock device, leave, a reward, a day at the front desk (check-in →
轮钟/点钟/退钟 → 下钟 → 收银), a card sale, and the month's payroll computed, submitted
(HR), reviewed (finance) and approved (the general manager) — then one therapist's payslip
checked against a calculation by hand.

Nothing is written to the database but through HTTP; the test reads only the clock
(``utcnow``) and the owner's TOTP code (``factories.otp_code``).

The month: service jobs can only be made now, so the payroll month is the month of the
current business day B (营业日, from 06:00, the default start).  Days of the month before B
are worked, with punches imported from the clock device; B and later are rest days (排休)
except one personal-leave day L (the month's last day, or B − 1 when B is the last day), so
the figures below hold whatever the date; only the number of days worked (A) varies.
"""

from __future__ import annotations

import calendar
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from app.models.base import utcnow
from tests import factories

CST = ZoneInfo("Asia/Shanghai")  # a new company's time zone
CENT = Decimal("0.01")


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# 个税 cumulative withholding (累计预扣法): (cumulative taxable up to, rate, quick deduction).
TAX_TABLE = ((36000, "0.03", 0), (144000, "0.10", 2520), (300000, "0.20", 16920),
             (420000, "0.25", 31920), (660000, "0.30", 52920), (960000, "0.35", 85920),
             (None, "0.45", 181920))


def cumulative_tax(cum_taxable: Decimal) -> Decimal:
    for ceiling, rate, quick in TAX_TABLE:
        if ceiling is None or cum_taxable <= ceiling:
            return cum_taxable * Decimal(rate) - quick
    raise AssertionError("unreachable")


class Api:
    """The test client with one bearer token; every call must answer ``status``."""

    def __init__(self, client, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, url: str, body=None, status=(200, 201, 202)):
        response = self.client.open(f"/api/v1{url}", method=method, json=body,
                                    headers=self.headers)
        statuses = status if isinstance(status, tuple) else (status,)
        assert response.status_code in statuses, (method, url, response.status_code,
                                                  response.get_json())
        return response.get_json()

    def get(self, url, **kwargs):
        return self.call("GET", url, **kwargs)

    def post(self, url, body=None, **kwargs):
        return self.call("POST", url, body, **kwargs)

    def put(self, url, body=None, **kwargs):
        return self.call("PUT", url, body, **kwargs)

    def patch(self, url, body=None, **kwargs):
        return self.call("PATCH", url, body, **kwargs)


def login(client, company: str, username: str, password: str) -> Api:
    response = client.post("/api/v1/auth/token", json={
        "company": company, "username": username, "password": password})
    assert response.status_code == 201, response.get_json()
    return Api(client, response.get_json()["token"])


@pytest.mark.both_backends  # dates, business days and money sums
def test_a_company_set_up_through_the_api_reaches_an_approved_payroll_month(app, client):
    now = utcnow().astimezone(CST)
    business_date = (now - timedelta(hours=6)).date()  # 营业日 B
    first = business_date.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    month = f"{first:%Y-%m}"
    leave_day = last if last > business_date else business_date - timedelta(days=1)
    worked = [first + timedelta(days=n) for n in range((business_date - first).days)
              if first + timedelta(days=n) != leave_day]

    # -- sign-up and the owner's two-step verification ---------------------------------
    signed = client.post("/api/v1/signup", json={
        "company": "qingshan", "name": "青山足道", "username": "boss",
        "password": factories.PASSWORD, "owner_name": "林总"})
    assert signed.status_code == 201, signed.get_json()
    owner = Api(client, signed.get_json()["token"])
    secret = owner.post("/auth/totp")["secret"]
    owner.post("/auth/totp/confirm", {"code": factories.otp_code(secret)})

    # -- the store, its rooms, the posts ------------------------------------------------
    store = owner.post("/stores", {"code": "QS01", "name": "青山·体育西店", "city": "广州",
                                   "address": "体育西路 1 号", "opens_at": "11:00",
                                   "closes_at": "02:00"})
    rooms = [owner.post(f"/stores/{store['id']}/rooms",
                        {"number": f"10{n}", "type": "single", "beds": 1})["id"]
             for n in (1, 2, 3, 4)]
    positions = {p["role"]: p["id"] for p in owner.get("/positions")}

    # -- the head office: GM, HR, finance, with their logins -----------------------------
    def hire(api: Api, number: str, name: str, role: str, store_id=None, **fields) -> int:
        return api.post("/employees", {
            "employee_no": number, "name": name, "phone": f"1380000{number}",
            "store_id": store_id, "position_id": positions[role], "status": "active",
            "hire_date": fields.pop("hire_date", "2025-03-01"), **fields})["id"]

    def open_login(api: Api, employee_id: int, username: str) -> Api:
        issued = api.post("/accounts", {"employee_id": employee_id, "username": username})
        return login(client, "qingshan", username, issued["initial_password"])

    gm = open_login(owner, hire(owner, "0001", "周总经理", "general_manager"), "zhou")
    hr = open_login(owner, hire(owner, "0002", "吴人事", "hr_manager"), "wu")
    finance = open_login(owner, hire(owner, "0003", "郑财务", "finance_manager"), "zheng")

    # -- pay settings (HR) ------------------------------------------------------------------
    senior = hr.post("/therapist-levels", {"name": "高级", "commission_multiplier": "1.2",
                                           "rank": 2})
    profile = hr.post("/pay-profiles", {
        "name": "技师", "position_id": positions["therapist"], "monthly_base": "8000.00",
        "overtime_eligible": False, "commission": True, "card_sale_rate": "0.03",
        "meal_allowance_per_day": "20.00", "full_attendance_bonus": "300.00"})
    assert (profile["position_id"], profile["monthly_base"]) == (positions["therapist"],
                                                                 "8000.00")
    policy = hr.put("/payroll/policy", {"housing_fund_rate": "0.07"})
    assert (policy["housing_fund_rate"], policy["pay_days_per_month"]) == ("0.07", "21.75")

    # -- the store's people (HR), logins for the manager and a therapist -------------------
    cert = {"health_cert_no": "粤卫健 001", "health_cert_expires_on": (
        business_date + timedelta(days=365)).isoformat()}
    manager_id = hire(hr, "1001", "王店长", "store_manager", store["id"])
    # 陈 joined last year; 李 joins on the 1st of this month.
    therapist_id = hire(hr, "8801", "陈技师", "therapist", store["id"], gender="female",
                        hire_date=f"{first.year - 1}-06-01", level_id=senior["id"], **cert)
    colleague_id = hire(hr, "8802", "李技师", "therapist", store["id"], gender="male",
                        hire_date=first.isoformat(), **cert)
    # The store manager's role has permissions HR lacks: the owner opens that login.
    manager = open_login(owner, manager_id, "wang")
    therapist = open_login(hr, therapist_id, "chen")
    assert hr.get(f"/employees/{therapist_id}")["pay_profile_id"] is None  # the post's
    # 个税期初: what 陈 earned and had withheld this year before Muzu (finance files, the HR
    # manager approves); none in January.
    months = first.month
    opening_taxable, opening_tax = Decimal(9000) * (months - 1), Decimal(30) * (months - 1)
    balances = f"/employees/{therapist_id}/tax-opening-balances"
    assert hr.get(balances) == []
    if months > 1:
        filed = finance.post(f"/employees/{therapist_id}/tax-opening-requests", {
            "year": first.year, "cumulative_taxable": f"{opening_taxable:.2f}",
            "cumulative_tax": f"{opening_tax:.2f}"})
        decided = hr.post(f"/employees/tax-opening-requests/{filed['id']}/approve", {})
        assert decided["status"] == "approved"
        assert hr.get(balances) == [{"year": first.year,
                                     "cumulative_taxable": f"{opening_taxable:.2f}",
                                     "cumulative_tax": f"{opening_tax:.2f}"}]

    # -- the catalogue (head office) and who may do what ---------------------------------
    foot = owner.post("/service-items", {
        "code": "ZL60", "name": "足疗 60 分钟", "category": "foot", "duration_minutes": 60,
        "price": "128.00", "commission_rotation": "40.00", "commission_requested": "50.00",
        "is_active": True})
    for person in (therapist_id, colleague_id):
        held = gm.put(f"/employees/{person}/qualifications", {"service_item_ids": [foot["id"]]})
        assert held["service_item_ids"] == [foot["id"]]

    # -- shifts and the month's schedule: one bulk call, then published week by week -------
    early = manager.post("/shift-templates", {"store_id": store["id"], "name": "早班",
                                              "starts_at": "10:00", "ends_at": "18:00"})
    days = [first + timedelta(days=n) for n in range(last.day)]
    entries = [{"employee_id": person, "date": day.isoformat(),
                "shift_template_id": early["id"] if day in worked or day == leave_day
                else None, "is_rest": not (day in worked or day == leave_day)}
               for person in (therapist_id, colleague_id) for day in days]
    planned = manager.post("/schedules/bulk", {"store_id": store["id"], "entries": entries})
    assert planned == {"created": 2 * last.day, "updated": 0, "cleared": 0, "unchanged": 0}
    for monday in sorted({day - timedelta(days=day.weekday()) for day in days}):
        manager.post("/schedules/publish", {"store_id": store["id"], "week": monday.isoformat()})

    # -- punches from the clock device (past days only), leave, a reward -----------------
    rows = [{"employee_no": number, "kind": kind, "device_id": "ZK-01",
             "at": datetime.combine(day, moment, CST).isoformat(),
             "device_record_id": f"{number}-{day:%d}-{kind}"}
            for number in ("8801", "8802") for day in worked
            for kind, moment in (("in", time(9, 55)), ("out", time(18, 5)))]
    if rows:
        imported = manager.post("/clock-records/import", {"records": rows})
        assert (imported["created"], imported["errors"]) == (len(rows), [])
    leave = therapist.post("/leave-requests", {"kind": "personal",
                                               "starts_on": leave_day.isoformat(),
                                               "reason": "家里有事"})
    assert manager.post(f"/leave-requests/{leave['id']}/approve")["status"] == "approved"
    reward = manager.post("/rewards", {"employee_id": therapist_id, "kind": "reward",
                                       "amount": "100.00", "effective_on": first.isoformat(),
                                       "reason": "客人表扬"})
    assert hr.post(f"/rewards/{reward['id']}/approve")["status"] == "approved"

    # -- a day at the front desk ---------------------------------------------------------
    # Today is a rest day in the schedule above (the month's figures must not depend on
    # today's punches), so 上牌 asks for the rest-day confirmation first.
    for person in (therapist_id, colleague_id):  # 上牌: 陈 first in the queue, then 李
        asked = manager.post(f"/stores/{store['id']}/board/clock-in",
                             {"therapist_id": person}, status=422)
        assert "confirm_rest_day" in asked["error"]["fields"]
        manager.post(f"/stores/{store['id']}/board/clock-in",
                     {"therapist_id": person, "confirm_rest_day": True})

    def check_in(room: int, therapist_no: str = "") -> dict:
        order = manager.post(f"/stores/{store['id']}/orders", {
            "party_size": 1, "room_id": room,
            "services": [{"service_item_id": foot["id"], "therapist_no": therapist_no}]})
        assert order["business_date"] == business_date.isoformat()
        return order

    def dispatch(order: dict, **how) -> dict:
        return manager.post(f"/order-lines/{order['lines'][0]['id']}/assign", how)

    def finish_and_pay(order: dict, job: dict) -> None:
        # Finished at once, long before the planned end: 提前下钟 must give a reason.
        early = manager.post(f"/service-jobs/{job['id']}/finish", {}, status=422)
        assert "reason" in early["error"]["fields"]
        manager.post(f"/service-jobs/{job['id']}/finish", {"reason": "客人赶时间"})
        paid = manager.post(f"/orders/{order['id']}/checkout", {"payments": [
            {"method": "wechat", "amount": "128.00", "reference": f"WX{order['id']}"}]})
        assert paid["status"] == "paid", paid

    first_order = check_in(rooms[0])
    job = dispatch(first_order, mode="rotation")  # 轮钟: the head of the queue
    assert (job["therapist_id"], job["job_type"]) == (therapist_id, "rotation")
    finish_and_pay(first_order, job)
    second = check_in(rooms[1])
    job = dispatch(second, mode="rotation")  # 陈 went to the tail: 李
    assert job["therapist_id"] == colleague_id
    finish_and_pay(second, job)
    requested = check_in(rooms[2], "8801")
    job = dispatch(requested, mode="requested", therapist_no="8801")  # 点钟
    assert (job["therapist_id"], job["job_type"]) == (therapist_id, "requested")
    finish_and_pay(requested, job)
    returned = check_in(rooms[3])
    job = dispatch(returned, mode="rotation")
    assert job["therapist_id"] == therapist_id
    swap = manager.post(f"/service-jobs/{job['id']}/return", {"reason": "客人要求换技师"})
    assert swap["returned"]["status"] == "returned"
    assert swap["replacement"]["therapist_id"] == colleague_id  # 退钟: no commission for 陈
    finish_and_pay(returned, swap["replacement"])

    guest = manager.post("/customers", {"name": "赵女士", "phone": "13900001111"})
    card = manager.post("/cards", {"customer_id": guest["id"], "store_id": store["id"],
                                   "kind": "stored_value", "amount": "1000.00",
                                   "payment_method": "wechat",
                                   "sold_by_employee_id": therapist_id})  # 售卡人
    assert card["status"] == "active"

    # -- the payroll month: computed (RQ inline), submitted, reviewed, approved ------------
    started = hr.post("/payroll/runs", {"month": month}, status=202)
    run_id = started["run"]["id"]
    run = finance.get(f"/payroll/runs/{run_id}")
    assert (run["status"], run["employee_count"]) == ("draft", 2), run
    slips = hr.get(f"/payroll/runs/{run_id}/payslips")["items"]
    slip = next(s for s in slips if s["employee_id"] == therapist_id)

    # By hand (specs/payroll.md).  On staff the whole month: the month's base less one day
    # of personal leave at 8000 / 21.75 a day.
    base = money(Decimal("8000") - Decimal("8000") / Decimal("21.75"))  # 7632.18
    commission = money(Decimal("40.00") * Decimal("1.2") + Decimal("50.00") * Decimal("1.2"))
    meal = money(Decimal("20.00") * len(worked))
    rewards = Decimal("100.00")
    card_commission = money(Decimal("1000.00") * Decimal("0.03"))  # 售卡提成 at the profile's 3%
    gross = base + commission + card_commission + meal + rewards  # no bonus: leave breaks it
    social = money(8000 * Decimal("0.08")) + money(8000 * Decimal("0.02")) \
        + money(8000 * Decimal("0.005")) + money(8000 * Decimal("0.07"))  # 1400.00
    taxable = gross - social
    # Employed here every month of the year so far: 5,000 deductible for each.
    cum_taxable = max(Decimal(0), opening_taxable + taxable - 5000 * months)
    tax = max(Decimal("0.00"), money(cumulative_tax(cum_taxable) - opening_tax))
    net = gross - social - tax
    assert (base, commission, social) == (Decimal("7632.18"), Decimal("108.00"),
                                          Decimal("1400.00"))
    expected = {"base": base, "commission": commission, "card_commission": card_commission,
                "meal": meal,
                "full_attendance_bonus": Decimal("0.00"), "rewards": rewards,
                "late_deduction": Decimal("0.00"), "gross": gross, "si_total": social,
                "taxable": taxable, "cum_taxable": cum_taxable, "iit": tax, "net": net}
    assert {name: Decimal(slip[name]) for name in expected} == expected, slip["detail"]
    assert slip["detail"]["jobs"]["rotation"] == 1 and slip["detail"]["jobs"]["requested"] == 1

    url = f"/payroll/runs/{run_id}"
    assert hr.post(f"{url}/submit")["status"] == "submitted"
    assert finance.post(f"{url}/review")["status"] == "reviewed"
    approved = gm.post(f"{url}/approve")
    assert approved["status"] == "approved" and Decimal(approved["total_net"]) > net
    own = therapist.get("/me/payslips")
    assert [(s["month"], s["net"]) for s in own] == [(month, f"{net:.2f}")]
