"""Bulk inserts of the demo loaders (tenant id explicit in every row, in batches), money."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import insert

from app.extensions import db

CENT = Decimal("0.01")


BATCH = 10_000


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


def bulk_insert(model, rows: list[dict], returning: bool = False) -> list[int]:
    """Bulk insert (explicit tenant_id in every row); ids back in row order if asked."""
    if not rows:
        return []
    # render_nulls: rows whose None values differ stay in one batch (by default the
    # ORM splits a bulk insert wherever the set of non-None keys changes).
    statement = insert(model).execution_options(render_nulls=True)
    if returning:
        ids: list[int] = []
        for start in range(0, len(rows), BATCH):
            ids.extend(db.session.scalars(
                statement.returning(model.id, sort_by_parameter_order=True),
                rows[start:start + BATCH]))
        return ids
    for start in range(0, len(rows), BATCH):
        db.session.execute(statement, rows[start:start + BATCH])
    return []
