"""资产清查 in the one approval flow (app/approvals.py): a closed, reconciled count
waits for finance (``asset_count.review``, head office: not scoped).  Its submitter is
whoever closed it, so nobody approves a count they closed themselves."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app import approvals
from app.approvals import ApprovalKind, Step
from app.blueprints.logistics import reconciliation
from app.blueprints.logistics.counting import CountError, count_label
from app.blueprints.logistics.models import COUNT_PENDING_REVIEW, AssetCount


def _describe(row: AssetCount) -> str:
    return _("%(store)s %(label)s：缺失 %(missing)s 件，损坏 %(damaged)s 件，盘盈 %(surplus)s 件",
             store=row.store.name, label=count_label(row.period), missing=row.missing_count,
             damaged=row.damaged_count, surplus=row.surplus_count)


ASSET_COUNT = ApprovalKind(
    name=reconciliation.KIND, label=_l("资产盘点"), model=AssetCount,
    steps=(Step("finance", COUNT_PENDING_REVIEW, "asset_count.review", _l("财务审核"),
                scoped=False),),
    submitter=lambda row: row.closed_by_account_id,
    subject=lambda row: None,
    store=lambda row: row.store_id,
    store_column=AssetCount.store_id,
    approve=lambda row, actor, note: reconciliation.approve(row, actor, note),
    reject=lambda row, actor, note: reconciliation.send_back(row, actor, note),
    reject_needs_note=True,
    amount=lambda row: row.total_variance_value,
    describe=_describe,
    url=lambda row: url_for("logistics.count_review", count_id=row.id),
    submitted_at=lambda row: row.reconciled_at or row.closed_at,
    inbox_options=(joinedload(AssetCount.store),),
    refusal_error=CountError,
)


def register() -> None:
    approvals.register_kind(ASSET_COUNT)
