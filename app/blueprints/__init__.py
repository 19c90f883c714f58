"""Blueprints mirror the org chart; ``main`` holds the pages every role shares."""

from flask import Flask

DEPARTMENTS = ("gm", "finance", "hr", "service", "technical", "logistics", "store")


def register_blueprints(app: Flask) -> None:
    from app.blueprints.api import register_api
    from app.blueprints.auth import bp as auth_bp
    from app.blueprints.finance import bp as finance_bp
    from app.blueprints.gm import bp as gm_bp
    from app.blueprints.hr import bp as hr_bp
    from app.blueprints.logistics import bp as logistics_bp
    from app.blueprints.main import bp as main_bp
    from app.blueprints.platform import bp as platform_bp
    from app.blueprints.service import bp as service_bp
    from app.blueprints.store import bp as store_bp
    from app.blueprints.technical import bp as technical_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    for department_bp in (gm_bp, finance_bp, hr_bp, service_bp, technical_bp, logistics_bp,
                          store_bp):
        app.register_blueprint(department_bp, url_prefix=f"/{department_bp.name}")
    app.register_blueprint(platform_bp, url_prefix="/platform")
    register_api(app)
