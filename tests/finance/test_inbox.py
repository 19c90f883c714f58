"""待我审核: what waits for the finance manager, grouped by kind with amount, store and
age; deciding from the inbox goes through the approval flow (its rules hold)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.blueprints.hr.models import PayrollRun
from app.blueprints.hr.payroll.lifecycle import KIND, transition
from app.extensions import db
from app.models.approval import ApprovalDecision
from tests.finance import pnl_data as data


def _submitted_run(company, status="draft"):
    run = data.run(date(2026, 10, 1), status)
    data.payslip(run, company.employees["therapist"], company.stores[0].id, "5000.00")
    run.employee_count, run.total_net = 1, Decimal("5000.00")
    db.session.flush()
    transition(run, "submit", actor=company.accounts["hr_manager"])
    return run


def test_inbox_shows_what_waits_for_the_finance_manager(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        run_id = _submitted_run(company_a).id
        db.session.commit()
    auth.login_as(company_a, "finance_manager")
    html = client.get("/finance/inbox").get_data(as_text=True)
    assert f'data-testid="waiting-{KIND}-{run_id}"' in html
    assert "工资表" in html and "¥5,000.00" in html and "总部" in html
    assert 'data-testid="waiting-count">1<' in html
    assert 'data-total="waiting">1<' in client.get("/finance/").get_data(as_text=True)
    # The HR manager who submitted it has nothing to decide here.
    auth.logout()
    auth.login_as(company_a, "hr_manager")
    assert client.get("/finance/inbox").status_code == 403


def test_deciding_from_the_inbox_goes_through_the_flow(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        run = _submitted_run(company_a)
        run_id, kind = run.id, KIND
        db.session.commit()
    auth.login_as(company_a, "finance_manager")
    # A rejection of a run needs a note: refused, nothing changed.
    refused = client.post(f"/finance/inbox/{kind}/{run_id}/decision",
                          data={"verdict": "rejected", "note": ""}, follow_redirects=True)
    assert refused.status_code == 200
    with in_tenant(company_a):
        assert db.session.get(PayrollRun, run_id).status == "submitted"
    done = client.post(f"/finance/inbox/{kind}/{run_id}/decision",
                       data={"verdict": "approved", "note": "复核无误"})
    assert done.status_code == 302 and done.location.endswith("/finance/inbox")
    with in_tenant(company_a):
        db.session.expire_all()
        assert db.session.get(PayrollRun, run_id).status == "reviewed"
        decision = db.session.query(ApprovalDecision).filter_by(object_id=run_id).one()
        assert decision.note == "复核无误"
    # Now it waits for the general manager, not for finance any more.
    html = client.get("/finance/inbox").get_data(as_text=True)
    assert 'data-testid="nothing-waiting"' in html
    auth.logout()
    auth.login_as(company_a, "general_manager")
    assert f"/{run_id}/decision" in client.get("/finance/inbox").get_data(as_text=True)
    # Another tenant's request is a 404.
    assert client.post(f"/finance/inbox/{kind}/999999/decision",
                       data={"verdict": "approved"}).status_code == 404
