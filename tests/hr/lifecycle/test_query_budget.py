"""The 入离职 pages load what they show in a fixed number of statements."""

import contextlib
from types import SimpleNamespace

from sqlalchemy import event, select

from app.blueprints.hr import onboarding
from app.extensions import db
from app.models import Account, Store
from tests.hr.lifecycle.helpers import candidate, tick_all_required


@contextlib.contextmanager
def count_statements():
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def statements_for(client, url: str) -> int:
    db.session.expunge_all()  # nothing served from a previous request's identity map
    with count_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def _onboard(company, in_tenant, start: int, count: int) -> int:
    """``count`` more therapists in onboarding (every other one on probation)."""
    with in_tenant(company):
        # Fresh rows: the page counts detach everything from the session.
        fresh = SimpleNamespace(
            store=db.session.scalar(select(Store).order_by(Store.id)),
            accounts={a.role: a for a in db.session.scalars(select(Account))})
        first = None
        for n in range(start, start + count):
            result = onboarding.start_onboarding(candidate(fresh, f"Q{n:03d}"))
            if n % 2:
                tick_all_required(result, fresh)
            first = first or result.onboarding.id
        db.session.commit()
        return first


def test_lifecycle_pages_do_not_grow_with_people(client, auth, company_a, in_tenant):
    onboarding_id = _onboard(company_a, in_tenant, 0, 2)
    with in_tenant(company_a):
        therapist_id = company_a.employees["therapist"].id
    auth.login_as(company_a, "hr_manager")
    pages = ("/hr/lifecycle", "/hr/", f"/hr/onboarding/{onboarding_id}",
             f"/hr/employees/{therapist_id}")
    few = [statements_for(client, url) for url in pages]
    _onboard(company_a, in_tenant, 10, 8)
    many = [statements_for(client, url) for url in pages]
    assert many == few
    assert max(few) <= 25
