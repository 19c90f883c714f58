"""The one place where tenant isolation is enforced.

A context variable holds the current tenant.  Every ORM statement that touches
a :class:`TenantScoped` model is restricted to that tenant by a
``do_orm_execute`` listener; a tenant-scoped statement issued with no tenant
current fails closed.  New rows are stamped with the current tenant at flush,
and a row of another tenant is refused.

Known holes (each tested in ``tests/test_tenancy.py``):
* an object loaded (and not yet expired) in the session's identity map is
  returned by ``session.get()`` without SQL: use one session per request/job
  (expired objects are refreshed through the scoping and come back as None);
* ``text()`` and Core statements on ``Model.__table__`` are not filtered;
* bulk inserts skip the flush stamp: pass ``tenant_id`` yourself.

On PostgreSQL the row-level security of app/rls.py closes the last two: the
database itself shows and accepts only the current tenant's rows (none with no
tenant).  With no tenant current, the ORM still works on the objects a session
already holds, as their own tenant: a flush writes them under their tenant (rows of
several tenants at once are refused), and an expired object is refreshed by primary
key past the database's wall.

ORM bulk UPDATE by primary key (``session.execute(update(Model), rows)``) takes the
table's key, ``(tenant_id, id)``: every row names its ``tenant_id`` as well as its
``id`` (the flush writes ``WHERE tenant_id = ... AND id = ...`` the same way).

Code that must read or write across tenants (platform admin, the session and token
lookups, fan-out jobs, the guest's add-on QR code) does it inside
``with cross_tenant_access("reason"):`` — the one way, named and counted: the ORM
scoping steps aside and, on PostgreSQL, the transaction switches to the bypass
role of the row-level security (app/rls.py).  ``execution_options(cross_tenant=True)``
outside such a block is refused.  The log-in and sign-up need no bypass:
``tenants`` is a shared table, so the company is found first and the account read
inside its tenant.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Iterator
from contextvars import ContextVar

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Integer, PrimaryKeyConstraint, event
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)

_current_tenant: ContextVar[int | None] = ContextVar("muzu_current_tenant", default=None)
_cross_tenant: ContextVar[str | None] = ContextVar("muzu_cross_tenant", default=None)

# Only valid inside cross_tenant_access(); kept for the ORM statements that say so.
CROSS_TENANT = {"cross_tenant": True}

log = logging.getLogger("muzu.cross_tenant")
# How often each declared reason crossed tenants in this process (for metrics, tests).
CROSS_TENANT_USES: Counter[str] = Counter()


class TenantScopeError(RuntimeError):
    """A tenant-owned table was queried or written with no (or the wrong) tenant."""


def current_tenant_id() -> int | None:
    """The id of the tenant whose data this request or job may see."""
    return _current_tenant.get()


def set_current_tenant(tenant_id: int | None):
    """Make ``tenant_id`` current; returns a token for :func:`reset_current_tenant`."""
    return _current_tenant.set(tenant_id)


def reset_current_tenant(token) -> None:
    _current_tenant.reset(token)


@contextlib.contextmanager
def tenant_context(tenant_id: int | None) -> Iterator[None]:
    """Run a block with ``tenant_id`` current (jobs, CLI commands, tests).

    Inside a :func:`cross_tenant_access` block, a tenant named here is scoped again
    (the innermost block wins): a fan-out that enters each tenant works as that tenant.
    """
    token = _current_tenant.set(tenant_id)
    cross = _cross_tenant.set(None) if tenant_id is not None else None
    try:
        yield
    finally:
        if cross is not None:
            _cross_tenant.reset(cross)
        _current_tenant.reset(token)


def cross_tenant_reason() -> str | None:
    """The reason of the :func:`cross_tenant_access` block we are in, if any."""
    return _cross_tenant.get()


@contextlib.contextmanager
def cross_tenant_access(reason: str, *, hot: bool = False) -> Iterator[None]:
    """The one way to read or write across tenants: the ORM scoping steps aside and,
    on PostgreSQL, the statements run as the role that bypasses row-level security.

    Each use is logged (``muzu.cross_tenant``; at DEBUG for ``hot`` paths that run on
    every request, such as the session and token lookups) and counted in
    ``CROSS_TENANT_USES`` by reason.  No audit row: the audit log is per company, and
    a lookup that every request makes would drown it; the platform's own writes are
    audited where they happen.
    """
    if not reason:
        raise ValueError("cross_tenant_access needs a reason")
    CROSS_TENANT_USES[reason] += 1
    log.log(logging.DEBUG if hot else logging.INFO, "cross-tenant access: %s", reason)
    token = _cross_tenant.set(reason)
    try:
        yield
    finally:
        _cross_tenant.reset(token)


class TenantScoped:
    """Mixin for every tenant-owned table: ``id``, ``tenant_id`` and the key (tenant_id, id).

    The primary key is ``(tenant_id, id)``: a table distributed by ``tenant_id``
    (Citus) can only keep a key unique if the key contains ``tenant_id``, and the
    composite foreign keys of :func:`tenant_fk` reference that key.  ``id`` is still
    generated by the database and unique on its own, so the mapper keeps ``id``
    alone as the identity: ``session.get(Model, id)``, ``Model.id == x`` and the
    identity map work as with a single-column key.

    SQLite (the embedded demo) cannot generate a column of a composite primary
    key.  The rule there: the physical table keeps ``id INTEGER PRIMARY KEY`` (the
    rowid, read back after an insert) plus ``UNIQUE (tenant_id, id)`` for the
    composite foreign keys, as created by migrations 0001-0003; migration 0004
    moves the key to ``(tenant_id, id)`` on PostgreSQL only.  Nothing creates
    tables from this metadata (``create_all``): the migrations are the one source
    of the schema, and :func:`is_sqlite_rowid_twin` is the one difference that the
    schema comparison (migrations/env.py, tests/test_migrations.py) allows.  On
    SQLite, SQLAlchemy refuses to build these tables from the models (CompileError:
    no autoincrement in a composite key), so neither a stray ``create_all`` nor an
    autogenerated ``create_table`` can build a table whose ids are never filled: a
    migration that adds a tenant-owned table writes, on SQLite, ``PRIMARY KEY (id)``
    and ``UNIQUE (tenant_id, id)`` instead of the key.

    Subclasses put their own constraints in ``__extra_table_args__``; every unique
    constraint there includes ``tenant_id``.
    """

    __extra_table_args__: tuple = ()

    def __init_subclass__(cls, **kwargs):
        # A model's own ``id = mapped_column(primary_key=True)`` (the habit before
        # the composite key) would silently lose the generated id on insert.
        if "id" in cls.__dict__ or "id" in cls.__dict__.get("__annotations__", {}):
            raise TypeError(f"{cls.__name__}: TenantScoped provides id and the key "
                            "(tenant_id, id); remove the model's own id column")
        super().__init_subclass__(**kwargs)

    @declared_attr
    def id(cls) -> Mapped[int]:
        # autoincrement=True: in a composite key SQLAlchemy would not assume that
        # the database generates it (PostgreSQL: the SERIAL sequence of 0001-0003).
        return mapped_column(Integer, autoincrement=True, sort_order=-1)

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("tenants.id"), index=True, nullable=False)

    @declared_attr.directive
    def __table_args__(cls):
        return (PrimaryKeyConstraint("tenant_id", "id"), *cls.__extra_table_args__)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"primary_key": [cls.__table__.c.id]}


def tenant_fk(column: str, target_table: str, **kwargs) -> ForeignKeyConstraint:
    """Composite FK ``(tenant_id, column) -> target_table(tenant_id, id)``.

    The database then refuses a row that points at another tenant's row, and on a
    database distributed by ``tenant_id`` both rows live on the same shard.
    """
    return ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{target_table}.tenant_id", f"{target_table}.id"],
        **kwargs,
    )


def is_sqlite_rowid_twin(obj, type_: str, reflected: bool, compare_to) -> bool:
    """The ``UNIQUE (tenant_id, id)`` that a SQLite table keeps in place of the
    ``(tenant_id, id)`` primary key (see :class:`TenantScoped`).

    For a schema comparison on SQLite (``include_object`` of Alembic autogenerate):
    only a reflected unique constraint on exactly ``(tenant_id, id)``, with no
    counterpart in the models, of a table whose model declares the key
    ``(tenant_id, id)``.  Any other difference still shows.
    """
    if type_ != "unique_constraint" or not reflected or compare_to is not None:
        return False
    if [column.name for column in obj.columns] != ["tenant_id", "id"]:
        return False
    model_table = _tenant_tables().get(obj.table.name)
    return model_table is not None and [
        column.name for column in model_table.primary_key.columns] == ["tenant_id", "id"]


def _tenant_tables() -> dict:
    from app.extensions import db

    return {table.name: table for table in db.metadata.tables.values()
            if "tenant_id" in table.c}


def _touches_tenant_data(state: ORMExecuteState) -> bool:
    return any(
        mapper.class_ is not None and issubclass(mapper.class_, TenantScoped)
        for mapper in state.all_mappers
    )


@event.listens_for(Session, "do_orm_execute")
def _scope_to_current_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    # Lazy loads inherit the criteria of the statement that loaded the parent
    # object (propagate_to_loaders), as in SQLAlchemy's filter_public example.
    if state.is_relationship_load:
        return
    if _cross_tenant.get() is not None:
        return
    tenant_id = current_tenant_id()
    if state.is_column_load:
        # Refreshing an expired object, e.g. a session.get() hit in the identity
        # map after a commit: scope it too, so a stale object of another tenant
        # comes back as "not found".  With no tenant current, the session loaded
        # the object earlier (in its tenant, or in a cross-tenant block): let its
        # refresh by primary key through, past the database's wall as well.
        # Loader criteria are not applied to refreshes, so add a plain WHERE.
        if tenant_id is not None:
            for mapper in state.all_mappers:
                if issubclass(mapper.class_, TenantScoped):
                    state.statement = state.statement.where(mapper.class_.tenant_id == tenant_id)
            return
        if _touches_tenant_data(state):
            with cross_tenant_access("refresh of an object the session holds", hot=True):
                return state.invoke_statement()
        return
    if state.execution_options.get("cross_tenant", False):
        raise TenantScopeError(
            "execution_options(cross_tenant=True) outside cross_tenant_access(reason): "
            "cross-tenant reads go through that block (the database enforces it too)")
    if tenant_id is None:
        if _touches_tenant_data(state):
            raise TenantScopeError(
                "tenant-owned data queried with no current tenant; use tenant_context() "
                "or, for a deliberate cross-tenant read, cross_tenant_access(reason)"
            )
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
        )
    )


@event.listens_for(Session, "before_flush")
def _stamp_and_guard_tenant(session: Session, flush_context, instances) -> None:
    if session.info.get("cross_tenant_writes") or _cross_tenant.get() is not None:
        return
    tenant_id = current_tenant_id()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise TenantScopeError(f"new {type(obj).__name__} with no current tenant")
            obj.tenant_id = tenant_id
        elif tenant_id is not None and obj.tenant_id != tenant_id:
            raise TenantScopeError(
                f"refusing to write a {type(obj).__name__} of tenant {obj.tenant_id} "
                f"while tenant {tenant_id} is current"
            )
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, TenantScoped) and tenant_id is not None and obj.tenant_id != tenant_id:
            raise TenantScopeError(
                f"refusing to change a {type(obj).__name__} of tenant {obj.tenant_id}"
            )
    if tenant_id is None:
        _flush_as_the_objects_tenant(session)


def _flush_as_the_objects_tenant(session: Session) -> None:
    """With no tenant current, a flush writes the objects the session holds as their
    own tenant — also in the database, whose row-level security follows the tenant
    context (app/rls.py).  Work done in a tenant's block is often committed after it
    (a view's commit, a test's client call).  Rows of several tenants at once, with
    no cross_tenant_access, are a mistake."""
    owners = {obj.tenant_id for obj in (*session.new, *session.dirty, *session.deleted)
              if isinstance(obj, TenantScoped)}
    owners.discard(None)
    if len(owners) > 1:
        raise TenantScopeError(
            f"a flush with no current tenant writes rows of tenants {sorted(owners)}; "
            "use tenant_context() per tenant, or cross_tenant_access(reason)")
    if owners:
        session.info[_FLUSH_TENANT] = True
        _current_tenant.set(owners.pop())


_FLUSH_TENANT = "muzu_flush_tenant"


@event.listens_for(Session, "after_flush_postexec")
@event.listens_for(Session, "after_soft_rollback")
def _end_flush_tenant(session: Session, *args) -> None:
    if session.info.pop(_FLUSH_TENANT, None):
        _current_tenant.set(None)


@contextlib.contextmanager
def cross_tenant_writes(session: Session) -> Iterator[None]:
    """Allow a platform operation to write rows of a tenant that is not current."""
    session.info["cross_tenant_writes"] = True
    try:
        yield
    finally:
        session.info.pop("cross_tenant_writes", None)


def get_or_404(model, object_id: int):
    """Load a tenant-owned object of the current tenant by id, else 404.

    The explicit tenant check also covers the identity-map hole above.
    """
    from flask import abort

    from app.extensions import db

    obj = db.session.get(model, object_id)
    if obj is None or obj.tenant_id != current_tenant_id():
        abort(404)
    return obj
