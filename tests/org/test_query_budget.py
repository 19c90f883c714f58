"""Pages whose data grows with the chain issue a fixed number of SQL statements."""

from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.models import Employee, Position, Room, Store


@contextmanager
def count_statements():
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before_cursor_execute)


def _add_stores(company, in_tenant, count: int) -> None:
    with in_tenant(company):
        position = db.session.scalar(select(Position).where(Position.role == "therapist"))
        start = len(db.session.scalars(select(Store.id)).all()) + 1
        for n in range(start, start + count):
            store = Store(code=f"Q{n:03d}", name=f"{n}号店", city="深圳")
            db.session.add(store)
            db.session.flush()
            for r in range(3):
                db.session.add(Room(store_id=store.id, number=f"{n}-{r}", type="double", beds=2))
            for e in range(2):
                db.session.add(Employee(employee_no=f"Q{n}-{e}", name=f"技师{n}-{e}",
                                        store_id=store.id, position_id=position.id,
                                        status="active", hire_date=date(2025, 1, 1)))
        db.session.commit()


@pytest.mark.parametrize("url, role", [
    ("/gm/", "general_manager"),
    ("/gm/stores", "general_manager"),
    ("/service/", "service_manager"),
    ("/logistics/", "logistics_head"),
    ("/finance/", "finance_manager"),
])
def test_landing_pages_issue_a_fixed_number_of_statements(client, auth, company_a, in_tenant,
                                                         url, role):
    auth.login_as(company_a, role)
    assert client.get(url).status_code == 200  # warm up

    with count_statements() as few:
        assert client.get(url).status_code == 200
    _add_stores(company_a, in_tenant, 10)
    with count_statements() as many:
        response = client.get(url)
    assert response.status_code == 200
    assert "12号店" in response.get_data(as_text=True)
    assert len(many) == len(few), "\n".join(many)


def test_chain_overview_counts_are_right_after_growth(client, auth, company_a, in_tenant):
    _add_stores(company_a, in_tenant, 3)
    auth.login_as(company_a, "general_manager")
    html = client.get("/gm/stores").get_data(as_text=True)
    assert 'data-total="stores">5<' in html
    assert 'data-total="rooms">15<' in html
