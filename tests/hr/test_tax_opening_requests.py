"""个税期初 change only through an approved request (issue 9 §1).

Whoever holds ``payroll.settings`` (HR manager, finance manager, owner) used to
write a tax opening balance at once.  Now filing leaves what is on file; someone
else with ``employee.change_approve`` (the HR manager or the owner) decides it;
approval writes the balance once, audited; rejection keeps it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import approvals
from app.blueprints.hr import pay_settings, tax_opening
from app.blueprints.hr.common import HrError
from app.blueprints.hr.models import TaxOpeningBalance, TaxOpeningRequest
from app.extensions import db
from app.models import AuditEntry, Employee


def _employee(company, role) -> Employee:
    return db.session.get(Employee, company.employees[role].id)


def _balances(employee_id: int) -> list[tuple]:
    return [(r.year, r.cumulative_taxable, r.cumulative_tax)
            for r in pay_settings.opening_balances(employee_id)]


def _audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def test_a_finance_manager_files_the_balance_stays_until_the_hr_manager_approves(
        company_a, in_tenant):
    with in_tenant(company_a):
        therapist = _employee(company_a, "therapist")
        pay_settings.set_opening_balance(therapist, 2026, "1000.00", "10.00")
        finance = company_a.accounts["finance_manager"]
        row = tax_opening.file_request(therapist, 2026, "17000.00", "210.00", actor=finance)
        db.session.commit()
        assert row.status == "pending"
        assert _balances(therapist.id) == [(2026, Decimal("1000.00"), Decimal("10.00"))]
        # The filer may not decide it, though finance holds no employee.change_approve
        # anyway; the HR manager may.
        assert not approvals.may_decide(tax_opening.KIND, row, finance)
        hr_manager = company_a.accounts["hr_manager"]
        assert approvals.may_decide(tax_opening.KIND, row, hr_manager)
        tax_opening.approve_request(row, actor=hr_manager)
        db.session.commit()
        assert row.status == "approved" and row.decided_by_account_id == hr_manager.id
        assert _balances(therapist.id) == [(2026, Decimal("17000.00"), Decimal("210.00"))]
        entry = _audits("tax.opening_balance")[-1]
        assert entry.before == {"cumulative_taxable": "1000.00", "cumulative_tax": "10.00"}
        assert entry.after["cumulative_taxable"] == "17000.00"
        assert entry.actor_account_id == hr_manager.id
        # Exactly once: a decided request is not decided again.
        with pytest.raises(HrError):
            tax_opening.approve_request(row, actor=company_a.accounts["owner"])
        db.session.rollback()
        assert len(_audits("tax.opening_balance")) == 2  # the fixture write + the approval
        assert db.session.scalar(select(func.count()).select_from(TaxOpeningBalance)) == 1


def test_the_hr_manager_cannot_approve_their_own_request_the_owner_can(company_a, in_tenant):
    with in_tenant(company_a):
        therapist = _employee(company_a, "therapist")
        hr_manager = company_a.accounts["hr_manager"]
        row = tax_opening.file_request(therapist, 2026, "5000.00", "30.00", actor=hr_manager)
        db.session.commit()
        with pytest.raises(HrError) as refused:
            tax_opening.approve_request(row, actor=hr_manager)
        assert "自己" in refused.value.message
        db.session.rollback()
        assert row.status == "pending" and _balances(therapist.id) == []
        tax_opening.approve_request(row, actor=company_a.accounts["owner"])
        db.session.commit()
        assert _balances(therapist.id) == [(2026, Decimal("5000.00"), Decimal("30.00"))]


def test_nobody_decides_a_request_about_themselves(company_a, in_tenant):
    with in_tenant(company_a):
        row = tax_opening.file_request(_employee(company_a, "hr_manager"), 2026, "5000.00",
                                       "30.00", actor=company_a.accounts["finance_manager"])
        db.session.commit()
        with pytest.raises(HrError):
            tax_opening.approve_request(row, actor=company_a.accounts["hr_manager"])
        db.session.rollback()
        assert _balances(company_a.employees["hr_manager"].id) == []


def test_rejection_keeps_what_is_on_file(company_a, in_tenant):
    with in_tenant(company_a):
        therapist = _employee(company_a, "therapist")
        pay_settings.set_opening_balance(therapist, 2026, "1000.00", "10.00")
        row = tax_opening.file_request(therapist, 2026, "99999.00", "0.00",
                                       actor=company_a.accounts["finance_manager"])
        tax_opening.reject_request(row, actor=company_a.accounts["hr_manager"], note="数字不对")
        db.session.commit()
        assert row.status == "rejected" and row.decision_note == "数字不对"
        assert _balances(therapist.id) == [(2026, Decimal("1000.00"), Decimal("10.00"))]
        assert [e.after["note"] for e in _audits("tax.opening_reject")] == ["数字不对"]


def test_bad_amounts_and_a_second_pending_request_are_refused(company_a, in_tenant):
    with in_tenant(company_a):
        therapist = _employee(company_a, "therapist")
        finance = company_a.accounts["finance_manager"]
        with pytest.raises(HrError) as bad:
            tax_opening.file_request(therapist, 2026, "100.00", "200.00", actor=finance)
        assert "cumulative_tax" in bad.value.fields
        tax_opening.file_request(therapist, 2026, "100.00", "0.00", actor=finance)
        with pytest.raises(HrError) as twice:
            tax_opening.file_request(therapist, 2026, "200.00", "0.00", actor=finance)
        assert "year" in twice.value.fields


def test_the_page_files_and_only_a_decider_gets_the_buttons(client, auth, company_a,
                                                            in_tenant):
    employee_id = company_a.employees["therapist"].id
    auth.login_as(company_a, "finance_manager")
    response = client.post(f"/hr/employees/{employee_id}/tax-opening", data={
        "year": "2026", "cumulative_taxable": "17000.00", "cumulative_tax": "210.00"})
    assert response.status_code == 302
    with in_tenant(company_a):
        assert _balances(employee_id) == []
        request_id = db.session.scalar(select(TaxOpeningRequest.id))
    # The filer holds no employee.change_approve: the approve URL is refused.
    assert client.post(f"/hr/tax-opening/{request_id}/approve").status_code == 403
    auth.logout()
    auth.login_as(company_a, "hr_staff")  # sees the section, decides nothing
    page = client.get(f"/hr/employees/{employee_id}").get_data(as_text=True)
    assert 'data-testid="tax-section"' in page
    assert f"/hr/tax-opening/{request_id}/approve" not in page
    auth.logout()
    auth.login_as(company_a, "hr_manager")
    page = client.get(f"/hr/employees/{employee_id}").get_data(as_text=True)
    assert f'data-tax-request-id="{request_id}"' in page
    assert f"/hr/tax-opening/{request_id}/approve" in page
    assert client.post(f"/hr/tax-opening/{request_id}/approve").status_code == 302
    with in_tenant(company_a):
        assert _balances(employee_id) == [(2026, Decimal("17000.00"), Decimal("210.00"))]


def test_the_page_does_not_let_the_hr_manager_approve_their_own(client, auth, company_a,
                                                                in_tenant):
    employee_id = company_a.employees["therapist"].id
    auth.login_as(company_a, "hr_manager")
    client.post(f"/hr/employees/{employee_id}/tax-opening", data={
        "year": "2026", "cumulative_taxable": "17000.00", "cumulative_tax": "210.00"})
    with in_tenant(company_a):
        request_id = db.session.scalar(select(TaxOpeningRequest.id))
    page = client.get(f"/hr/employees/{employee_id}").get_data(as_text=True)
    assert f"/hr/tax-opening/{request_id}/approve" not in page
    client.post(f"/hr/tax-opening/{request_id}/approve")
    with in_tenant(company_a):
        assert _balances(employee_id) == []
        assert db.session.get(TaxOpeningRequest, request_id).status == "pending"


def test_the_api_files_and_the_approvals_endpoint_decides(client, company_a, in_tenant,
                                                          api_token):
    employee_id = company_a.employees["therapist"].id
    finance = api_token(company_a, "finance_manager")
    filed = client.post(f"/api/v1/employees/{employee_id}/tax-opening-requests", headers=finance,
                        json={"year": 2026, "cumulative_taxable": "17000.00",
                              "cumulative_tax": "210.00"})
    assert filed.status_code == 201, filed.get_json()
    body = filed.get_json()
    assert body["status"] == "pending" and body["cumulative_taxable"] == "17000.00"
    bad = client.post(f"/api/v1/employees/{employee_id}/tax-opening-requests", headers=finance,
                      json={"year": 2026, "cumulative_taxable": "1.00",
                            "cumulative_tax": "2.00"})
    assert bad.status_code == 422
    with in_tenant(company_a):
        assert _balances(employee_id) == []
    # A store manager may not file one.
    refused = client.post(f"/api/v1/employees/{employee_id}/tax-opening-requests",
                          headers=api_token(company_a, "store_manager"),
                          json={"year": 2026, "cumulative_taxable": "1.00",
                                "cumulative_tax": "0.00"})
    assert refused.status_code == 403
    hr_manager = api_token(company_a, "hr_manager")
    listed = client.get("/api/v1/approvals", headers=hr_manager).get_json()["items"]
    assert [(i["kind"], i["object_id"]) for i in listed if i["kind"] == "tax_opening"] == [
        ("tax_opening", body["id"])]
    decided = client.post(f"/api/v1/approvals/tax_opening/{body['id']}/decision",
                          headers=hr_manager, json={"verdict": "approved"})
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["status"] == "approved"
    with in_tenant(company_a):
        assert _balances(employee_id) == [(2026, Decimal("17000.00"), Decimal("210.00"))]
    again = client.post(f"/api/v1/approvals/tax_opening/{body['id']}/decision",
                        headers=hr_manager, json={"verdict": "rejected", "note": "x"})
    assert again.status_code == 422


def test_it_waits_in_the_deciders_inbox_only(company_a, in_tenant, client, auth):
    with in_tenant(company_a):
        own = tax_opening.file_request(_employee(company_a, "therapist"), 2026, "100.00", "0.00",
                                       actor=company_a.accounts["hr_manager"])
        other = tax_opening.file_request(_employee(company_a, "cashier"), 2026, "100.00",
                                         "0.00", actor=company_a.accounts["finance_manager"])
        db.session.commit()
        found = {(w.kind.name, w.obj.id)
                 for w in approvals.waiting_for(company_a.accounts["hr_manager"])}
        assert ("tax_opening", other.id) in found and ("tax_opening", own.id) not in found
        owner_found = {(w.kind.name, w.obj.id)
                       for w in approvals.waiting_for(company_a.accounts["owner"])}
        assert {("tax_opening", own.id), ("tax_opening", other.id)} <= owner_found
        assert not [w for w in approvals.waiting_for(company_a.accounts["finance_manager"])
                    if w.kind.name == "tax_opening"]
    auth.login_as(company_a, "hr_manager")
    page = client.get("/approvals").get_data(as_text=True)
    assert "个税期初" in page
    response = client.post(f"/approvals/tax_opening/{other.id}/decision",
                           data={"verdict": "approved"})
    assert response.status_code == 302
    with in_tenant(company_a):
        assert _balances(company_a.employees["cashier"].id) == [
            (2026, Decimal("100.00"), Decimal("0.00"))]


def test_a_pending_request_can_be_withdrawn_and_then_filed_again(client, company_a, in_tenant,
                                                                  api_token, auth):
    employee_id = company_a.employees["therapist"].id
    finance = api_token(company_a, "finance_manager")
    body = client.post(f"/api/v1/employees/{employee_id}/tax-opening-requests", headers=finance,
                       json={"year": 2026, "cumulative_taxable": "1.00",
                             "cumulative_tax": "0.00"}).get_json()
    cancelled = client.post(f"/api/v1/employees/tax-opening-requests/{body['id']}/cancel",
                            headers=finance)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    decided = client.post(f"/api/v1/approvals/tax_opening/{body['id']}/decision",
                          headers=api_token(company_a, "hr_manager"), json={"verdict": "approved"})
    assert decided.status_code == 422  # no longer waits
    auth.login_as(company_a, "hr_manager")
    assert client.post(f"/hr/employees/{employee_id}/tax-opening", data={
        "year": "2026", "cumulative_taxable": "2.00", "cumulative_tax": "0.00"}).status_code == 302
    with in_tenant(company_a):
        second = db.session.scalar(select(TaxOpeningRequest).where(
            TaxOpeningRequest.status == "pending"))
        assert second.cumulative_taxable == Decimal("2.00") and _balances(employee_id) == []
    assert client.post(f"/hr/tax-opening/{second.id}/cancel").status_code == 302
    with in_tenant(company_a):
        assert db.session.get(TaxOpeningRequest, second.id).status == "cancelled"
        assert len(_audits("tax.opening_cancel")) == 2
