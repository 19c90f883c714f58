"""Migrations build the whole schema from empty, and match the models exactly."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app.extensions import db

# Also on SQLite: the migrations build both schemas.
pytestmark = pytest.mark.both_backends

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def _differences(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_leaves_no_difference_with_the_models(app, backend):
    """The ``backend`` fixture ran ``upgrade`` on an empty database (PostgreSQL: a
    dropped and recreated schema); autogenerate must then find nothing to do."""
    assert _differences(db.engine) == []
    tables = set(inspect(db.engine).get_table_names())
    assert {"tenants", "stores", "rooms", "employees", "accounts", "audit_log",
            "job_records"} <= tables


def test_downgrade_to_empty_and_upgrade_again(app, backend, tmp_path):
    """A second, throw-away database: down to nothing and back up cleanly."""
    if backend["name"] == "sqlite":
        url = f"sqlite:///{tmp_path / 'roundtrip.sqlite'}"
    else:
        admin = create_engine(backend["url"], isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS roundtrip CASCADE"))
            conn.execute(text("CREATE SCHEMA roundtrip"))
        admin.dispose()
        url = backend["url"] + "?options=-csearch_path%3Droundtrip"
    from app import create_app

    other = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with other.app_context():
        upgrade(directory=MIGRATIONS, revision="heads")
        downgrade(directory=MIGRATIONS, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=MIGRATIONS, revision="heads")
        assert _differences(db.engine) == []
        db.engine.dispose()
