"""The employee lists load what they show in a fixed number of SQL statements."""

import contextlib

from sqlalchemy import event, select

from app.extensions import db
from app.models import Store
from tests.hr.helpers import add_employee


@contextlib.contextmanager
def count_statements():
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _add(company, in_tenant, start: int, count: int) -> None:
    with in_tenant(company):
        stores = db.session.scalars(select(Store).order_by(Store.id)).all()
        for n in range(start, start + count):
            store = stores[n % len(stores)]
            add_employee(f"Z{n:04d}", store=store)
        db.session.commit()


def _statements_for(client, url: str, **kwargs) -> int:
    db.session.expunge_all()  # nothing served from a previous request's identity map
    with count_statements() as statements:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return len(statements)


def test_employee_page_statements_do_not_grow_with_employees(client, auth, company_a,
                                                             in_tenant):
    auth.login_as(company_a, "hr_manager")
    _add(company_a, in_tenant, 0, 3)
    few = _statements_for(client, "/hr/employees")
    _add(company_a, in_tenant, 3, 40)
    many = _statements_for(client, "/hr/employees")
    assert many == few, f"{few} statements for few employees, {many} for many"
    assert few <= 10


def test_hr_landing_and_roster_statements_do_not_grow(client, auth, company_a, in_tenant):
    auth.login_as(company_a, "owner")
    _add(company_a, in_tenant, 0, 3)
    few = (_statements_for(client, "/hr/"), _statements_for(client, "/technical/"),
           _statements_for(client, "/hr/accounts"))
    _add(company_a, in_tenant, 3, 30)
    many = (_statements_for(client, "/hr/"), _statements_for(client, "/technical/"),
            _statements_for(client, "/hr/accounts"))
    assert many == few


def test_api_employee_list_statements_do_not_grow(client, api_token, company_a, in_tenant):
    headers = api_token(company_a, "hr_staff")
    _add(company_a, in_tenant, 0, 3)
    few = _statements_for(client, "/api/v1/employees", headers=headers)
    _add(company_a, in_tenant, 3, 40)
    many = _statements_for(client, "/api/v1/employees", headers=headers)
    assert many == few
