"""main: the pages every role shares (home, my page, jobs, audit log, permissions)."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from app.blueprints.main import approvals, views  # noqa: E402,F401
