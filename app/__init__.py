"""Muzu: management for chains of foot-spa stores (足疗连锁)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from config import load_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, **overrides) -> Flask:
    """Build the app: extensions, blueprints, error handlers, CLI.  Nothing else."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(load_config(config_name))
    app.config.update(overrides)

    from app import cli, errors, schedule, web  # noqa: F401  (schedule: every department's jobs)
    from app.blueprints import register_blueprints

    web.register_extensions(app)
    register_blueprints(app)
    errors.register_errorhandlers(app)
    cli.register_commands(app)
    return app
