"""待我审批 on a page: the one listing and the one in-place decision that every inbox page
uses (main /approvals, finance /finance/inbox, gm /gm/inbox) over :mod:`app.approvals`,
with the template macro ``templates/_approvals_inbox.html``.

The rules stay in app/approvals.py (who may decide what, separation of duties); this
module only groups what ``waiting_for`` returns for showing, and turns a decision
into a commit or a flashed refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import flash
from flask_babel import gettext as _
from sqlalchemy import select

from app.approvals import APPROVED, Waiting, decide_by_name, waiting_for
from app.extensions import db
from app.models import Account, Store
from app.validation import InputError


@dataclass(frozen=True)
class Inbox:
    # (kind label, its requests oldest first), kinds in the order their oldest waits.
    groups: list[tuple[str, list[Waiting]]]
    # store id -> Store of the stores the requests name.
    stores: dict[int, Store]
    # account id -> the name of whoever filed each request (谁申请的).
    requesters: dict[int, str]

    def requester(self, item: Waiting) -> str | None:
        return self.requesters.get(item.kind.submitter(item.obj))

    @property
    def count(self) -> int:
        return sum(len(items) for _label, items in self.groups)

    @property
    def items(self) -> list[Waiting]:
        return [item for _label, items in self.groups for item in items]


def inbox_for(actor) -> Inbox:
    """``waiting_for(actor)`` grouped by kind, with the stores they name and who filed them
    (two statements beside the flow's own)."""
    groups: dict[str, list] = {}
    for item in waiting_for(actor):
        groups.setdefault(item.kind_label, []).append(item)
    store_ids = sorted({item.store_id for items in groups.values() for item in items
                        if item.store_id is not None})
    stores = {s.id: s for s in db.session.scalars(
        select(Store).where(Store.id.in_(store_ids)))} if store_ids else {}
    account_ids = sorted({i for items in groups.values() for item in items
                          if (i := item.kind.submitter(item.obj)) is not None})
    names = {account_id: display_name or username
             for account_id, display_name, username in db.session.execute(
                 select(Account.id, Account.display_name, Account.username)
                 .where(Account.id.in_(account_ids)))} if account_ids else {}
    return Inbox(list(groups.items()), stores, names)


def age_in_days(when: datetime | None, now: datetime | None = None) -> int | None:
    """Whole days a request has waited (None when the kind does not say when it came)."""
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return ((now or datetime.now(UTC)) - when).days


def decide_from_page(kind: str, object_id: int, actor, verdict: str, note: str) -> bool:
    """Decide one request from an inbox page: commit and say so, or roll back and flash
    why not (the flow's refusal, e.g. one's own request).  Returns whether it was done."""
    try:
        decide_by_name(kind, object_id, actor, verdict, note)
    except InputError as error:
        db.session.rollback()
        for message in error.fields.values():
            flash(str(message), "danger")
        return False
    db.session.commit()
    flash(_("已批准") if verdict == APPROVED else _("已驳回"), "success")
    return True
