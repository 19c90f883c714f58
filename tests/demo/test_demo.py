"""``flask demo load``: idempotent, the whole org chart, one working login per role."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, func, select

from app.demo import head_office_steps
from app.demo.loader import DEMO_PASSWORD, load_demo
from app.extensions import db
from app.models import Account, Employee, PlatformAdmin, Position, Room, Store, Tenant
from app.permissions import ROLES
from app.tenancy import tenant_context
from app.tenants import find_tenant_by_code

# Also on SQLite: `make run` loads the demo into SQLite; production into PostgreSQL.
pytestmark = pytest.mark.both_backends


@pytest.fixture
def demo(app):
    result = load_demo()
    db.session.commit()
    return result


def _counts() -> dict[str, int]:
    counts = {"tenants": db.session.scalar(select(func.count()).select_from(Tenant)),
              "admins": db.session.scalar(select(func.count()).select_from(PlatformAdmin))}
    for code in ("yuezu", "qingxi"):
        with tenant_context(find_tenant_by_code(code).id):
            for model in (Store, Room, Employee, Account):
                counts[f"{code}.{model.__tablename__}"] = db.session.scalar(
                    select(func.count()).select_from(model))
    return counts


def test_loading_twice_changes_nothing_and_says_so(app, demo):
    assert demo.created == ["yuezu", "qingxi"] and demo.platform_admin_created
    before = _counts()
    again = load_demo()
    db.session.commit()
    assert again.created == [] and again.existing == ["yuezu", "qingxi"]
    assert not again.changed
    assert _counts() == before


def _every_row(app, backend) -> dict[str, str]:
    """Per table, a digest of every row in key order: a run that changes nothing leaves
    each one as it was (read as the owner on PostgreSQL: row-level security would hide
    the companies' rows from a query outside a tenant)."""
    engine = create_engine(backend.get("owner_url") or backend["url"])
    digests = {}
    try:
        with engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                # The stored values as the driver reads them (an encrypted field
                # written again would differ here, though it decrypts the same).
                order = ", ".join(f'"{c.name}"' for c in (
                    list(table.primary_key.columns) or list(table.columns)))
                digest = hashlib.sha256()
                for row in conn.exec_driver_sql(f'SELECT * FROM "{table.name}" ORDER BY {order}'):
                    digest.update(repr(tuple(row)).encode())
                digests[table.name] = digest.hexdigest()
    finally:
        engine.dispose()
    return digests


def test_cli_reports_nothing_changed_on_second_run(app, backend):
    # The same code path as ``flask demo load`` (90 days) with the history from the
    # first of last month: every part still has the month it builds on (HR's locked
    # month, the technical assessment, the card sellers), so each adds its data on the
    # first run, which the second must leave row for row as it was.
    days = datetime.now(ZoneInfo("Asia/Shanghai")).day + 31
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load", "--history-days", str(days)])
    assert first.exit_code == 0, first.output
    assert "Created demo company yuezu" in first.output
    parts = [f"Added {days} days of front-desk history to yuezu", "Added HR data to yuezu",
             "Added HR data to qingxi", "Added technical-department data to yuezu",
             "Added logistics and finance data to yuezu"]
    if head_office_steps.STEPS:
        parts.append("Added head-office and service data to yuezu")
    for part in parts:
        assert part in first.output, part
    before = _every_row(app, backend)
    second = runner.invoke(args=["demo", "load", "--history-days", str(days)])
    assert second.exit_code == 0, second.output
    assert "nothing changed" in second.output
    assert "Added" not in second.output and "Credited" not in second.output
    assert _every_row(app, backend) == before
    table = [line.split() for line in second.output.splitlines()]
    assert {row[1] for row in table if row and row[0] == "yuezu"} == set(ROLES)
    assert DEMO_PASSWORD in second.output


def test_chain_has_six_stores_in_two_cities_and_about_120_people(app, demo):
    with tenant_context(find_tenant_by_code("yuezu").id):
        stores = db.session.scalars(select(Store)).all()
        assert len(stores) == 6
        assert Counter(s.city for s in stores) == {"广州": 3, "深圳": 3}
        rooms = Counter(db.session.scalars(select(Room.store_id)))
        assert all(8 <= rooms[s.id] <= 14 for s in stores)
        rows = db.session.execute(
            select(Employee, Position.role).join(Position, Position.id == Employee.position_id)
        ).all()
        assert 110 <= len(rows) <= 140
        roles = Counter(role for _, role in rows)
        assert set(roles) == set(ROLES), "every role of the org chart has someone"
        by_store = Counter((e.store_id, role) for e, role in rows)
        for store in stores:
            assert by_store[(store.id, "store_manager")] == 1
            assert 10 <= by_store[(store.id, "therapist")] <= 12
        employees = [e for e, _ in rows]
        assert len({e.employee_no for e in employees}) == len(employees)
        assert len({e.phone for e in employees}) == len(employees)
        assert all(e.phone.startswith("13") and len(e.phone) == 11 for e in employees)
        assert all(e.hire_date is not None for e in employees)


def test_one_login_per_role_each_can_log_in(app, demo):
    with tenant_context(find_tenant_by_code("yuezu").id):
        accounts = db.session.scalars(select(Account)).all()
        assert sorted(a.role for a in accounts) == sorted(ROLES)
        assert all(a.username == a.role for a in accounts)
        store_1 = db.session.scalar(select(Store).where(Store.code == "GZ01"))
        for account in accounts:
            if ROLES[account.role].scope != "head_office":
                assert account.store_ids == {store_1.id}, account.role
    for role in ROLES:
        # A fresh app context per person: Flask-Login caches the user in ``g``.
        with app.app_context():
            client = app.test_client()
            response = client.post("/login", data={"company": "yuezu", "username": role,
                                                   "password": DEMO_PASSWORD})
            assert response.status_code == 302, role
            assert "/login" not in response.location
            if role == "owner":
                # The demo enrols nobody: the owner sets up TOTP at the first log-in.
                assert response.location.endswith("/account/totp")
                assert client.get("/me").location.endswith("/account/totp")
                continue
            me = client.get("/me")
            assert me.status_code == 200, role
            assert f'<dd class="col-8">{role}</dd>' in me.get_data(as_text=True)


def test_platform_admin_can_log_in(app, demo):
    response = app.test_client().post("/platform/login", data={
        "username": "platform", "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_second_company_cannot_see_the_first(app, demo):
    yuezu = find_tenant_by_code("yuezu")
    qingxi = find_tenant_by_code("qingxi")
    with tenant_context(yuezu.id):
        yuezu_store_ids = set(db.session.scalars(select(Store.id)))
    db.session.expunge_all()  # no identity-map hits across tenants
    with tenant_context(qingxi.id):
        stores = db.session.scalars(select(Store)).all()
        assert [s.name for s in stores] == ["清溪足道·海珠店"]
        assert all(db.session.get(Store, sid) is None for sid in yuezu_store_ids)
        assert db.session.scalar(select(func.count()).select_from(Employee)) == 9
        assert sorted(db.session.scalars(select(Account.username))) == ["owner",
                                                                         "store_manager"]
    # Same username, other company: the qingxi store manager logs in to qingxi only.
    client = app.test_client()
    client.post("/login", data={"company": "qingxi", "username": "store_manager",
                                "password": DEMO_PASSWORD})
    page = client.get("/me").get_data(as_text=True)
    with tenant_context(yuezu.id):
        yuezu_manager = db.session.scalar(select(Account).where(
            Account.username == "store_manager"))
    assert yuezu_manager.display_name not in page
