"""One row per job run: what the Jobs page and the API show."""

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Timestamp
from app.tenancy import TenantScoped

JOB_STATUSES = ("queued", "running", "finished", "failed")


class JobRecord(TenantScoped, db.Model):
    __tablename__ = "job_records"

    kind: Mapped[str] = mapped_column(String(64), index=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(String(255), default="")
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    queue: Mapped[str] = mapped_column(String(32), default="default")
    # Plain value: the account may be archived; the record stays.
    requested_by_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def rq_job_id(self) -> str:
        return rq_job_id(self.id)

    @property
    def is_done(self) -> bool:
        return self.status in ("finished", "failed")


def rq_job_id(record_id: int) -> str:
    return f"muzu-job-{record_id}"
