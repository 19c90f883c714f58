"""The store's time pages load what they show in a fixed number of statements: the week
grid, the day's punches and the monthly sheet cost the same for 3 people as for 30."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from sqlalchemy import event, select

from app.blueprints.hr.models.time import ShiftTemplate
from app.blueprints.hr.time import clocks
from app.extensions import db
from app.models import Store
from tests.hr.time.helpers import first_of_month, local, make_shifts, monday, plan, staff


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


def _add_people(company, in_tenant, store_id: int, start: int, count: int) -> None:
    with in_tenant(company):
        store = db.session.scalar(select(Store).where(Store.id == store_id))
        early = db.session.scalar(select(ShiftTemplate).where(ShiftTemplate.name == "早班"))
        people = staff(store, count, start=start, role="cashier")
        month = first_of_month(1)
        cells = {}
        for person in people:
            for day in [monday(0) + timedelta(days=n) for n in range(3)] + [
                    month + timedelta(days=n) for n in range(5)]:
                cells[(person, day)] = early
        plan(store.id, cells, None)
        for person in people:
            clocks.record_punch(person, "in", local(monday(0), 9, 59), "补", None)
            clocks.record_punch(person, "in", local(month, 9, 59), "补", None)
        db.session.commit()


def _statements(client, url: str) -> int:
    db.session.expunge_all()
    with count_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_time_pages_do_not_grow_with_the_store(app, client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        make_shifts(company_a.store.id)
        db.session.commit()
    store = company_a.stores[0].id
    month = first_of_month(1).strftime("%Y-%m")
    urls = [f"/hr/time/stores/{store}/schedule",
            f"/hr/time/stores/{store}/clocks?date={monday(0).isoformat()}",
            f"/hr/time/stores/{store}/attendance?month={month}"]
    auth.login_as(company_a, "hr_manager")
    _add_people(company_a, in_tenant, store, 600, 3)
    few = [_statements(client, url) for url in urls]
    _add_people(company_a, in_tenant, store, 700, 27)
    many = [_statements(client, url) for url in urls]
    assert many == few, f"{few} statements for 3 people, {many} for 30"
    assert max(few) <= 20
