"""logistics: the 后勤部 pages."""

from flask import Blueprint

bp = Blueprint("logistics", __name__)

from app.blueprints.logistics import views  # noqa: E402,F401
