"""platform: the operators of the deployment (companies, rq-dashboard)."""

from flask import Blueprint

bp = Blueprint("platform", __name__)

from app.blueprints.platform import views  # noqa: E402,F401
