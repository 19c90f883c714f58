"""Column helpers shared by every model."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from sqlalchemy import DateTime, Numeric
from sqlalchemy.orm import mapped_column


def utcnow() -> datetime:
    """Aware UTC now; a callable default, evaluated per row, not at import."""
    return datetime.now(UTC)


# Money: NUMERIC(12, 2) in the database, Decimal in Python, never float.
Money = Annotated[Decimal, mapped_column(Numeric(12, 2))]
Timestamp = Annotated[datetime, mapped_column(DateTime(timezone=True), default=utcnow)]
