"""员工物品 (工服、钥匙、工牌、手机): what logistics handed each person, still out or closed.

The records are HR's ``IssuedItem`` rows (onboarding issues them, offboarding needs
them back): logistics keeps the list.  Returning and charging are HR's own verbs
(hr/offboarding.py) so the offboarding checklist and this list never disagree.
Plain functions: add/flush, audit, never commit.

Rules chosen:
* An item is issued to someone not yet gone: a person who left, or a mere
  candidate, gets nothing.  Its store is the person's store that day (None for
  head office), so a later transfer leaves the list of where it was handed out.
* The kind may be left empty: it is read from the name (hr.onboarding).
* A store role sees only its stores' items; head-office items only head office.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.audit import record_audit
from app.blueprints.hr import offboarding as hr_offboarding
from app.blueprints.hr.models import IssuedItem
from app.blueprints.hr.models.lifecycle import ISSUED_ITEM_KINDS, ISSUED_ITEM_STATUSES
from app.blueprints.hr.onboarding import issued_item_kind
from app.extensions import db
from app.models import Employee, Store
from app.validation import InputError

# People who may receive an item: not a candidate, not gone.
RECEIVING_STATUSES = ("onboarding", "probation", "active", "offboarding")
LIST_LIMIT = 500


class IssuedItemError(InputError):
    """Bad input for an issued item; ``fields`` names each field."""


def _in_scope(query, scope: set[int] | None):
    if scope is not None:
        query = query.where(IssuedItem.store_id.in_(scope or [-1]))
    return query


# --------------------------------------------------------------------------- verbs


def issue_item(employee: Employee, *, name: str, issued_on: date | None, kind: str = "",
               actor=None) -> IssuedItem:
    """Hand ``name`` to ``employee`` on ``issued_on``; its store is theirs that day."""
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("请填写物品名称")
    elif len(name) > 64:
        errors["name"] = _("最多 64 个字")
    kind = (kind or "").strip() or issued_item_kind(name)
    if kind not in ISSUED_ITEM_KINDS:
        errors["kind"] = _("请选择物品类别")
    if issued_on is None:
        errors["issued_on"] = _("请填写发放日期")
    elif employee.hire_date and issued_on < employee.hire_date and employee.status != "onboarding":
        errors["issued_on"] = _("发放日期不能早于入职日期")
    if employee.status not in RECEIVING_STATUSES:
        errors["employee_id"] = _("该员工已离职或尚未入职，不能发放物品")
    if errors:
        raise IssuedItemError(errors)
    item = IssuedItem(employee_id=employee.id, store_id=employee.store_id, kind=kind, name=name,
                      issued_on=issued_on, issued_by_account_id=getattr(actor, "id", None))
    db.session.add(item)
    db.session.flush()
    record_audit("issued_item.issue", "employee", employee.id,
                 after={"issued_item_id": item.id, "items": [name], "kind": kind})
    return item


def return_item(item: IssuedItem, actor=None, today: date | None = None) -> IssuedItem:
    """归还: the same verb as the offboarding checklist's (hr/offboarding.py)."""
    return hr_offboarding.return_issued_item(item, actor, today=today)


def charge_item(item: IssuedItem, amount, actor=None) -> IssuedItem:
    """折价扣款: not returned, deducted in the person's settlement (hr/offboarding.py)."""
    return hr_offboarding.charge_issued_item(item, amount, actor)


def history_of(employee_id: int) -> list[IssuedItem]:
    """Everything ever issued to the person, oldest first."""
    return hr_offboarding.issued_items_of(employee_id)


# --------------------------------------------------------------------------- lists


@dataclass
class ItemFilters:
    store_id: int | None = None
    kind: str = ""
    status: str = ""
    # Part of a name or a 工号.
    person: str = ""
    employee_id: int | None = None

    def clean(self) -> ItemFilters:
        self.kind = self.kind if self.kind in ISSUED_ITEM_KINDS else ""
        self.status = self.status if self.status in ISSUED_ITEM_STATUSES else ""
        self.person = (self.person or "").strip()[:32]
        return self


def list_items(scope: set[int] | None, filters: ItemFilters,
               limit: int = LIST_LIMIT) -> list[tuple[IssuedItem, Employee]]:
    """Items with their person, newest first, in one statement."""
    query = (select(IssuedItem, Employee).join(Employee, Employee.id == IssuedItem.employee_id)
             .order_by(IssuedItem.issued_on.desc(), IssuedItem.id.desc()).limit(limit))
    query = _in_scope(query, scope)
    if filters.store_id is not None:
        query = query.where(IssuedItem.store_id == filters.store_id)
    if filters.kind:
        query = query.where(IssuedItem.kind == filters.kind)
    if filters.status:
        query = query.where(IssuedItem.status == filters.status)
    if filters.employee_id is not None:
        query = query.where(IssuedItem.employee_id == filters.employee_id)
    if filters.person:
        like = f"%{filters.person}%"
        query = query.where(or_(Employee.name.like(like), Employee.employee_no.like(like)))
    return [(item, person) for item, person in db.session.execute(query)]


@dataclass
class OutCounts:
    """What is still out (status issued) for one store or person, by kind."""

    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


def out_by_store(scope: set[int] | None) -> list[tuple[Store | None, OutCounts]]:
    """Per store (None: head office) the items out, by kind; one grouped statement
    and one for the stores."""
    rows = db.session.execute(_in_scope(
        select(IssuedItem.store_id, IssuedItem.kind, func.count())
        .where(IssuedItem.status == "issued").group_by(IssuedItem.store_id, IssuedItem.kind),
        scope))
    counts: dict[int | None, OutCounts] = defaultdict(OutCounts)
    for store_id, kind, n in rows:
        counts[store_id].by_kind[kind] = n
    stores_query = select(Store).order_by(Store.code)
    if scope is not None:
        stores_query = stores_query.where(Store.id.in_(scope or [-1]))
    result: list[tuple[Store | None, OutCounts]] = [
        (store, counts.get(store.id, OutCounts())) for store in db.session.scalars(stores_query)]
    if None in counts:
        result.append((None, counts[None]))
    return result


def out_by_person(scope: set[int] | None, store_id: int | None = None
                  ) -> list[tuple[Employee, OutCounts]]:
    """Each person holding something, with the items out by kind (one statement)."""
    counts = _in_scope(
        select(IssuedItem.employee_id, IssuedItem.kind, func.count().label("n"))
        .where(IssuedItem.status == "issued")
        .group_by(IssuedItem.employee_id, IssuedItem.kind), scope)
    if store_id is not None:
        counts = counts.where(IssuedItem.store_id == store_id)
    counts = counts.subquery()
    query = (select(Employee, counts.c.kind, counts.c.n)
             .join(counts, counts.c.employee_id == Employee.id).order_by(Employee.employee_no))
    people: dict[int, tuple[Employee, OutCounts]] = {}
    for person, kind, n in db.session.execute(query):
        people.setdefault(person.id, (person, OutCounts()))[1].by_kind[kind] = n
    return list(people.values())


def left_with_items(scope: set[int] | None) -> list[tuple[IssuedItem, Employee]]:
    """Items still out with someone who has already left (to chase or charge)."""
    query = _in_scope(
        select(IssuedItem, Employee).join(Employee, Employee.id == IssuedItem.employee_id)
        .where(IssuedItem.status == "issued", Employee.status == "left")
        .order_by(Employee.employee_no, IssuedItem.id), scope)
    return [(item, person) for item, person in db.session.execute(query)]


def register_path_objects() -> None:
    """``issued_item_id`` in a URL is resolved centrally: another tenant's or another
    store's item is a 404 (the item's store is where it was issued)."""
    from app.permissions import register_path_object

    register_path_object("issued_item_id", IssuedItem)
