"""待我审批 of the general manager (/gm/inbox): exactly what waits for them in the one
approval flow, with who asked, amount, store and age; decided in place with a note;
their own request is not theirs to decide (separation of duties)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.blueprints.finance.models import EXPENSE_PENDING_FINANCE, EXPENSE_PENDING_GM, ExpenseClaim
from app.extensions import db
from app.models.approval import ApprovalDecision

pytestmark = pytest.mark.both_backends


def _claim(company, filed_by: str, amount: str, status: str = EXPENSE_PENDING_GM,
           store: int = 0) -> int:
    account = company.accounts[filed_by]
    claim = ExpenseClaim(store_id=company.stores[store].id, category="repairs",
                         amount=Decimal(amount), spent_on=date(2026, 11, 20),
                         description=f"{filed_by}的维修费", status=status,
                         requested_by_account_id=account.id,
                         claimant_employee_id=account.employee_id)
    db.session.add(claim)
    db.session.flush()
    return claim.id


def test_the_inbox_lists_exactly_what_waits_for_the_general_manager(
        client, auth, company_a, company_b, in_tenant):
    with in_tenant(company_a):
        theirs = _claim(company_a, "store_manager", "8000.00")
        own = _claim(company_a, "general_manager", "9000.00")
        at_finance = _claim(company_a, "store_manager", "7000.00", EXPENSE_PENDING_FINANCE)
        db.session.commit()
    with in_tenant(company_b):
        _claim(company_b, "store_manager", "6000.00")
        db.session.commit()
    auth.login_as(company_a, "general_manager")
    page = client.get("/gm/inbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-testid="waiting-expense-{theirs}"' in html
    # Their own claim waits for someone else; one at finance is not theirs yet.
    assert f"waiting-expense-{own}\"" not in html
    assert f"waiting-expense-{at_finance}\"" not in html
    assert 'data-testid="waiting-count">1<' in html
    assert "¥8,000.00" in html and "申请人" in html and "已等 0 天" in html
    assert company_a.stores[0].name in html
    assert f'href="/finance/expenses/{theirs}"' in html
    assert 'data-tab="gm.inbox"' in html
    # The same listing is finance's inbox: the finance manager sees the one at finance.
    auth.logout()
    auth.login_as(company_a, "finance_manager")
    html = client.get("/finance/inbox").get_data(as_text=True)
    assert f'data-testid="waiting-expense-{at_finance}"' in html
    assert f"waiting-expense-{theirs}\"" not in html


def test_deciding_in_place_with_a_note_and_not_ones_own(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        theirs = _claim(company_a, "store_manager", "8000.00")
        own = _claim(company_a, "general_manager", "9000.00")
        db.session.commit()
    auth.login_as(company_a, "general_manager")
    # A rejection of an expense needs a note: refused, nothing changed.
    refused = client.post(f"/gm/inbox/expense/{theirs}/decision",
                          data={"verdict": "rejected", "note": ""}, follow_redirects=True)
    assert "请填写驳回原因" in refused.get_data(as_text=True)
    # Their own claim: the flow refuses, nothing recorded.
    mine = client.post(f"/gm/inbox/expense/{own}/decision",
                       data={"verdict": "approved", "note": "自批"}, follow_redirects=True)
    assert "不能审批关于自己的申请" in mine.get_data(as_text=True)
    with in_tenant(company_a):
        assert db.session.get(ExpenseClaim, own).status == EXPENSE_PENDING_GM
        assert db.session.get(ExpenseClaim, theirs).status == EXPENSE_PENDING_GM
        assert db.session.query(ApprovalDecision).count() == 0
    done = client.post(f"/gm/inbox/expense/{theirs}/decision",
                       data={"verdict": "approved", "note": "同意维修"})
    assert done.status_code == 302 and done.location.endswith("/gm/inbox")
    with in_tenant(company_a):
        db.session.expire_all()
        assert db.session.get(ExpenseClaim, theirs).status != EXPENSE_PENDING_GM
        decision = db.session.query(ApprovalDecision).filter_by(object_id=theirs).one()
        assert (decision.note, decision.verdict) == ("同意维修", "approved")
    html = client.get("/gm/inbox").get_data(as_text=True)
    assert 'data-testid="nothing-waiting"' in html
    # Another tenant's (or no) request is a 404.
    assert client.post("/gm/inbox/expense/999999/decision",
                       data={"verdict": "approved"}).status_code == 404


def test_only_the_general_manager_and_owner_open_it(client, auth, company_a):
    auth.login_as(company_a, "finance_manager")
    assert client.get("/gm/inbox").status_code == 403
    auth.logout()
    auth.login_as(company_a, "store_manager")
    assert client.get("/gm/inbox").status_code == 403
    auth.logout()
    auth.login_as(company_a, "owner")
    assert client.get("/gm/inbox").status_code == 200


def test_the_api_lists_what_waits_for_me(client, company_a, in_tenant, api_token):
    with in_tenant(company_a):
        theirs = _claim(company_a, "store_manager", "8000.00")
        _claim(company_a, "general_manager", "9000.00")
        db.session.commit()
    body = client.get("/api/v1/approvals",
                      headers=api_token(company_a, "general_manager")).get_json()
    assert [(i["kind"], i["object_id"]) for i in body["items"]] == [("expense", theirs)]
