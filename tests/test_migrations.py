"""Migrations build the whole schema from empty, and match the models exactly.

Alembic's comparison does not look at primary keys, so they are compared here
too.  SQLite has one explained difference (app/tenancy.py, migration 0004): a
tenant-owned table keeps ``id INTEGER PRIMARY KEY`` (the rowid) and
``UNIQUE (tenant_id, id)`` where the models declare the key ``(tenant_id, id)``.
"""

from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app.extensions import db
from app.tenancy import is_sqlite_rowid_twin

# Also on SQLite: the migrations build both schemas.
pytestmark = pytest.mark.both_backends

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def _differences(engine) -> list:
    """Autogenerate's differences, plus the primary keys, which it does not compare."""
    skipped = []

    def include_object(obj, name, type_, reflected, compare_to):
        if is_sqlite_rowid_twin(obj, type_, reflected, compare_to):
            skipped.append((obj.table.name, name))
            return False
        return True

    with engine.connect() as conn:
        opts = {"compare_type": True}
        if conn.dialect.name == "sqlite":
            opts["include_object"] = include_object
        context = MigrationContext.configure(conn, opts=opts)
        differences = compare_metadata(context, db.metadata)
        differences += _primary_key_differences(conn)
    if engine.dialect.name == "sqlite":
        # The exception is exactly one constraint per tenant-owned table, no more.
        tenant_tables = {t.name for t in db.metadata.tables.values() if "tenant_id" in t.c}
        assert sorted(skipped) == sorted(
            (table, f"uq_{table}_tenant_id_id") for table in tenant_tables)
    return differences


def _primary_key_differences(conn) -> list:
    inspector = inspect(conn)
    differences = []
    for table in db.metadata.sorted_tables:
        declared = [c.name for c in table.primary_key.columns]
        expected = declared
        if conn.dialect.name == "sqlite" and "tenant_id" in table.c:
            expected = ["id"]  # the rowid; its twin UNIQUE (tenant_id, id) was checked above
        found = inspector.get_pk_constraint(table.name)
        if found["constrained_columns"] != expected or found["name"] != f"pk_{table.name}":
            differences.append(("primary_key", table.name, found, expected))
    return differences


def test_upgrade_from_empty_leaves_no_difference_with_the_models(app, backend):
    """The ``backend`` fixture ran ``upgrade`` on an empty database (PostgreSQL: a
    dropped and recreated schema); autogenerate must then find nothing to do."""
    assert _differences(db.engine) == []
    tables = set(inspect(db.engine).get_table_names())
    assert {"tenants", "stores", "rooms", "employees", "accounts", "audit_log",
            "job_records"} <= tables


def _empty_database(backend, tmp_path, name: str) -> str:
    """A throw-away database: a SQLite file, or a fresh PostgreSQL schema ``name``."""
    if backend["name"] == "sqlite":
        return f"sqlite:///{tmp_path / (name + '.sqlite')}"
    # As the owner: the app's role (backend["url"]) may not create schemas.
    admin = create_engine(backend["owner_url"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {name}"))
    admin.dispose()
    return backend["owner_url"] + f"?options=-csearch_path%3D{name}"


def test_downgrade_to_empty_and_upgrade_again(app, backend, tmp_path):
    """A second, throw-away database: down to nothing and back up cleanly."""
    from app import create_app

    other = create_app("test", SQLALCHEMY_DATABASE_URI=_empty_database(backend, tmp_path,
                                                                       "roundtrip"))
    with other.app_context():
        upgrade(directory=MIGRATIONS, revision="heads")
        downgrade(directory=MIGRATIONS, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=MIGRATIONS, revision="heads")
        assert _differences(db.engine) == []
        db.engine.dispose()


@contextmanager
def _later_columns_added(engine):
    """Today's models insert every column they map, some added after the revision the
    database is at: add those (nullable) for the fill, and drop them again after, so
    that the later migrations add them for real."""
    added = []
    with engine.begin() as conn:
        existing = inspect(conn)
        tables = set(existing.get_table_names())
        for table in db.metadata.sorted_tables:
            if table.name not in tables:
                continue
            have = {column["name"] for column in existing.get_columns(table.name)}
            for column in table.columns:
                if column.name not in have:
                    kind = column.type.compile(dialect=conn.dialect)
                    conn.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN '
                                      f'"{column.name}" {kind}'))
                    added.append((table.name, column.name))
    yield
    db.session.remove()
    with engine.begin() as conn:
        for table, column in added:
            conn.execute(text(f'ALTER TABLE "{table}" DROP COLUMN "{column}"'))


def _fingerprint() -> dict:
    """Rows per table, and the sum of their ids (rows kept, not renumbered)."""
    inspector = inspect(db.engine)
    found = {}
    with db.engine.connect() as conn:
        for table in inspector.get_table_names():
            if table == "alembic_version":
                continue
            found[table] = tuple(conn.execute(text(
                f'SELECT count(*), coalesce(sum(id), 0) FROM "{table}"')).one())
    return found


def test_tenant_keys_migration_keeps_rows_and_ids_go_on(backend, tmp_path):
    """0004 on a filled 0003 database: every row stays, new ids follow the old ones,
    and the downgrade keeps them too.  The rows include a feedback on a service job:
    SQLite rebuilds ``service_jobs`` (its add-on token's unique) under that reference."""
    from app import create_app
    from app.blueprints.store.models import Feedback, ServiceJob
    from app.models import ApiToken, Store
    from app.security import hash_token
    from app.tenancy import tenant_context
    from tests import factories
    from tests.store.test_feedback import served_order

    other = create_app("test", SQLALCHEMY_DATABASE_URI=_empty_database(backend, tmp_path,
                                                                       "filled"))
    with other.app_context():
        upgrade(directory=MIGRATIONS, revision="0003_hr")
        # Today's models write to the 0003 tables: nothing they insert depends on the key.
        with _later_columns_added(db.engine):
            alpha = factories.make_company("alpha")
            factories.make_company("beta")
            with tenant_context(alpha.tenant_id):
                order, jobs = served_order(alpha)
                jobs[0].addon_token = "qr-token-of-alpha"
                db.session.add(Feedback(store_id=order.store_id, order_id=order.id,
                                        job_id=jobs[0].id, therapist_id=jobs[0].therapist_id,
                                        rating=5))
                db.session.add(ApiToken(account_id=alpha.accounts["cashier"].id, name="t",
                                        token_hash=hash_token("mz_kept"), prefix="mz_kept"))
                db.session.commit()
                job_id = jobs[0].id
        db.session.remove()
        before = _fingerprint()
        assert before["feedback"][0] == 1 and before["service_jobs"][0] == 2

        upgrade(directory=MIGRATIONS, revision="heads")
        after = _fingerprint()
        # Tables of later migrations start empty; every table of 0003 keeps its rows.
        assert {table: after[table] for table in before} == before
        assert all(after[table] == (0, 0) for table in set(after) - set(before))
        assert _differences(db.engine) == []
        with tenant_context(alpha.tenant_id):
            store = Store(code="S99", name="新店", city="广州", address="", status="open")
            db.session.add(store)
            db.session.flush()
            assert store.id == before["stores"][0] + 1  # the sequence goes on
            assert db.session.get(ServiceJob, job_id).addon_token == "qr-token-of-alpha"
            db.session.rollback()
        db.session.remove()

        downgrade(directory=MIGRATIONS, revision="0003_hr")
        assert _fingerprint() == before
        upgrade(directory=MIGRATIONS, revision="heads")
        after = _fingerprint()
        # Tables of later migrations start empty; every table of 0003 keeps its rows.
        assert {table: after[table] for table in before} == before
        assert all(after[table] == (0, 0) for table in set(after) - set(before))
        db.session.remove()
        db.engine.dispose()


def test_a_sqlite_database_filled_before_hr_upgrades_to_the_head(tmp_path):
    """`make run` upgrades the existing instance/muzu.sqlite: 0003 rebuilds
    ``employees`` (batch mode), which other rows reference.  With SQLite's foreign
    keys on, that DROP failed; migrations/env.py turns them off for the run and
    checks every reference before turning them back on."""
    from app import create_app

    url = f"sqlite:///{tmp_path / 'before_hr.sqlite'}"
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0002_front_desk")
        with db.engine.begin() as conn:
            for statement in (
                "INSERT INTO tenants (id, code, name, timezone, currency, status, policies, "
                "created_at) VALUES (1, 'old', '老店', 'Asia/Shanghai', 'CNY', 'active', '{}', "
                "'2026-11-01')",
                "INSERT INTO positions (id, code, name, role, tenant_id) "
                "VALUES (1, 'therapist', '技师', 'therapist', 1)",
                "INSERT INTO stores (id, code, name, city, address, phone, opens_at, closes_at, "
                "status, created_at, tenant_id) VALUES (1, 'S1', '一号店', '广州', '天河路', '', "
                "'10:00:00.000000', '02:00:00.000000', 'open', '2026-11-01', 1)",
                "INSERT INTO employees (id, employee_no, name, gender, phone, store_id, "
                "position_id, status, hire_date, created_at, tenant_id) VALUES (1, '801', '张',"
                " 'female', '13800000000', 1, 1, 'active', '2025-01-01', '2026-11-01', 1)",
                "INSERT INTO accounts (id, username, password_hash, display_name, role, "
                "employee_id, is_enabled, session_version, locale, created_at, tenant_id) "
                "VALUES (1, 'zhang', 'x', '张', 'therapist', 1, 1, 1, 'zh_Hans_CN', "
                "'2026-11-01', 1)",
            ):
                conn.execute(text(statement))
        upgrade(directory=MIGRATIONS, revision="head")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT employee_no, name FROM employees")).all() == [
                ("801", "张")]
            assert conn.execute(text("SELECT employee_id FROM accounts")).scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            # The pooled connection went back with foreign keys on.
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()


def test_complaint_cases_follow_their_status_after_0016(tmp_path):
    """0016 corrects complaint rows written against their status (the old demo loader:
    已处理 with a close time): the status stays, the contradicting time goes."""
    from app import create_app

    url = f"sqlite:///{tmp_path / 'complaints.sqlite'}"
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0010_tax_opening_requests")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO tenants (id, code, name, timezone, currency, status, policies, "
                "created_at) VALUES (1, 'old', '老店', 'Asia/Shanghai', 'CNY', 'active', '{}', "
                "'2026-11-01')"))
            conn.execute(text(
                "INSERT INTO stores (id, code, name, city, address, phone, opens_at, closes_at, "
                "status, created_at, tenant_id) VALUES (1, 'S1', '一号店', '广州', '天河路', '', "
                "'10:00:00.000000', '02:00:00.000000', 'open', '2026-11-01', 1)"))
            for case_id, status in ((1, "open"), (2, "investigating"), (3, "resolved"),
                                    (4, "closed")):
                conn.execute(text(
                    "INSERT INTO complaint_cases (id, tenant_id, store_id, description, status, "
                    "resolution, reply_to_guest, guest_confirmed_at, created_at, closed_at) "
                    "VALUES (:id, 1, 1, '水太烫', :status, '已处理', '已致歉', '2026-11-02', "
                    "'2026-11-01', '2026-11-03')"), {"id": case_id, "status": status})
        upgrade(directory=MIGRATIONS, revision="0016_vouchers_complaint_truth")
        with db.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT status, guest_confirmed_at IS NOT NULL, closed_at IS NOT NULL "
                "FROM complaint_cases ORDER BY id")).all()
        assert rows == [("open", 0, 0), ("investigating", 0, 0), ("resolved", 1, 0),
                        ("closed", 1, 1)]
        db.engine.dispose()
