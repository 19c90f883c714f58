"""新项目: a supervisor proposes, the director decides through the approval flow, an
approved proposal becomes a draft service item that is never sold until head office
releases it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import approvals
from app.blueprints.store import catalogue, orders
from app.blueprints.store.models import ServiceItem
from app.blueprints.store.order_lines import _priced_items
from app.blueprints.store.orders import OrderError
from app.blueprints.technical import proposals as service
from app.blueprints.technical.models import TechniqueProposal
from app.extensions import db
from app.models import AuditEntry
from app.models.approval import ApprovalDecision
from app.tenancy import tenant_context
from tests.conftest import AuthActions

GOOD = {"name": "艾草温灸足疗", "category": "foot", "process": "泡脚 15 分钟，艾灸涌泉穴",
        "duration_minutes": "70", "materials": "艾条、温灸盒", "price_idea": "158",
        "rationale": "冬季客人需求"}


def test_propose_validates_each_field(company_a, in_tenant):
    with in_tenant(company_a):
        supervisor = company_a.accounts["technical_supervisor"]
        with pytest.raises(service.ProposalError) as error:
            service.propose({**GOOD, "name": " ", "category": "hair", "process": "",
                             "duration_minutes": "4", "price_idea": "-1"}, supervisor)
        assert set(error.value.fields) == {"name", "category", "process", "duration_minutes",
                                           "price_idea"}
        assert db.session.scalar(select(func.count(TechniqueProposal.id))) == 0
        proposal = service.propose({**GOOD, "price_idea": ""}, supervisor)
        assert (proposal.status, proposal.store_id, proposal.price_idea,
                proposal.duration_minutes) == ("pending", company_a.store.id, None, 70)
        director = service.propose(GOOD, company_a.accounts["technical_director"])
        assert director.store_id is None and director.price_idea == Decimal("158.00")


def test_approved_proposal_is_a_draft_item_not_sold_until_released(company_a, in_tenant):
    with in_tenant(company_a):
        proposal = service.propose(GOOD, company_a.accounts["technical_supervisor"])
        director = company_a.accounts["technical_director"]
        service.approve(proposal, director, "可以试点")
        item = db.session.get(ServiceItem, proposal.service_item_id)
        assert (proposal.status, proposal.decided_by_account_id) == ("approved", director.id)
        assert (item.code, item.name, item.is_draft, item.is_active, item.price,
                item.commission_rotation, item.duration_minutes) == (
            f"NEW-{proposal.id}", "艾草温灸足疗", True, False, Decimal("158.00"),
            Decimal("0.00"), 70)
        assert db.session.scalar(select(ApprovalDecision.verdict).where(
            ApprovalDecision.kind == service.KIND)) == "approved"
        # The desk never offers it: not priced for an order, refused on a line.
        order = orders.open_order(company_a.store.id, room_id=company_a.rooms[0].id)
        assert _priced_items(company_a.store.id, [item.id]) == {}
        with pytest.raises(OrderError):
            orders.add_service_line(order, item.id)
        # It cannot be switched on by the edit form: only 发布.
        with pytest.raises(catalogue.CatalogueError) as error:
            catalogue.update_service_item(item, is_active=True)
        assert list(error.value.fields) == ["is_active"]
        catalogue.update_service_item(item, commission_rotation="45", commission_requested="55")
        catalogue.release_draft_item(item)
        assert (item.is_draft, item.is_active) == (False, True)
        assert orders.add_service_line(order, item.id).unit_price == Decimal("158.00")
        with pytest.raises(catalogue.CatalogueError):
            catalogue.release_draft_item(item)  # not a draft any more


def test_a_draft_with_no_price_is_not_released(company_a, in_tenant):
    with in_tenant(company_a):
        proposal = service.propose({**GOOD, "price_idea": None},
                                   company_a.accounts["technical_supervisor"])
        service.approve(proposal, company_a.accounts["technical_director"])
        item = db.session.get(ServiceItem, proposal.service_item_id)
        assert item.price == Decimal("0.00")
        with pytest.raises(catalogue.CatalogueError) as error:
            catalogue.release_draft_item(item)
        assert list(error.value.fields) == ["price"]


def test_nobody_decides_their_own_proposal(company_a, in_tenant):
    with in_tenant(company_a):
        director = company_a.accounts["technical_director"]
        own = service.propose(GOOD, director)
        assert not approvals.may_decide(service.KIND, own, director)
        with pytest.raises(service.ProposalError) as error:
            service.approve(own, director)
        assert list(error.value.fields) == ["status"]
        assert own.status == "pending" and own.service_item_id is None
        # The owner decides the director's proposal; a supervisor never decides.
        supervisor = company_a.accounts["technical_supervisor"]
        assert not approvals.may_decide(service.KIND, own, supervisor)
        assert approvals.may_decide(service.KIND, own, company_a.accounts["owner"])
        assert own in [w.obj for w in approvals.waiting_for(company_a.accounts["owner"])]
        assert own not in [w.obj for w in approvals.waiting_for(director)]
        with pytest.raises(approvals.InputError):
            service.reject(own, company_a.accounts["owner"], "")  # a rejection says why
        service.reject(own, company_a.accounts["owner"], "成本太高")
        assert (own.status, own.decision_note, own.service_item_id) == ("rejected", "成本太高",
                                                                       None)


def test_the_proposer_withdraws_while_pending(company_a, in_tenant):
    with in_tenant(company_a):
        supervisor = company_a.accounts["technical_supervisor"]
        proposal = service.propose(GOOD, supervisor)
        with pytest.raises(service.ProposalError):
            service.cancel(proposal, company_a.accounts["trainee_supervisor"])
        service.cancel(proposal, supervisor)
        assert proposal.status == "cancelled"
        with pytest.raises(service.ProposalError):
            service.approve(proposal, company_a.accounts["technical_director"])
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.object_type == service.KIND).order_by(AuditEntry.id)).all()
        assert actions == ["technique_proposal.propose", "technique_proposal.cancel"]


def _login(app, company, role):
    client = app.test_client()
    AuthActions(client).login_as(company, role)
    return client


def test_pages_propose_decide_in_place_and_release_on_the_catalogue(app, company_a):
    supervisor = _login(app, company_a, "technical_supervisor")
    assert supervisor.get("/technical/proposals").status_code == 200
    form = {**GOOD, "procedure": GOOD["process"]}
    refused = supervisor.post("/technical/proposals/new", data={**form, "duration_minutes": "x"})
    assert refused.status_code == 422
    assert 'data-field-error="duration_minutes"' in refused.get_data(as_text=True)
    created = supervisor.post("/technical/proposals/new", data=form)
    assert created.status_code == 302
    with tenant_context(company_a.tenant_id):
        proposal_id = db.session.scalar(select(TechniqueProposal.id))
    page = supervisor.get(f"/technical/proposals/{proposal_id}").get_data(as_text=True)
    assert 'data-testid="decide"' not in page
    assert supervisor.post(f"/technical/proposals/{proposal_id}/approve").status_code == 403
    director = _login(app, company_a, "technical_director")
    page = director.get(f"/technical/proposals/{proposal_id}").get_data(as_text=True)
    assert 'data-testid="decide"' in page
    assert director.post(f"/technical/proposals/{proposal_id}/approve",
                         data={"note": "试点"}).status_code == 302
    with tenant_context(company_a.tenant_id):
        item_id = db.session.scalar(select(TechniqueProposal.service_item_id))
    assert item_id is not None
    manager = _login(app, company_a, "general_manager")
    listing = manager.get("/store/catalogue").get_data(as_text=True)
    assert 'data-testid="draft-badge"' in listing and "草稿（新项目提案）" in listing
    edit = manager.get(f"/store/catalogue/service-items/{item_id}").get_data(as_text=True)
    assert 'data-testid="draft-release"' in edit and 'name="is_active"' not in edit
    assert manager.post(f"/store/catalogue/service-items/{item_id}/release").status_code == 302
    listing = manager.get("/store/catalogue").get_data(as_text=True)
    assert 'data-testid="draft-badge"' not in listing
    with tenant_context(company_a.tenant_id):
        item = db.session.get(ServiceItem, item_id)
        assert (item.is_draft, item.is_active) == (False, True)


def test_the_api_proposes_decides_and_releases(client, company_a, api_token):
    supervisor = api_token(company_a, "technical_supervisor")
    body = {**GOOD, "duration_minutes": 70}
    bad = client.post("/api/v1/technique-proposals", headers=supervisor,
                      json={**body, "category": "hair", "price_idea": "-5"})
    assert bad.status_code == 422
    assert "category" in str(bad.get_json()["error"]["fields"])
    bad = client.post("/api/v1/technique-proposals", headers=supervisor,
                      json={**body, "price_idea": "-5"})
    assert bad.status_code == 422 and list(bad.get_json()["error"]["fields"]) == ["price_idea"]
    with tenant_context(company_a.tenant_id):
        assert db.session.scalar(select(func.count(TechniqueProposal.id))) == 0
    created = client.post("/api/v1/technique-proposals", headers=supervisor, json=body)
    assert created.status_code == 201, created.get_json()
    proposal_id = created.get_json()["id"]
    assert created.get_json()["price_idea"] == "158.00"
    director = api_token(company_a, "technical_director")
    rejected = client.post(f"/api/v1/technique-proposals/{proposal_id}/reject",
                           headers=director, json={})
    assert rejected.status_code == 422 and "note" in rejected.get_json()["error"]["fields"]
    approved = client.post(f"/api/v1/technique-proposals/{proposal_id}/approve",
                           headers=director, json={"note": "好"}).get_json()
    assert approved["status"] == "approved"
    item_url = f"/api/v1/service-items/{approved['service_item_id']}"
    manager = api_token(company_a, "general_manager")
    item = client.get(item_url, headers=manager).get_json()
    assert (item["is_draft"], item["is_active"]) == (True, False)
    assert client.patch(item_url, headers=manager, json={"is_active": True}).status_code == 422
    released = client.post(f"{item_url}/release", headers=manager).get_json()
    assert (released["is_draft"], released["is_active"]) == (False, True)
    listed = client.get("/api/v1/technique-proposals?status=approved", headers=supervisor)
    assert [row["id"] for row in listed.get_json()["items"]] == [proposal_id]
    # Its own proposal is refused to the director over the API too.
    own = client.post("/api/v1/technique-proposals", headers=director, json=body).get_json()
    refused = client.post(f"/api/v1/technique-proposals/{own['id']}/approve",
                          headers=director, json={})
    assert refused.status_code == 422 and "status" in refused.get_json()["error"]["fields"]
    # Another store's supervisor-level reader does not see it: head office's proposal.
    assert client.get(f"/api/v1/technique-proposals/{own['id']}",
                      headers=supervisor).status_code == 404
