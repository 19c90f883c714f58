"""A fingerprint of everything a tenant owns, to prove that a refused call changed nothing.

Counting audit entries misses a write that forgot its audit entry; this reads
every row of every table with a ``tenant_id`` (and the tenant's own row) and
compares them.  Columns that reading moves on their own (a token's
``last_used_at``, an account's ``last_login_at``) are left out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.tenancy import tenant_context

VOLATILE_COLUMNS = {"last_used_at", "last_login_at"}


@dataclass(frozen=True)
class Snapshot:
    tables: dict[str, tuple[int, str]]  # table -> (row count, digest of its rows)

    def changed_since(self, before: Snapshot) -> dict[str, tuple[int, int]]:
        """Tables whose rows differ: table -> (rows before, rows now)."""
        return {name: (before.tables.get(name, (0, ""))[0], rows)
                for name, (rows, digest) in self.tables.items()
                if before.tables.get(name) != (rows, digest)}


def snapshot_tenant(tenant_id: int) -> Snapshot:
    """Every row the tenant owns, table by table."""
    tables = {}
    with tenant_context(tenant_id):
        for table in db.metadata.sorted_tables:
            if "tenant_id" in table.c:
                query = select(table).where(table.c.tenant_id == tenant_id)
            elif table.name == "tenants":
                query = select(table).where(table.c.id == tenant_id)
            else:
                continue
            columns = [c for c in table.c if c.name not in VOLATILE_COLUMNS]
            rows = sorted(repr(tuple(row._mapping[c] for c in columns))
                          for row in db.session.execute(query))
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            tables[table.name] = (len(rows), digest)
        db.session.rollback()
    return Snapshot(tables)
