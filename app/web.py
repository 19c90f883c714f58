"""Binds the extensions and the per-request context (user, tenant, locale)."""

from __future__ import annotations

from flask import Flask, abort, current_app, g, request, session
from flask_login import current_user

from app import errors, headers, inputs, jobs, login_guard, models, rls, security, sessions  # noqa: F401,E501
from app.extensions import api, babel, csrf, db, limiter, login_manager, migrate
from app.tenancy import reset_current_tenant, set_current_tenant


def register_extensions(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
    inputs.init_app(app)
    db.init_app(app)
    security.init_app(app)
    models.register_path_objects()
    _sqlite_pragmas(app)
    rls.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # Redis whenever there is one: limits counted in one worker's memory are no limits.
    app.config["RATELIMIT_STORAGE_URI"] = login_guard.storage_uri(app.config)
    limiter.init_app(app)
    login_guard.init_app(app)
    # Before init_app, which documents the default error response with it.
    api.ERROR_SCHEMA = errors.ErrorEnvelopeSchema
    api.init_app(app)
    _init_login(app)
    jobs.init_app(app)
    app.before_request(bind_user_and_tenant)
    app.before_request(sessions.enforce)
    app.before_request(headers.remember_signed_in)
    app.before_request(_authorize_endpoint)
    app.before_request(_resolve_path_objects)
    # After authentication (401 first) and the path's objects (404 first).
    app.before_request(inputs.check_request_text)
    app.teardown_request(unbind_tenant)
    headers.init_app(app)
    app.context_processor(_template_globals)
    _register_jinja_globals(app)


def _init_login(app: Flask) -> None:
    from app.blueprints.auth.services import load_session_user

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)


def _sqlite_pragmas(app: Flask) -> None:
    """SQLite checks foreign keys only when asked, per connection; WAL lets a
    job's progress be written while a page reads."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, connection_record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()


def bind_user_and_tenant() -> None:
    """Load the user (session, or bearer token on the API) and make their tenant current."""
    if request.endpoint == "static":
        return
    if (request.blueprint or "").startswith("api"):
        from app.blueprints.auth.services import load_token_user

        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        user = load_token_user(token) if token else None
        if user is not None and sessions.must_enrol(user) \
                and request.endpoint not in sessions.API_ENROLMENT_ENDPOINTS:
            abort(403, description="Two-step verification is required: enrol with "
                                   "POST /api/v1/auth/totp first")
        # The API never uses the session cookie: no CSRF exposure, no confusion.
        login_manager._update_request_context_with_user(user)
        # Authenticate before anything reads the body: a caller without a valid
        # token gets 401, never a 422 describing the resource.
        view = current_app.view_functions.get(request.endpoint)
        if user is None and view is not None and not getattr(view, "is_public", False) \
                and (request.blueprint or "").startswith("api_"):
            abort(401)
    user = current_user
    tenant_id = getattr(user, "tenant_id", None) if user.is_authenticated else None
    g.tenant_token = set_current_tenant(tenant_id)


def _authorize_endpoint() -> None:
    """403 for a logged-in user whose role lacks the view's permission, before
    anything reads the body or the URL's objects: the API's argument parsing
    runs outside the view's own guard and would answer 422 describing a resource
    the caller may not use (the permission matrix test, tests/test_permission_matrix.py)."""
    view = current_app.view_functions.get(request.endpoint)
    permission = getattr(view, "required_permission", None)
    from app.permissions import PERMISSIONS

    if permission in PERMISSIONS and current_user.is_authenticated \
            and not current_user.can(permission):
        abort(403)


def _resolve_path_objects() -> None:
    from app.permissions import resolve_path_objects

    resolve_path_objects()


def unbind_tenant(exc=None) -> None:
    token = g.pop("tenant_token", None)
    if token is not None:
        reset_current_tenant(token)


def select_locale() -> str:
    from flask import current_app, has_request_context

    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    choice = request.args.get("lang") or session.get("locale")
    if not choice and current_user and current_user.is_authenticated:
        choice = getattr(current_user, "locale", None)
    languages = current_app.config["LANGUAGES"]
    if choice in languages:
        return choice
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    from flask import current_app

    from app.models import Tenant
    from app.tenancy import current_tenant_id

    tenant_id = current_tenant_id()
    tenant = db.session.get(Tenant, tenant_id) if tenant_id else None
    return getattr(tenant, "timezone", None) or current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _template_globals() -> dict:
    from app.navigation import navigation_for

    return {"nav_items": navigation_for(current_user), "current_locale": select_locale()}


def _register_jinja_globals(app: Flask) -> None:
    """Helpers that imported macros use too (macros do not see context processors)."""
    from app import approvals
    from app.blueprints.store.subnav import grouped_subnav_for
    from app.labels import status_label, voucher_platform_label
    from app.permissions import role_label

    def may_decide(kind: str, obj) -> bool:
        """Show a 批准/驳回 button only to who may press it (app/approvals.py)."""
        return approvals.may_decide(kind, obj, current_user)

    app.jinja_env.globals.update(status_label=status_label, role_label=role_label,
                                 voucher_platform_label=voucher_platform_label,
                                 store_subnav_groups=grouped_subnav_for, may_decide=may_decide)
