"""``flask demo load``: the demo companies 悦足连锁 (yuezu) and 清溪足道 (qingxi);
``flask demo hr-month``: one more month of HR data for a company (the payroll benchmark)."""

import click

from app.extensions import db


@click.group("demo", help="Demo data.")
def demo_group() -> None:
    pass


@demo_group.command("load")
@click.option("--history-days", default=90, show_default=True,
              help="Days of front-desk history for yuezu (0: none).")
@click.option("--scale", type=click.Choice(["chain-50", "small"]), default=None,
              help="Also build the separate scale company (chain50 / chainsmall).")
@click.option("--with-payroll", is_flag=True,
              help="Also compute yuezu's payroll of last month (a draft run).")
def load_command(history_days: int, scale: str | None, with_payroll: bool) -> None:
    """Load the demo companies and logins (does nothing if they exist)."""
    import time

    from app.demo.history import load_history
    from app.demo.loader import load_demo, login_table

    result = load_demo()
    db.session.commit()
    for code in result.created:
        click.echo(f"Created demo company {code}.")
    for code in result.existing:
        click.echo(f"Demo company {code} already exists: left unchanged.")
    if result.platform_admin_created:
        click.echo("Created platform admin 'platform' (log in at /platform/login).")
    changed = result.changed
    if history_days > 0:
        started = time.perf_counter()
        history = load_history("yuezu", days=history_days)
        db.session.commit()
        if not history.skipped:
            changed = True
            click.echo(f"Added {history.days} days of front-desk history to yuezu: "
                       f"{history.orders} orders in {time.perf_counter() - started:.1f} s.")
    from app.demo.hr import load_hr

    for code in ("yuezu", "qingxi"):
        hr = load_hr(code)
        db.session.commit()
        if not hr.skipped:
            changed = True
            click.echo(f"Added HR data to {code}: {hr.summary()} in {hr.seconds:.1f} s.")
        elif hr.rows.get("card sellers"):
            changed = True
            click.echo(f"Credited {hr.rows['card sellers']} card top-ups of {code} to their "
                       f"sellers.")
    from app.demo.technical import load_technical

    technical = load_technical("yuezu")
    db.session.commit()
    if not technical.skipped:
        changed = True
        click.echo(f"Added technical-department data to yuezu: {technical.summary()} "
                   f"in {technical.seconds:.1f} s.")
    from app.demo.logistics import load_logistics

    logistics = load_logistics("yuezu")
    db.session.commit()
    if not logistics.skipped:
        changed = True
        click.echo(f"Added logistics and finance data to yuezu: {logistics.summary()} "
                   f"in {logistics.seconds:.1f} s.")
    from app.demo.head_office import load_head_office

    head_office = load_head_office("yuezu")
    db.session.commit()
    if head_office.changed:
        changed = True
        click.echo(f"Added head-office and service data to yuezu: {head_office.summary()} "
                   f"in {head_office.seconds:.1f} s.")
    if with_payroll:
        from app.demo.hr import draft_payroll

        started_run, line = draft_payroll("yuezu")
        changed = changed or started_run
        click.echo(line)
    if scale:
        from app.demo.scale import build_scale

        report = build_scale(scale, echo=click.echo)
        changed = changed or not report.skipped
    if not changed:
        click.echo("Demo data already loaded: nothing changed.")
    click.echo("")
    click.echo(login_table(result.logins))


@demo_group.command("hr-month")
@click.option("--tenant", "code", required=True, help="Company code, e.g. chain50 or yuezu.")
@click.option("--month", default=None, metavar="YYYY-MM",
              help="Calendar month (default: the company's previous month).")
def hr_month_command(code: str, month: str | None) -> None:
    """Add one month of schedules, clocks, leave, overtime, rewards and locked sheets
    (and the employee file, levels and pay profiles where missing); idempotent."""
    from datetime import date

    from app.blueprints.store.days import today_for_store
    from app.demo.hr import add_hr_month, previous_month
    from app.demo.scale import SCALES, add_scale_hr_month
    from app.tenancy import tenant_context
    from app.tenants import find_tenant_by_code

    tenant = find_tenant_by_code(code)
    if tenant is None:
        raise click.BadParameter(f"no company {code!r}", param_hint="--tenant")
    if month:
        try:
            first = date.fromisoformat(f"{month}-01")
        except ValueError:
            raise click.BadParameter("expected YYYY-MM", param_hint="--month") from None
    else:
        with tenant_context(tenant.id):
            first = previous_month(today_for_store())
    if code in {s.code for s in SCALES.values()}:
        add_scale_hr_month(code, first, echo=click.echo)
        return
    result = add_hr_month(code, first)
    db.session.commit()
    if result.skipped:
        click.echo(f"{code} already has HR data for {first:%Y-%m}: schedules left unchanged.")
    else:
        click.echo(f"Added HR month {first:%Y-%m} to {code}: {result.summary()} "
                   f"in {result.seconds:.1f} s.")
