"""The TOTP second factor's columns, shared by company accounts and platform operators."""

from datetime import datetime

from sqlalchemy import JSON, DateTime
from sqlalchemy.orm import Mapped, mapped_column

from app.crypto import EncryptedString


class SecondFactor:
    """Mixin: a TOTP secret (encrypted), when it was confirmed, the replay guard and
    the recovery codes (SHA-256 of each unused one; app/totp.py)."""

    # Set at enrolment, before the first code confirms it; encrypted at rest.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedString)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last time step a code was accepted for: a code is good once.
    totp_last_step: Mapped[int | None]
    totp_recovery_hashes: Mapped[list | None] = mapped_column(JSON)

    @property
    def has_totp(self) -> bool:
        return self.totp_enabled_at is not None
