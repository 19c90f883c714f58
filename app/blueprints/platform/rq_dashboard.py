"""rq-dashboard mounted at ``/platform/rq/``, for platform operators only.

rq-dashboard has no authentication of its own: a guard runs before each of its
views and answers 404 (never a log-in page) to anyone who is not a platform
admin, so a tenant user cannot even learn the dashboard exists.  Without Redis
(jobs run inline) it is not mounted; ``/platform/rq`` then says so.
"""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Flask, abort, request
from flask_login import current_user

PREFIX = "/platform/rq"
# Changes queues although GET is allowed on it.
_STATE_CHANGING_GETS = {"rq_dashboard.requeue_all"}


def mount(app: Flask) -> None:
    """Register rq-dashboard on ``app`` when ``REDIS_URL`` is set."""
    redis_url = app.config.get("REDIS_URL")
    if not redis_url:
        return
    import rq_dashboard
    from rq.serializers import JSONSerializer
    from rq_dashboard.web import config as dashboard_config
    from rq_dashboard.web import setup_rq_connection

    from app.extensions import csrf

    # Muzu's queues hold JSON jobs only (app/jobs/queues.py); the dashboard's
    # default is pickle and would fail to show their arguments.
    dashboard_config.serializer = JSONSerializer
    # Set the dashboard's own key: otherwise it copies REDIS_URL with a warning.
    app.config["RQ_DASHBOARD_REDIS_URL"] = redis_url
    app.config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 2500)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=PREFIX)
    setup_rq_connection(app)
    # Its buttons post without a CSRF token; _guard checks the origin instead.
    csrf.exempt(rq_dashboard.blueprint)
    # First among the dashboard's own hooks (which touch Redis); the app-wide
    # hook that loads the user runs before any blueprint hook.
    app.before_request_funcs.setdefault(rq_dashboard.blueprint.name, []).insert(0, _guard)


def _guard():
    if not (current_user.is_authenticated and getattr(current_user, "is_platform_admin", False)):
        abort(404)
    changes_state = (request.method not in ("GET", "HEAD", "OPTIONS")
                     or request.endpoint in _STATE_CHANGING_GETS)
    if changes_state and not _same_origin():
        abort(403)
    return None


def _same_origin() -> bool:
    """A state-changing request must come from a page of this very site."""
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    return bool(source) and urlparse(source).netloc == request.host
