"""``flask rollups rebuild --tenant CODE [--from YYYY-MM-DD --to YYYY-MM-DD]``: rebuild a
company's daily rollups from the source rows (default: its first business day to
yesterday), a month per transaction."""

from __future__ import annotations

from datetime import date, timedelta

import click

from app.extensions import db


@click.group("rollups", help="Daily per-store rollups (营业日汇总) of the GM dashboard.")
def rollups_group() -> None:
    pass


@rollups_group.command("rebuild")
@click.option("--tenant", "code", required=True, help="企业编号, e.g. yuezu")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First business date (default: the company's first).")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last business date (default: yesterday).")
def rebuild_command(code: str, first, last) -> None:
    """Rebuild the rollups of a company for a range of business dates."""
    from app.blueprints.gm.jobs import first_activity, rebuild
    from app.blueprints.store.days import today_for_store
    from app.tenancy import tenant_context
    from app.tenants import find_tenant_by_code

    tenant = find_tenant_by_code(code)
    if tenant is None:
        raise click.BadParameter(f"no company {code!r}", param_hint="--tenant")
    with tenant_context(tenant.id):
        last_day: date = last.date() if last else today_for_store() - timedelta(days=1)
        first_day: date | None = first.date() if first else first_activity()
        if first_day is None or first_day > last_day:
            click.echo("Nothing to rebuild.")
            return
        rows = rebuild(first_day, last_day,
                       lambda done, total: click.echo(f"  {done}/{total}"), commit=True)
        db.session.commit()
    click.echo(f"Rebuilt {rows} store days of {code} from {first_day} to {last_day}.")
