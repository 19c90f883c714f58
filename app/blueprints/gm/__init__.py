"""gm: the 总经理 pages."""

from flask import Blueprint

bp = Blueprint("gm", __name__)

from app.blueprints.gm import views  # noqa: E402,F401
