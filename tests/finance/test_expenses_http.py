"""费用报销 through the pages and the API: receipts (type by their bytes, size, count, who may
fetch them), decisions and payment, and the approval settings' thresholds."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select

from app.blueprints.finance import expenses as service
from app.blueprints.finance.models import ExpenseAttachment, ExpenseClaim
from app.extensions import db
from tests.conftest import AuthActions

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
PDF = b"%PDF-1.4\n%%EOF\n"
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8
HTML = b"<html><script>alert(1)</script></html>"
YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


def _form(company, **more):
    return {"store_id": str(company.store.id), "category": "repairs", "amount": "1,280.50",
            "spent_on": YESTERDAY, "description": "更换足浴盆加热管", "payee": "李师傅", **more}


def _claim(company, in_tenant, role="store_manager", store=None, amount="300.00"):
    with in_tenant(company):
        claim = service.submit({"store_id": (store or company.store).id, "category": "meals",
                                "amount": amount, "spent_on": YESTERDAY,
                                "description": "加班餐"}, company.accounts[role])
        db.session.commit()
        return claim.id


def test_phone_form_submits_with_receipts_typed_by_their_bytes(client, company_a, in_tenant):
    AuthActions(client).login_as(company_a, "store_manager")
    page = client.get(f"/finance/expenses/new?store_id={company_a.store.id}").get_data(True)
    assert 'accept="image/*,application/pdf"' in page and "capture" in page
    assert f'<option value="{company_a.store.id}" selected' in page
    response = client.post("/finance/expenses/new", data={
        **_form(company_a),
        "files": [(io.BytesIO(JPEG), "invoice.pdf"), (io.BytesIO(PDF), "发票.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(True)
    with in_tenant(company_a):
        claim = db.session.scalars(select(ExpenseClaim)).one()
        assert (str(claim.amount), claim.status) == ("1280.50", "pending_finance")
        files = db.session.scalars(select(ExpenseAttachment).order_by(ExpenseAttachment.id))
        assert [(a.filename, a.content_type) for a in files] == [
            ("invoice.jpg", "image/jpeg"), ("发票.pdf", "application/pdf")]
        first = db.session.scalars(select(ExpenseAttachment.id)).first()
    detail = client.get(response.location).get_data(True)
    assert "¥1,280.50" in detail and "<img" in detail
    got = client.get(f"/finance/expenses/{claim.id}/attachments/{first}")
    assert got.status_code == 200 and got.data == JPEG
    assert got.headers["Content-Type"] == "image/jpeg"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"].startswith("inline")


def test_a_renamed_page_a_big_file_and_a_sixth_receipt_are_refused(client, company_a,
                                                                   in_tenant):
    AuthActions(client).login_as(company_a, "store_manager")
    response = client.post("/finance/expenses/new", data={
        **_form(company_a), "files": [(io.BytesIO(HTML), "receipt.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'data-field-error="file"' in response.get_data(True)
    with in_tenant(company_a):
        assert db.session.scalar(select(ExpenseClaim.id)) is None  # nothing kept
    claim_id = _claim(company_a, in_tenant)
    big = PNG + b"\x00" * (5 * 1024 * 1024)
    client.post(f"/finance/expenses/{claim_id}/attachments",
                data={"files": [(io.BytesIO(big), "big.png")]},
                content_type="multipart/form-data")
    for n in range(6):
        client.post(f"/finance/expenses/{claim_id}/attachments",
                    data={"files": [(io.BytesIO(WEBP), f"{n}.webp")]},
                    content_type="multipart/form-data")
    with in_tenant(company_a):
        sizes = db.session.scalars(select(ExpenseAttachment.size).where(
            ExpenseAttachment.expense_id == claim_id)).all()
    assert sizes == [len(WEBP)] * 5


def test_receipts_only_to_those_who_see_the_claim(client, company_a, company_b, in_tenant):
    theirs = _claim(company_a, in_tenant, role="owner", store=company_a.stores[1])
    with in_tenant(company_a):
        claim = db.session.get(ExpenseClaim, theirs)
        from app.blueprints.finance.expense_attachments import add_attachment
        receipt = add_attachment(claim, company_a.accounts["owner"], "a.png", PNG).id
        db.session.commit()
    mine = _claim(company_a, in_tenant)
    auth = AuthActions(client)
    auth.login_as(company_a, "store_manager")  # of the first store only
    assert client.get(f"/finance/expenses/{theirs}").status_code == 404
    assert client.get(f"/finance/expenses/{theirs}/attachments/{receipt}").status_code == 404
    # Another claim's id in the path does not reach the receipt either.
    assert client.get(f"/finance/expenses/{mine}/attachments/{receipt}").status_code == 404
    auth.logout()
    auth.login_as(company_b, "owner")
    assert client.get(f"/finance/expenses/{theirs}/attachments/{receipt}").status_code == 404
    auth.logout()
    auth.login_as(company_a, "finance_manager")
    assert client.get(f"/finance/expenses/{theirs}/attachments/{receipt}").data == PNG
    auth.logout()
    auth.login_as(company_a, "hr_staff")  # head office, neither theirs nor finance
    assert client.get(f"/finance/expenses/{theirs}").status_code == 404


def test_decide_and_pay_on_the_pages(client, company_a, in_tenant):
    claim_id = _claim(company_a, in_tenant, role="logistics_head", amount="6000.00")
    auth = AuthActions(client)
    steps = (("store_manager", "pending_finance"), ("finance_manager", "pending_gm"),
             ("general_manager", "approved"))
    for role, after in steps:
        auth.login_as(company_a, role)
        page = client.get(f"/finance/expenses/{claim_id}").get_data(True)
        assert 'data-testid="decide"' in page, role
        client.post(f"/finance/expenses/{claim_id}/approve", data={"note": "同意"})
        with in_tenant(company_a):
            assert db.session.get(ExpenseClaim, claim_id).status == after
        auth.logout()
    auth.login_as(company_a, "finance_manager")
    page = client.get(f"/finance/expenses/{claim_id}").get_data(True)
    assert 'data-testid="expense-pay"' in page and "总经理审批" in page
    client.post(f"/finance/expenses/{claim_id}/pay")
    listing = client.get("/finance/expenses?status=paid").get_data(True)
    assert "已付款 ¥6,000.00" in listing


def test_api_round_trip(client, company_a, api_token):
    manager = api_token(company_a, "store_manager")
    bad = client.post("/api/v1/expenses", headers=manager, json={
        "store_id": company_a.store.id, "category": "meals", "amount": "12.345",
        "spent_on": YESTERDAY, "description": "餐费"})
    assert bad.status_code == 422 and list(bad.get_json()["error"]["fields"]) == ["amount"]
    created = client.post("/api/v1/expenses", headers=manager, json={
        "store_id": company_a.store.id, "category": "meals", "amount": "88.00",
        "spent_on": YESTERDAY, "description": "餐费"})
    assert created.status_code == 201, created.get_json()
    claim = created.get_json()
    assert (claim["status"], claim["amount"]) == ("pending_finance", "88.00")
    attached = client.post(f"/api/v1/expenses/{claim['id']}/attachments", headers=manager,
                           data={"file": (io.BytesIO(PNG), "r.png")},
                           content_type="multipart/form-data")
    assert attached.status_code == 201, attached.get_json()
    refused = client.post(f"/api/v1/expenses/{claim['id']}/attachments", headers=manager,
                          data={"file": (io.BytesIO(HTML), "r.png")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "file" in refused.get_json()["error"]["fields"]
    got = client.get(f"/api/v1/expenses/{claim['id']}/attachments/"
                     f"{attached.get_json()['id']}", headers=manager)
    assert got.data == PNG and got.headers["Content-Type"] == "image/png"
    finance = api_token(company_a, "finance_manager")
    self_refused = client.post(f"/api/v1/expenses/{claim['id']}/approve", headers=manager,
                               json={})
    assert self_refused.status_code == 422
    rejected = client.post(f"/api/v1/expenses/{claim['id']}/reject", headers=finance, json={})
    assert rejected.status_code == 422
    approved = client.post(f"/api/v1/expenses/{claim['id']}/approve", headers=finance,
                           json={"note": "ok"})
    assert approved.get_json()["status"] == "approved"
    paid = client.post(f"/api/v1/expenses/{claim['id']}/pay", headers=finance)
    assert paid.get_json()["status"] == "paid"
    listed = client.get("/api/v1/expenses?status=paid", headers=finance).get_json()
    assert [c["id"] for c in listed["items"]] == [claim["id"]]


def test_threshold_settings_page_and_api_accept_only_registered_names(client, company_a,
                                                                     api_token, in_tenant):
    auth = AuthActions(client)
    auth.login_as(company_a, "owner")
    page = client.get("/approvals").get_data(True)
    assert 'name="threshold-expense_gm"' in page and 'value="5000.00"' in page
    client.post("/approvals/settings", data={"threshold-expense_gm": "8000"})
    assert 'value="8000.00"' in client.get("/approvals").get_data(True)
    owner = api_token(company_a, "owner")
    wrong = client.put("/api/v1/approvals/settings", headers=owner, json={
        "one_person_office": False, "thresholds": {"expense_gm": "100", "lunch": "5"}})
    assert wrong.status_code == 422
    assert list(wrong.get_json()["error"]["fields"]) == ["thresholds.lunch"]
    right = client.put("/api/v1/approvals/settings", headers=owner, json={
        "one_person_office": False, "thresholds": {"expense_gm": "100"}})
    assert right.get_json()["thresholds"]["expense_gm"] == "100.00"


def test_the_list_reads_a_fixed_number_of_statements(client, company_a, in_tenant):
    from app.models import Store
    from tests.hr.test_query_budget import count_statements

    def statements() -> int:
        db.session.expunge_all()
        with count_statements() as seen:
            assert client.get("/finance/expenses").status_code == 200
        return len(seen)

    _claim(company_a, in_tenant, role="owner")
    AuthActions(client).login_as(company_a, "finance_manager")
    before = statements()
    with in_tenant(company_a):
        for n in range(4):
            store = Store(code=f"L{n}", name=f"新店{n}", city="广州", address="路", status="open")
            db.session.add(store)
            db.session.flush()
            for category in ("rent", "meals", "travel"):
                db.session.add(ExpenseClaim(store_id=store.id, category=category,
                                            amount=100, spent_on=date.today(),
                                            description="x", status="paid"))
        db.session.commit()
    assert statements() == before
