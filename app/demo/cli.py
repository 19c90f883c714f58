"""``flask demo load``: the demo company (filled in by the demo module)."""

import click


@click.group("demo", help="Demo data.")
def demo_group() -> None:
    pass
