"""考勤: shift templates, schedules (排班), clock records (打卡), leave (请假),
overtime (加班) and the monthly attendance sheet HR locks before payroll.

specs/hr-lifecycle.md (Time) and specs/payroll.md (Attendance facts).
"""

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import Employee, Store
from app.models.base import Timestamp
from app.tenancy import TenantScoped, tenant_fk

CLOCK_KINDS = ("in", "out")
# self: own login; kiosk: the store's clock page (工号 + PIN); foreman: entered by the
# foreman; device: imported from a clock device; correction: 补卡 (reason, audited).
CLOCK_SOURCES = ("self", "kiosk", "foreman", "device", "correction")
LEAVE_KINDS = (
    "annual", "marriage", "bereavement", "maternity", "paternity", "sick", "personal",
)
REQUEST_STATUSES = ("pending", "approved", "rejected", "cancelled")
SHEET_STATUSES = ("open", "locked")


class ShiftTemplate(TenantScoped, db.Model):
    """班次 of a store, e.g. 早班 10:00–18:00; ends ≤ starts means it crosses midnight."""

    __tablename__ = "shift_templates"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "store_id", "name"),
        tenant_fk("store_id", "stores"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    is_active: Mapped[bool] = mapped_column(default=True)

    store: Mapped[Store] = relationship(lazy="raise", foreign_keys=[store_id])

    @property
    def crosses_midnight(self) -> bool:
        return self.ends_at <= self.starts_at


class ScheduleEntry(TenantScoped, db.Model):
    """排班: one employee, one day: a shift, or a rest day (排休).

    The shift's times are copied in (aware datetimes), so editing a template
    later does not rewrite past schedules.  An overnight shift belongs to the
    day it starts.
    """

    __tablename__ = "schedule_entries"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "employee_id", "work_date"),
        tenant_fk("employee_id", "employees"),
        tenant_fk("store_id", "stores"),
        tenant_fk("shift_template_id", "shift_templates"),
    )

    employee_id: Mapped[int] = mapped_column(index=True)
    store_id: Mapped[int] = mapped_column(index=True)
    work_date: Mapped[date] = mapped_column(index=True)
    is_rest: Mapped[bool] = mapped_column(default=False)
    shift_template_id: Mapped[int | None] = mapped_column()
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Drafts are visible to the store only; payroll reads published entries.
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]

    employee: Mapped[Employee] = relationship(lazy="raise", foreign_keys=[employee_id])
    shift_template: Mapped[ShiftTemplate | None] = relationship(
        lazy="raise", foreign_keys=[shift_template_id]
    )


class ClockRecord(TenantScoped, db.Model):
    """打卡: one punch.  Never edited: a correction (补卡) is a new record with a reason;
    a wrong punch is voided (kept, with who voided it and why)."""

    __tablename__ = "clock_records"
    __extra_table_args__ = (
        # A clock device's own record id makes a bulk import idempotent.
        UniqueConstraint("tenant_id", "device_id", "device_record_id"),
        tenant_fk("employee_id", "employees"),
        tenant_fk("store_id", "stores"),
    )

    employee_id: Mapped[int] = mapped_column(index=True)
    store_id: Mapped[int | None] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    source: Mapped[str] = mapped_column(String(16), default="self")
    reason: Mapped[str] = mapped_column(String(255), default="")
    device_id: Mapped[str | None] = mapped_column(String(64))
    device_record_id: Mapped[str | None] = mapped_column(String(64))
    recorded_by_account_id: Mapped[int | None]
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voided_by_account_id: Mapped[int | None]
    void_reason: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[Timestamp]

    employee: Mapped[Employee] = relationship(lazy="raise", foreign_keys=[employee_id])


class LeaveRequest(TenantScoped, db.Model):
    """请假: whole days from start to end, or half a day (start = end)."""

    __tablename__ = "leave_requests"
    __extra_table_args__ = (
        tenant_fk("employee_id", "employees"),
        tenant_fk("store_id", "stores"),
    )

    employee_id: Mapped[int] = mapped_column(index=True)
    # The employee's store when asked (store scope, the store's lists); None: head office.
    store_id: Mapped[int | None] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date] = mapped_column(index=True)
    ends_on: Mapped[date] = mapped_column(index=True)
    half_day: Mapped[bool] = mapped_column(default=False)
    days: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Longer than leave_hr_approval_days: HR approves, not the store manager.
    needs_hr: Mapped[bool] = mapped_column(default=False)
    requested_by_account_id: Mapped[int | None]
    decided_by_account_id: Mapped[int | None]
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[Timestamp]

    employee: Mapped[Employee] = relationship(lazy="raise", foreign_keys=[employee_id])


class OvertimeRequest(TenantScoped, db.Model):
    """加班: hours on one day, paid only once approved (and if the profile allows)."""

    __tablename__ = "overtime_requests"
    __extra_table_args__ = (
        tenant_fk("employee_id", "employees"),
        tenant_fk("store_id", "stores"),
    )

    employee_id: Mapped[int] = mapped_column(index=True)
    # The employee's store when asked (store scope, the store's lists); None: head office.
    store_id: Mapped[int | None] = mapped_column(index=True)
    work_date: Mapped[date] = mapped_column(index=True)
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_by_account_id: Mapped[int | None]
    decided_by_account_id: Mapped[int | None]
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[Timestamp]

    employee: Mapped[Employee] = relationship(lazy="raise", foreign_keys=[employee_id])


class AttendanceSheet(TenantScoped, db.Model):
    """月度考勤表 of one store: HR reviews and locks it; then its month is frozen."""

    __tablename__ = "attendance_sheets"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "store_id", "month"),
        tenant_fk("store_id", "stores"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    # The first day of the month.
    month: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default="open")
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_by_account_id: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(255), default="")

    store: Mapped[Store] = relationship(lazy="raise", foreign_keys=[store_id])
