"""``flask demo load``: the demo companies 悦足连锁 (yuezu) and 清溪足道 (qingxi)."""

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
def load_command(history_days: int, scale: str | None) -> None:
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
    if scale:
        from app.demo.scale import build_scale

        report = build_scale(scale, echo=click.echo)
        changed = changed or not report.skipped
    if not changed:
        click.echo("Demo data already loaded: nothing changed.")
    click.echo("")
    click.echo(login_table(result.logins))
