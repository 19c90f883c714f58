"""入职 / 离职 / 人事变动: checklists, items issued to people, and dated changes.

specs/hr-lifecycle.md.  Nothing here is deleted: a finished checklist, a
returned uniform or a rejected transfer stays on the person's history.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.crypto import EncryptedString, mask
from app.extensions import db
from app.models import Employee
from app.models.base import Money, Timestamp
from app.tenancy import TenantScoped, tenant_fk

CHECKLIST_KINDS = ("onboarding", "offboarding")
# Who ticks an item: the department that owns it (specs/hr-lifecycle.md).
OWNER_DEPARTMENTS = ("hr", "logistics", "technical", "store", "finance")
# What ticking an item does besides recording who and when.
ITEM_ACTIONS = (
    "none",
    "create_account",  # the login is created (credentials shown once)
    "issue_items",  # logistics issues uniform, locker key, badge
    "return_items",  # logistics marks each issued item returned or charged
    "technical_review",  # 入职技师审核 by the technical supervisor
    "settlement",  # what the company owes or is owed
)
# When the login is created: at the start of onboarding, or on reaching probation.
ACCOUNT_AT = ("start", "probation")
PROCESS_STATUSES = ("open", "done", "cancelled")
OFFBOARDING_KINDS = ("resignation", "termination")
OFFBOARDING_STATUSES = ("requested", "approved", "completed", "rejected", "cancelled")
ISSUED_ITEM_STATUSES = ("issued", "returned", "charged")
CHANGE_KINDS = ("transfer", "promotion", "demotion", "pay_change", "pay_details")
CHANGE_STATUSES = ("pending", "approved", "applied", "rejected", "cancelled")


class ChecklistTemplate(TenantScoped, db.Model):
    """The checklist a position starts from (tenant-editable); position None = default."""

    __tablename__ = "checklist_templates"
    __extra_table_args__ = (tenant_fk("position_id", "positions"),)

    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    position_id: Mapped[int | None] = mapped_column(index=True)
    account_at: Mapped[str] = mapped_column(String(16), default="probation")
    probation_months: Mapped[int] = mapped_column(default=3)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]

    items: Mapped[list["ChecklistTemplateItem"]] = relationship(
        lazy="raise", order_by="ChecklistTemplateItem.sort_order",
        back_populates="template",
    )


class ChecklistTemplateItem(TenantScoped, db.Model):
    __tablename__ = "checklist_template_items"
    __extra_table_args__ = (tenant_fk("template_id", "checklist_templates"),)

    template_id: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(120))
    owner_department: Mapped[str] = mapped_column(String(16), default="hr")
    action: Mapped[str] = mapped_column(String(32), default="none")
    # Due this many days after the process starts (onboarding) or before the last day.
    due_days: Mapped[int] = mapped_column(default=3)
    required: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    # Comma-separated names for issue_items, e.g. "工服,储物柜钥匙,工牌".
    detail: Mapped[str] = mapped_column(String(255), default="")

    template: Mapped[ChecklistTemplate] = relationship(
        lazy="raise", back_populates="items", foreign_keys=[template_id]
    )


class Onboarding(TenantScoped, db.Model):
    """入职: one person's way from candidate to probation, then the 转正 review."""

    __tablename__ = "onboardings"
    __extra_table_args__ = (
        tenant_fk("employee_id", "employees"),
        tenant_fk("template_id", "checklist_templates"),
    )

    employee_id: Mapped[int] = mapped_column(index=True)
    template_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="open")
    account_at: Mapped[str] = mapped_column(String(16), default="probation")
    started_on: Mapped[date]
    started_by_account_id: Mapped[int | None]
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # 转正: confirmed (active) or employment ended at the probation review.
    review_outcome: Mapped[str | None] = mapped_column(String(16))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_account_id: Mapped[int | None]
    review_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[Timestamp]

    employee: Mapped[Employee] = relationship(lazy="raise", foreign_keys=[employee_id])

    @property
    def new_bank_account_masked(self) -> str | None:
        return mask(self.new_bank_account_no, keep_end=4) if self.new_bank_account_no else None

    @property
    def old_bank_account_masked(self) -> str | None:
        return mask(self.old_bank_account_no, keep_end=4) if self.old_bank_account_no else None


class Offboarding(TenantScoped, db.Model):
    """离职: resignation or termination with a last working day."""

    __tablename__ = "offboardings"
    __extra_table_args__ = (tenant_fk("employee_id", "employees"),)

    employee_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(16), default="resignation")
    reason: Mapped[str] = mapped_column(Text, default="")
    last_day: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default="requested")
    requested_by_account_id: Mapped[int | None]
    approved_by_account_id: Mapped[int | None]
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Signed: positive when the company owes the person (paid in the final payroll).
    settlement_amount: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    settlement_note: Mapped[str] = mapped_column(String(255), default="")
    exit_interview: Mapped[str] = mapped_column(Text, default="")
    handover_note: Mapped[str] = mapped_column(Text, default="")
    # The job that runs on the last day (account off, board, schedules).
    job_record_id: Mapped[int | None]
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[Timestamp]

    employee: Mapped[Employee] = relationship(lazy="raise", foreign_keys=[employee_id])

    @property
    def new_bank_account_masked(self) -> str | None:
        return mask(self.new_bank_account_no, keep_end=4) if self.new_bank_account_no else None

    @property
    def old_bank_account_masked(self) -> str | None:
        return mask(self.old_bank_account_no, keep_end=4) if self.old_bank_account_no else None


class ChecklistItem(TenantScoped, db.Model):
    """One item of a person's onboarding or offboarding checklist."""

    __tablename__ = "checklist_items"
    __extra_table_args__ = (
        tenant_fk("employee_id", "employees"),
        tenant_fk("onboarding_id", "onboardings"),
        tenant_fk("offboarding_id", "offboardings"),
    )

    employee_id: Mapped[int] = mapped_column(index=True)
    onboarding_id: Mapped[int | None] = mapped_column(index=True)
    offboarding_id: Mapped[int | None] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(120))
    owner_department: Mapped[str] = mapped_column(String(16), default="hr")
    action: Mapped[str] = mapped_column(String(32), default="none")
    detail: Mapped[str] = mapped_column(String(255), default="")
    due_on: Mapped[date | None]
    required: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by_account_id: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(255), default="")


ISSUED_ITEM_KINDS = ("uniform", "key", "badge", "phone", "other")


class IssuedItem(TenantScoped, db.Model):
    """物品发放: what logistics handed a person; returned or charged when they leave."""

    __tablename__ = "issued_items"
    __extra_table_args__ = (
        tenant_fk("employee_id", "employees"),
        tenant_fk("store_id", "stores"),
    )

    employee_id: Mapped[int] = mapped_column(index=True)
    # The person's store when issued (logistics' list per store); None: head office.
    store_id: Mapped[int | None] = mapped_column(index=True)
    # uniform / key / badge / phone / other (ISSUED_ITEM_KINDS); the name says which.
    kind: Mapped[str] = mapped_column(String(16), default="other")
    name: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date]
    issued_by_account_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="issued")
    returned_on: Mapped[date | None]
    # Charged to the person when not returned (deducted in the settlement).
    charge: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    closed_by_account_id: Mapped[int | None]


class EmployeeChange(TenantScoped, db.Model):
    """调店 / 晋升 / 降级 / 调薪 / 薪资资料变更 with an effective date; applied on that
    date once approved.

    ``old_*`` are captured when the change is applied, so the history reads as it was.
    薪资资料变更 (``pay_details``) carries the bank, social-insurance and tax fields
    of the file; the bank account is encrypted at rest like the file's own.
    """

    __tablename__ = "employee_changes"
    __extra_table_args__ = (
        tenant_fk("employee_id", "employees"),
        tenant_fk("new_store_id", "stores"),
        tenant_fk("new_position_id", "positions"),
        tenant_fk("new_level_id", "therapist_levels"),
        tenant_fk("new_pay_profile_id", "pay_profiles"),
    )

    employee_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(16))
    effective_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str] = mapped_column(Text, default="")
    # What changes (None: unchanged).
    new_store_id: Mapped[int | None]
    new_position_id: Mapped[int | None]
    new_level_id: Mapped[int | None]
    new_pay_profile_id: Mapped[int | None]
    new_monthly_base: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    new_bank_name: Mapped[str | None] = mapped_column(String(64))
    new_bank_account_no: Mapped[str | None] = mapped_column(EncryptedString)
    new_si_enrolled: Mapped[bool | None]
    new_si_base: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    new_monthly_special_deduction: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # What it was (plain values: history must read the same after later changes).
    old_store_id: Mapped[int | None]
    old_position_id: Mapped[int | None]
    old_level_id: Mapped[int | None]
    old_pay_profile_id: Mapped[int | None]
    old_monthly_base: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    old_bank_name: Mapped[str | None] = mapped_column(String(64))
    old_bank_account_no: Mapped[str | None] = mapped_column(EncryptedString)
    old_si_enrolled: Mapped[bool | None]
    old_si_base: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    old_monthly_special_deduction: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    requested_by_account_id: Mapped[int | None]
    approved_by_account_id: Mapped[int | None]
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[Timestamp]

    employee: Mapped[Employee] = relationship(lazy="raise", foreign_keys=[employee_id])

    @property
    def new_bank_account_masked(self) -> str | None:
        return mask(self.new_bank_account_no, keep_end=4) if self.new_bank_account_no else None

    @property
    def old_bank_account_masked(self) -> str | None:
        return mask(self.old_bank_account_no, keep_end=4) if self.old_bank_account_no else None
