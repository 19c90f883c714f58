"""auth: log-in and log-out, own password, API tokens, company sign-up."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.blueprints.auth import views  # noqa: E402,F401
