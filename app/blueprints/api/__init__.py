"""api: the JSON REST API ``/api/v1`` (flask-smorest, OpenAPI at /api/v1/openapi.json)."""

from flask import Flask


def register_api(app: Flask) -> None:
    from app.extensions import api, csrf

    from app.blueprints.api import auth as auth_resources

    for blueprint in (auth_resources.blp,):
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix or ''}")
