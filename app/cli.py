"""Operator commands: ``flask tenant …``, ``flask platform create-admin``, ``flask demo …``."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from app.extensions import db


def register_commands(app: Flask) -> None:
    app.cli.add_command(tenant_group)
    app.cli.add_command(database_group)
    app.cli.add_command(platform_group)
    from app.demo.cli import demo_group

    app.cli.add_command(demo_group)


@click.group("database", help="PostgreSQL roles of the row-level security (app/rls.py).")
def database_group() -> None:
    pass


@database_group.command("roles")
def database_roles_command() -> None:
    """Create the app's role and the bypass role when missing, and grant them the
    tables; run as the owner (MIGRATION_DATABASE_URL) after `flask db upgrade`."""
    from flask import current_app
    from sqlalchemy import create_engine

    from app.rls import ensure_roles, grant_app_roles

    config = current_app.config
    url = config["SQLALCHEMY_MIGRATION_URI"] or config["SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(url)
    if engine.dialect.name != "postgresql":
        click.echo("Not PostgreSQL: no roles needed.")
        return
    app_role, cross_role = config["DATABASE_APP_ROLE"], config["DATABASE_CROSS_TENANT_ROLE"]
    with engine.begin() as conn:
        ensure_roles(conn, app_role, cross_role)
        grant_app_roles(conn, app_role, cross_role)
    engine.dispose()
    click.echo(f"Roles {app_role} (the app's login) and {cross_role} (cross-tenant bypass) "
               "are ready; point DATABASE_URL at the first.")


@click.group("tenant", help="Companies (tenants) of this deployment.")
def tenant_group() -> None:
    pass


@tenant_group.command("create")
@click.option("--code", required=True, help="企业编号, e.g. yuezu")
@click.option("--name", required=True, help="Company name")
@click.option("--owner", "owner_username", default="owner", show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--timezone", default="Asia/Shanghai", show_default=True)
def create_tenant_command(code, name, owner_username, password, timezone) -> None:
    """Create a company with its head office and owner account."""
    from app.tenants import SignupError, create_company

    try:
        company = create_company(code, name, owner_username, password, timezone=timezone)
    except SignupError as exc:
        for field, message in exc.fields.items():
            click.echo(f"{field}: {message}", err=True)
        raise SystemExit(2) from exc
    db.session.commit()
    click.echo(f"Created company {company.tenant.code} (id {company.tenant.id}); "
               f"owner login: {code} / {owner_username}")


@tenant_group.command("list")
def list_tenants_command() -> None:
    """List every company."""
    from app.models import Tenant

    for tenant in db.session.scalars(select(Tenant).order_by(Tenant.id)):
        click.echo(f"{tenant.id}\t{tenant.code}\t{tenant.status}\t{tenant.name}")


@click.group("platform", help="Operators of the deployment.")
def platform_group() -> None:
    pass


@platform_group.command("create-admin")
@click.option("--username", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_platform_admin(username, password) -> None:
    """Create (or reset the password of) a platform operator."""
    from app.models import PlatformAdmin
    from app.security import MIN_PASSWORD_LENGTH, hash_password

    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(f"at least {MIN_PASSWORD_LENGTH} characters",
                                 param_hint="password")
    admin = db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.username == username))
    if admin is None:
        admin = PlatformAdmin(username=username, password_hash=hash_password(password))
        db.session.add(admin)
    else:
        admin.password_hash = hash_password(password)
    db.session.commit()
    click.echo(f"Platform admin {username} ready; log in at /platform/login")
