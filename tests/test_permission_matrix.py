"""Every endpoint of the URL map against the org chart: holders get in, the rest get 403.

The org chart is written here once more, by permission (``HOLDERS``), from
PRODUCT.md and specs/tenancy.md — not read from app/permissions.py — so that a
change of who may do what is made on purpose in both places, and a new
permission fails the first test until it has its row.  The answer each role
gets from each endpoint then follows from the permission its view names
(``required_permission``, see app/permissions.py): a new endpoint is covered
the moment it exists.  The public endpoints are pinned by name.

Calling every endpoint as all 20 roles would be ~7,000 requests; each endpoint
is called instead by one role that holds its permission (a store-scoped one
when there is one, in its own store) and by one that does not, the roles
rotating over the endpoints so every role is exercised.
"""

from __future__ import annotations

from app.permissions import PERMISSIONS, ROLES, SELF, STORE, role_has
from tests.conftest import AuthActions
from tests.factories import PASSWORD, otp_code
from tests.walk_data import snapshot_tenant
from tests.walk_objects import seed_objects

EVERYONE = frozenset(ROLES)
HEAD_OFFICE_STAFF = frozenset({"owner", "general_manager", "finance_manager", "finance_staff",
                               "hr_manager", "hr_staff", "service_manager",
                               "technical_director", "logistics_head"})
DESK = frozenset({"store_manager", "supervisor", "foreman", "cashier", "dispatcher",
                  "receptionist", "greeter"})
SUPERVISORS = frozenset({"technical_supervisor", "trainee_supervisor"})
HR = frozenset({"owner", "hr_manager"})
SHIFT_LEADS = frozenset({"owner", "store_manager", "supervisor", "foreman"})

HOLDERS: dict[str, frozenset[str]] = {
    "account.self": EVERYONE,
    "self.view": EVERYONE,
    "org.view": EVERYONE - {"cleaner", "therapist"},
    "org.manage": frozenset({"owner", "general_manager", "logistics_head"}),
    "employee.view": HEAD_OFFICE_STAFF - {"finance_manager", "finance_staff"} | SUPERVISORS
    | {"store_manager", "supervisor", "foreman"},
    "employee.manage": HR | {"hr_staff"},
    "employee.onboard": HR | {"hr_staff"},
    # HR staff file a resignation; the HR manager decides it (app/approvals.py).
    "employee.offboard": HR | {"hr_staff"},
    "employee.view_personal": HR | {"hr_staff", "general_manager", "store_manager"},
    "employee.reveal_sensitive": HR | {"hr_staff"},
    "approvals.settings": frozenset({"owner"}),
    "security.manage": frozenset({"owner"}),
    # The desk's minutes (退钟时限, 提前下钟须填原因 …) hold for every store of the company.
    "store.settings": frozenset({"owner", "general_manager"}),
    "account.manage": HR,
    "permissions.view": HR | {"general_manager"},
    "audit.view": HR | {"general_manager", "finance_manager"},
    "job.view": HEAD_OFFICE_STAFF,
    "job.run": HR | {"general_manager", "finance_manager", "technical_director",
                             "service_manager"},
    "gm.dashboard": frozenset({"owner", "general_manager"}),
    "finance.view": frozenset({"owner", "general_manager", "finance_manager", "finance_staff"}),
    # Expenses: the store manager, then finance, then the GM above the threshold.
    "expense.submit": HEAD_OFFICE_STAFF | {"store_manager"},
    "expense.approve_store": frozenset({"owner", "store_manager"}),
    "expense.review": frozenset({"owner", "finance_manager"}),
    "expense.approve": frozenset({"owner", "general_manager"}),
    "expense.pay": frozenset({"owner", "finance_manager"}),
    "budget.manage": frozenset({"owner", "finance_manager"}),
    "pnl.view": frozenset({"owner", "general_manager", "finance_manager", "finance_staff"}),
    "payroll.run": HR,
    "payroll.review": frozenset({"owner", "finance_manager"}),
    "payroll.approve": frozenset({"owner", "general_manager"}),
    "payroll.pay": frozenset({"owner", "finance_manager"}),
    "payroll.view": HR | {"hr_staff", "general_manager", "finance_manager", "finance_staff"},
    "payroll.settings": HR | {"finance_manager"},
    "employee.change_approve": HR,
    "items.issue": frozenset({"owner", "logistics_head"}),
    "schedule.manage": SHIFT_LEADS | {"hr_manager", "hr_staff"},
    "attendance.view": SHIFT_LEADS | {"hr_manager", "hr_staff", "general_manager"},
    "attendance.record": SHIFT_LEADS | {"hr_manager", "hr_staff"},
    "attendance.kiosk": SHIFT_LEADS | {"cashier", "receptionist"},
    "attendance.lock": HR,
    "leave.approve": HR | {"store_manager"},
    "leave.approve_long": HR,
    "reward.manage": HR | {"hr_staff", "store_manager"},
    "reward.approve": HR,
    "hr.view": HR | {"hr_staff", "general_manager"},
    "service.view": frozenset({"owner", "general_manager", "service_manager"}),
    "technical.view": frozenset({"owner", "general_manager", "technical_director"}) | SUPERVISORS,
    "therapist.assess": frozenset({"owner", "technical_director", "technical_supervisor"}),
    "technical.settings": frozenset({"owner", "technical_director"}),
    "training.manage": frozenset({"owner", "technical_director"}) | SUPERVISORS,
    # specs/skill-assessment.md: supervisors, store managers or the technical department.
    # HR records them too (it keeps 奖惩), and so may still make a 主管 (app/duties.py).
    "discipline.record": HR | {"hr_staff", "technical_director", "store_manager",
                               "supervisor"} | SUPERVISORS,
    "discipline.approve": frozenset({"owner", "technical_director", "hr_manager"}),
    "technique.propose": frozenset({"owner", "technical_director"}) | SUPERVISORS,
    "technique.approve": frozenset({"owner", "technical_director"}),
    "logistics.view": frozenset({"owner", "general_manager", "logistics_head", "store_manager"}),
    # specs/asset-count.md: counted in the store, closed by the store manager or the
    # logistics head, reviewed by finance.
    "asset.manage": frozenset({"owner", "logistics_head"}),
    "asset_count.count": SHIFT_LEADS | {"logistics_head"},
    "asset_count.close": frozenset({"owner", "general_manager", "logistics_head",
                                    "store_manager"}),
    "asset_count.review": frozenset({"owner", "finance_manager"}),
    "stock.manage": frozenset({"owner", "logistics_head"}),
    "stock.requisition": SHIFT_LEADS | {"logistics_head"},
    "purchase.request": frozenset({"owner", "logistics_head", "store_manager"}),
    "purchase.approve": frozenset({"owner", "logistics_head"}),
    # Anyone working in a store reports a broken basin, the cleaner too.
    "maintenance.report": DESK | {"owner", "logistics_head", "cleaner"},
    "maintenance.manage": frozenset({"owner", "logistics_head", "store_manager"}),
    "dorm.manage": frozenset({"owner", "logistics_head"}),
    "target.manage": frozenset({"owner", "general_manager"}),
    "report.view": frozenset({"owner", "general_manager", "finance_manager", "service_manager",
                              "store_manager"}),
    "sop.manage": frozenset({"owner", "service_manager"}),
    "inspection.manage": frozenset({"owner", "service_manager"}),
    "inspection.follow_up": frozenset({"owner", "store_manager", "supervisor"}),
    "evaluation.manage": frozenset({"owner", "service_manager"}),
    "satisfaction.request": frozenset({"owner", "service_manager"}),
    "satisfaction.answer": frozenset({"owner", "store_manager"}),
    "disinfection.record": frozenset({"owner", "store_manager", "supervisor", "foreman",
                                      "cleaner"}),
    "disinfection.view": frozenset({"owner", "general_manager", "service_manager",
                                    "store_manager", "supervisor"}),
    "care.manage": frozenset({"owner", "store_manager"}),
    "store.view": DESK | {"owner", "general_manager", "cleaner"},
    "room.status": SHIFT_LEADS | {"receptionist", "cleaner"},
    "dispatch.assign": SHIFT_LEADS | {"dispatcher"},
    "order.create": SHIFT_LEADS | {"cashier", "receptionist", "greeter"},
    "order.checkout": frozenset({"owner", "store_manager", "supervisor", "cashier"}),
    "order.refund_approve": frozenset({"owner", "store_manager"}),
    "closing.run": frozenset({"owner", "store_manager", "cashier"}),
    "closing.reopen": frozenset({"owner", "store_manager"}),
    "dispatch.view_log": DESK | SUPERVISORS | {"owner", "general_manager", "technical_director",
                                               "therapist"},
    "board.clock_in": SHIFT_LEADS | {"dispatcher", "therapist"},
    "catalogue.manage": frozenset({"owner", "general_manager", "finance_manager"}),
    "customer.view": DESK | {"owner", "general_manager", "service_manager"},
    "customer.view_contact": frozenset({"owner", "general_manager", "service_manager",
                                        "store_manager"}),
    "customer.view_in_service": frozenset({"owner", "store_manager", "supervisor", "foreman",
                                           "cashier", "dispatcher", "receptionist"}),
    "customer.manage": DESK - {"dispatcher"} | {"owner"},
    "reservation.manage": SHIFT_LEADS | {"receptionist", "greeter"},
    "card.sell": frozenset({"owner", "store_manager", "supervisor", "cashier"}),
    "card.settlement": frozenset({"owner", "general_manager", "finance_manager",
                                  "finance_staff"}),
    "feedback.record": SHIFT_LEADS | {"cashier", "receptionist"},
    "complaint.manage": frozenset({"owner", "general_manager", "service_manager",
                                   "technical_director", "store_manager", "supervisor"}),
}

# Endpoints anyone may call without logging in.  Adding one is a decision: make it here.
PUBLIC_ENDPOINTS = {
    "static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui",
    "main.index", "main.health", "main.set_language",
    "auth.login", "auth.signup", "api_auth.create_token", "api_signup.signup",
    "platform.login",
    # The second step of a log-in with TOTP: it needs the first step's half-done session.
    "auth.login_code",
    # The guest confirms an add-on with the 192-bit QR token printed for them (no login).
    "store.addon_confirm",
}
# rq-dashboard's own views carry no attribute; its guard answers 404 (tests/platform).
NOT_WALKED_PREFIX = ("rq_dashboard.",)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Views that check more than their permission, by the state of the object: a holder
# may still be refused (403) there.
SECOND_CHECKS = {
    "hr.payroll_reopen": "who may send a run back depends on its state (payroll.may_reopen)",
    "api_payroll.reopen_run": "the same rule over the API",
    # Checklist work is shared by the roles that hold a checklist's items
    # (hr.checklists.can_work_on_checklists): a cashier or a receptionist holds none.
    "hr.checklist_item_tick": "only the roles that hold checklist items",
    "hr.offboarding_detail": "only the roles that hold checklist items",
    # A leave or overtime request is cancelled by its person or an approver of the store
    # (hr.time.leave._may_cancel): a shift lead who may read it may not cancel it.
    "api_attendance.cancel_leave_request": "only the person or an approver",
    "api_attendance.cancel_overtime_request": "only the person or an approver",
    # A guest's history needs their contact or an open order of theirs in the caller's
    # store (store/customer_privacy.py sees_contact): a greeter holds customer.view only.
    "api_customers.customer_history": "only with the guest's contact or an open order",
}
# The last calls of the holders' pass: they end the caller's session.
SESSION_ENDERS = ("auth.logout",)


def test_the_org_chart_by_permission_is_the_one_the_app_enforces():
    assert len(ROLES) == 20
    assert set(HOLDERS) == set(PERMISSIONS), "every permission needs its row in HOLDERS"
    enforced = {p: frozenset(r for r in ROLES if role_has(r, p)) for p in PERMISSIONS}
    assert {p: set(r) for p, r in enforced.items()} == {p: set(r) for p, r in HOLDERS.items()}


def test_the_public_endpoints_are_exactly_the_pinned_ones(app):
    public = {endpoint for endpoint, view in app.view_functions.items()
              if not endpoint.startswith(NOT_WALKED_PREFIX)
              and getattr(view, "required_permission", None) is None}
    assert public == PUBLIC_ENDPOINTS


def _guarded_calls(app, ids):
    """(endpoint, method, url, permission) for every guarded rule of the URL map."""
    calls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.startswith(NOT_WALKED_PREFIX):
            continue
        permission = app.view_functions[rule.endpoint].required_permission
        url = rule.build({arg: ids[arg] for arg in rule.arguments}, append_unknown=False)[1]
        for method in METHODS:
            if method in rule.methods:
                calls.append((rule.endpoint, method, url, permission))
    calls.sort(key=lambda call: call[0] in SESSION_ENDERS)
    return calls


def _store_roles_first(roles):
    local = [r for r in roles if ROLES[r].scope in (STORE, SELF)]
    return sorted(local) or sorted(roles)


class Sessions:
    """One logged-in web client and one API token per role, made when first needed."""

    def __init__(self, app, company):
        self.app, self.company, self._clients = app, company, {}

    def open_all(self):
        for role in ROLES:
            self._login(role)
        return self

    def _login(self, role):
        if role not in self._clients:
            client = self.app.test_client()
            login = {"company": self.company.code, "username": self.company.username(role),
                     "password": PASSWORD}
            # The owner has a second factor: the code step on the page, ``otp`` on the API.
            assert AuthActions(client).login(self.company.code, login["username"]
                                             ).status_code == 302, role
            if role == "owner":
                login["otp"] = otp_code()
            token = client.post("/api/v1/auth/token", json=login).get_json()["token"]
            self._clients[role] = (client, {"Authorization": f"Bearer {token}"})

    def call(self, role, method, url):
        self._login(role)
        client, headers = self._clients[role]
        if url.startswith("/api/"):
            return client.open(url, method=method, headers=headers,
                               json={} if method in ("POST", "PUT", "PATCH") else None)
        return client.open(url, method=method, data={} if method != "GET" else None)


def test_every_endpoint_answers_each_role_by_its_permission(app, company_a):
    """Non-holders first (403, and nothing changes), then holders (never 403 nor 500)."""
    # Platform pages name a tenant: tenant users must not learn they exist (404).
    ids = {**seed_objects(company_a), "tenant_id": company_a.tenant_id}
    sessions = Sessions(app, company_a).open_all()  # log-ins write: before the snapshot
    calls = _guarded_calls(app, ids)
    assert len(calls) >= 300  # the walk must not silently shrink

    before = snapshot_tenant(company_a.tenant_id)
    wrong, exercised = [], set()
    for i, (_endpoint, method, url, permission) in enumerate(calls):
        if permission == "platform.admin":
            outsider, expected = sorted(ROLES)[i % len(ROLES)], 404
        else:
            lacking = sorted(set(ROLES) - HOLDERS[permission])
            if not lacking:
                continue
            outsider, expected = lacking[i % len(lacking)], 403
        exercised.add(outsider)
        status = sessions.call(outsider, method, url).status_code
        if status != expected:
            wrong.append((outsider, method, url, permission, status))
    assert wrong == [], "\n".join(map(str, wrong))
    assert snapshot_tenant(company_a.tenant_id).changed_since(before) == {}

    for i, (endpoint, method, url, permission) in enumerate(calls):
        if permission == "platform.admin":
            continue
        holders = _store_roles_first(HOLDERS[permission])
        holder = holders[i % len(holders)]
        exercised.add(holder)
        status = sessions.call(holder, method, url).status_code
        if status in (401, 403, 500) and not (status == 403 and endpoint in SECOND_CHECKS):
            wrong.append((holder, method, url, permission, status))
    assert wrong == [], "\n".join(map(str, wrong))
    assert exercised == set(ROLES)
