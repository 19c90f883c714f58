"""``flask demo load``: the demo companies 悦足连锁 (yuezu) and 清溪足道 (qingxi)."""

import click

from app.extensions import db


@click.group("demo", help="Demo data.")
def demo_group() -> None:
    pass


@demo_group.command("load")
def load_command() -> None:
    """Load the demo companies and logins (does nothing if they exist)."""
    from app.demo.loader import load_demo, login_table

    result = load_demo()
    db.session.commit()
    for code in result.created:
        click.echo(f"Created demo company {code}.")
    for code in result.existing:
        click.echo(f"Demo company {code} already exists: left unchanged.")
    if result.platform_admin_created:
        click.echo("Created platform admin 'platform' (log in at /platform/login).")
    if not result.changed:
        click.echo("Demo data already loaded: nothing changed.")
    click.echo("")
    click.echo(login_table(result.logins))
