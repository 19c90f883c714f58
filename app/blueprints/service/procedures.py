"""服务规范 (SOP): a procedure per position, versioned; staff acknowledge the current
version.  Plain functions: add and flush, never commit.

Rules chosen where the issue is silent:

* The service manager (``sop.manage``) writes a procedure for one position of the org
  chart (title and the steps, one per line) as a draft (第 1 版) or publishes it at
  once.  A draft is edited in place; editing a *published* procedure publishes a new
  version at once (第 n+1 版) and archives the old one, read-only — nothing is deleted,
  because the acknowledgements name the version that was read.
* Acknowledging (已阅读并遵守) is of a version: only the current (published) version of
  a procedure of one's own position, once; a new version asks again.
* Who must read: the employed staff (onboarding to offboarding) of the position, by
  store; head-office posts count under "总部".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit import record_audit, register_audit_actions
from app.blueprints.logistics.fields import clean_text
from app.blueprints.service.models_procedures import (
    VERSION_ARCHIVED,
    VERSION_DRAFT,
    VERSION_PUBLISHED,
    Procedure,
    ProcedureAcknowledgement,
    ProcedureVersion,
)
from app.extensions import db
from app.models import Employee, Position, Store
from app.models.base import utcnow
from app.models.people import EMPLOYED_STATUSES
from app.validation import InputError

register_audit_actions({
    "sop.create": _l("新建服务规范"),
    "sop.edit": _l("修改服务规范草稿"),
    "sop.publish": _l("发布服务规范"),
})

KIND = "service_procedure"
LIMITS = {"title": 128, "body": 8000, "change_note": 255}


class ProcedureError(InputError):
    """Bad procedure input or a refused step (names the field)."""


def _truthy(value) -> bool:
    return value in (True, 1, "1", "y", "on", "true", "yes")


def positions() -> list[Position]:
    """The positions a procedure may be written for: every post but the owner's."""
    return list(db.session.scalars(select(Position).where(Position.role != "owner")
                                   .order_by(Position.id)))


def _texts(values: dict, errors: dict, *, with_note: bool = False) -> tuple[str, str, str]:
    title = clean_text(values, "title", errors, LIMITS["title"], required=True)
    body = clean_text(values, "body", errors, LIMITS["body"], required=True)
    note = clean_text(values, "change_note", errors, LIMITS["change_note"]) if with_note else ""
    return title, body, note


def create_procedure(values: dict, actor) -> Procedure:
    """A new procedure for ``position_id``: 第 1 版, a draft unless ``publish``."""
    errors: dict[str, str] = {}
    position = None
    raw = values.get("position_id")
    try:
        position_id = int(str(raw).strip()) if raw not in (None, "") else None
    except (TypeError, ValueError):
        position_id = None
        errors["position_id"] = _("格式不正确")
    if position_id is not None:
        position = db.session.get(Position, position_id)
    if position is None or position.role == "owner":
        errors.setdefault("position_id", _("请选择岗位"))
    title, body, _note = _texts(values, errors)
    if errors:
        raise ProcedureError(errors)
    procedure = Procedure(position_id=position.id,
                          created_by_account_id=getattr(actor, "id", None))
    db.session.add(procedure)
    db.session.flush()
    version = ProcedureVersion(procedure_id=procedure.id, number=1, title=title, body=body,
                               status=VERSION_DRAFT,
                               created_by_account_id=getattr(actor, "id", None))
    db.session.add(version)
    db.session.flush()
    record_audit("sop.create", KIND, procedure.id,
                 after={"position_id": position.id, "title": title}, actor=actor)
    if _truthy(values.get("publish")):
        publish(procedure, actor)
    return procedure


def versions_of(procedure: Procedure) -> list[ProcedureVersion]:
    """Every version, the newest first."""
    return list(db.session.scalars(select(ProcedureVersion)
                                   .where(ProcedureVersion.procedure_id == procedure.id)
                                   .order_by(ProcedureVersion.number.desc())))


def latest_version(procedure: Procedure) -> ProcedureVersion:
    return versions_of(procedure)[0]


def current_version(procedure: Procedure) -> ProcedureVersion | None:
    """The published version (现行), or None while the procedure is still a draft."""
    return db.session.scalar(select(ProcedureVersion).where(
        ProcedureVersion.procedure_id == procedure.id,
        ProcedureVersion.status == VERSION_PUBLISHED))


def edit_procedure(procedure: Procedure, values: dict, actor) -> ProcedureVersion:
    """Change the text: a draft in place (published too when ``publish``); a published
    procedure gets a new published version and its old one is archived."""
    errors: dict[str, str] = {}
    title, body, note = _texts(values, errors, with_note=True)
    if errors:
        raise ProcedureError(errors)
    latest = latest_version(procedure)
    if latest.status == VERSION_DRAFT:
        before = {"title": latest.title, "body": latest.body}
        latest.title, latest.body, latest.change_note = title, body, note
        db.session.flush()
        record_audit("sop.edit", KIND, procedure.id, before=before,
                     after={"title": title, "body": body}, actor=actor)
        if _truthy(values.get("publish")):
            publish(procedure, actor)
        return latest
    if (latest.title, latest.body) == (title, body):
        raise ProcedureError.on("body", _("内容没有变化，不需要发布新版本"))
    version = ProcedureVersion(procedure_id=procedure.id, number=latest.number + 1,
                               title=title, body=body, change_note=note,
                               status=VERSION_DRAFT,
                               created_by_account_id=getattr(actor, "id", None))
    db.session.add(version)
    db.session.flush()
    publish(procedure, actor)
    return version


def publish(procedure: Procedure, actor) -> ProcedureVersion:
    """Publish the draft (the newest version); the version published before is archived."""
    latest = latest_version(procedure)
    if latest.status != VERSION_DRAFT:
        raise ProcedureError.on("status", _("没有待发布的草稿"))
    now = utcnow()
    old = current_version(procedure)
    if old is not None:
        old.status = VERSION_ARCHIVED
        old.archived_at = now
        # The archived row first: at no moment are two versions published.
        db.session.flush()
    latest.status = VERSION_PUBLISHED
    latest.published_at = now
    latest.published_by_account_id = getattr(actor, "id", None)
    db.session.flush()
    record_audit("sop.publish", KIND, procedure.id,
                 before={"version": old.number} if old is not None else None,
                 after={"version": latest.number, "title": latest.title}, actor=actor)
    return latest


# ------------------------------------------------------------------------ the list


@dataclass
class ProcedureRow:
    procedure: Procedure
    latest: ProcedureVersion
    current: ProcedureVersion | None
    position: Position
    # Of the current version: how many of the position's staff have read it, of how many.
    acknowledged: int = 0
    staff: int = 0


def procedure_rows(position_id: int | None = None) -> list[ProcedureRow]:
    """Every procedure with its newest and current version and the read count (four
    queries, whatever the number of procedures)."""
    stmt = select(Procedure).order_by(Procedure.position_id, Procedure.id)
    if position_id:
        stmt = stmt.where(Procedure.position_id == position_id)
    procs = list(db.session.scalars(stmt))
    ids = [p.id for p in procs] or [-1]
    by_proc: dict[int, list[ProcedureVersion]] = {}
    for version in db.session.scalars(select(ProcedureVersion)
                                      .where(ProcedureVersion.procedure_id.in_(ids))
                                      .order_by(ProcedureVersion.number.desc())):
        by_proc.setdefault(version.procedure_id, []).append(version)
    position_by_id = {p.id: p for p in db.session.scalars(select(Position))}
    staff = dict(db.session.execute(
        select(Employee.position_id, func.count())
        .where(Employee.status.in_(EMPLOYED_STATUSES)).group_by(Employee.position_id)).all())
    current_ids = [v.id for versions in by_proc.values() for v in versions
                   if v.status == VERSION_PUBLISHED] or [-1]
    acked = dict(db.session.execute(
        select(ProcedureAcknowledgement.version_id, func.count())
        .join(Employee, Employee.id == ProcedureAcknowledgement.employee_id)
        .where(ProcedureAcknowledgement.version_id.in_(current_ids),
               Employee.status.in_(EMPLOYED_STATUSES))
        .group_by(ProcedureAcknowledgement.version_id)).all())
    rows = []
    for proc in procs:
        versions = by_proc[proc.id]
        current = next((v for v in versions if v.status == VERSION_PUBLISHED), None)
        rows.append(ProcedureRow(proc, versions[0], current, position_by_id[proc.position_id],
                                 acked.get(current.id, 0) if current else 0,
                                 staff.get(proc.position_id, 0)))
    return rows


# ------------------------------------------------------------------ acknowledgement


@dataclass
class MyProcedure:
    procedure: Procedure
    version: ProcedureVersion
    acknowledged_at: object = None


def my_procedures(actor) -> list[MyProcedure]:
    """The current versions of the procedures of the actor's position, unread first."""
    employee = _employee_of(actor)
    if employee is None:
        return []
    rows = db.session.execute(
        select(Procedure, ProcedureVersion)
        .join(ProcedureVersion, ProcedureVersion.procedure_id == Procedure.id)
        .where(Procedure.position_id == employee.position_id,
               ProcedureVersion.status == VERSION_PUBLISHED)
        .order_by(Procedure.id)).all()
    version_ids = [v.id for _p, v in rows] or [-1]
    read = dict(db.session.execute(
        select(ProcedureAcknowledgement.version_id, ProcedureAcknowledgement.acknowledged_at)
        .where(ProcedureAcknowledgement.employee_id == employee.id,
               ProcedureAcknowledgement.version_id.in_(version_ids))).all())
    found = [MyProcedure(p, v, read.get(v.id)) for p, v in rows]
    return sorted(found, key=lambda row: row.acknowledged_at is not None)


def _employee_of(actor) -> Employee | None:
    employee_id = getattr(actor, "employee_id", None)
    return db.session.get(Employee, employee_id) if employee_id else None


def acknowledge(version: ProcedureVersion, actor) -> ProcedureAcknowledgement:
    """已阅读并遵守: the actor's own position's current version, once (a second time
    returns the first acknowledgement)."""
    field_name = "procedure_version_id"
    employee = _employee_of(actor)
    if employee is None:
        raise ProcedureError.on(field_name, _("您的账号没有对应的员工档案"))
    procedure = db.session.get(Procedure, version.procedure_id)
    if procedure.position_id != employee.position_id:
        raise ProcedureError.on(field_name, _("这不是您岗位的服务规范"))
    if version.status != VERSION_PUBLISHED:
        raise ProcedureError.on(field_name, _("这一版不是现行版本，请阅读最新版本"))
    existing = db.session.scalar(select(ProcedureAcknowledgement).where(
        ProcedureAcknowledgement.version_id == version.id,
        ProcedureAcknowledgement.employee_id == employee.id))
    if existing is not None:
        return existing
    ack = ProcedureAcknowledgement(version_id=version.id, employee_id=employee.id,
                                   account_id=getattr(actor, "id", None))
    db.session.add(ack)
    db.session.flush()
    return ack


@dataclass
class StoreReading:
    """Who of one store's staff of the position has read the current version."""

    store: Store | None  # None: head office (总部)
    read: list[tuple[Employee, object]] = field(default_factory=list)
    unread: list[Employee] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.read) + len(self.unread)


def readings(procedure: Procedure, scope: set[int] | None = None) -> list[StoreReading]:
    """Per store (then head office): the position's staff who acknowledged the current
    version and who not; empty while the procedure is a draft.  ``scope``: the stores
    the reader may see (None: all)."""
    current = current_version(procedure)
    if current is None:
        return []
    stmt = (select(Employee).where(Employee.position_id == procedure.position_id,
                                   Employee.status.in_(EMPLOYED_STATUSES))
            .order_by(Employee.employee_no))
    if scope is not None:
        stmt = stmt.where(Employee.store_id.in_(sorted(scope) or [-1]))
    staff = list(db.session.scalars(stmt))
    read_at = dict(db.session.execute(
        select(ProcedureAcknowledgement.employee_id, ProcedureAcknowledgement.acknowledged_at)
        .where(ProcedureAcknowledgement.version_id == current.id)).all())
    stores = {s.id: s for s in db.session.scalars(select(Store).where(
        Store.id.in_(sorted({e.store_id for e in staff if e.store_id}) or [-1])))}
    groups: dict[int | None, StoreReading] = {}
    for employee in staff:
        group = groups.setdefault(employee.store_id,
                                  StoreReading(stores.get(employee.store_id)))
        if employee.id in read_at:
            group.read.append((employee, read_at[employee.id]))
        else:
            group.unread.append(employee)
    return sorted(groups.values(), key=lambda g: (g.store is None,
                                                  g.store.code if g.store else ""))
