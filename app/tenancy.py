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

Code that must read across tenants (platform admin, login lookups, fan-out
schedulers) says so with ``.execution_options(cross_tenant=True)``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from sqlalchemy import ForeignKey, ForeignKeyConstraint, UniqueConstraint, event
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)

_current_tenant: ContextVar[int | None] = ContextVar("muzu_current_tenant", default=None)

CROSS_TENANT = {"cross_tenant": True}


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
    """Run a block with ``tenant_id`` current (jobs, CLI commands, tests)."""
    token = _current_tenant.set(tenant_id)
    try:
        yield
    finally:
        _current_tenant.reset(token)


class TenantScoped:
    """Mixin for every tenant-owned table.

    Adds ``tenant_id NOT NULL`` (indexed) and ``UNIQUE (tenant_id, id)`` so that
    other tenant-owned tables can reference it with a composite foreign key.
    Subclasses put their own constraints in ``__extra_table_args__``.
    """

    __extra_table_args__: tuple = ()

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("tenants.id"), index=True, nullable=False)

    @declared_attr.directive
    def __table_args__(cls):
        return (UniqueConstraint("tenant_id", "id"), *cls.__extra_table_args__)


def tenant_fk(column: str, target_table: str, **kwargs) -> ForeignKeyConstraint:
    """Composite FK ``(tenant_id, column) -> target_table(tenant_id, id)``.

    The database then refuses a row that points at another tenant's row.
    """
    return ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{target_table}.tenant_id", f"{target_table}.id"],
        **kwargs,
    )


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
    if state.execution_options.get("cross_tenant", False):
        return
    tenant_id = current_tenant_id()
    if state.is_column_load:
        # Refreshing an expired object, e.g. a session.get() hit in the identity
        # map after a commit: scope it too, so a stale object of another tenant
        # comes back as "not found".  With no tenant current, the object was
        # loaded by a declared cross-tenant read; let its refresh through.
        # Loader criteria are not applied to refreshes, so add a plain WHERE.
        if tenant_id is not None:
            for mapper in state.all_mappers:
                if issubclass(mapper.class_, TenantScoped):
                    state.statement = state.statement.where(mapper.class_.tenant_id == tenant_id)
        return
    if tenant_id is None:
        if _touches_tenant_data(state):
            raise TenantScopeError(
                "tenant-owned data queried with no current tenant; use tenant_context() "
                "or mark a deliberate cross-tenant read with execution_options(cross_tenant=True)"
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
    if session.info.get("cross_tenant_writes"):
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
