"""store: the 门店前台 pages."""

from flask import Blueprint

bp = Blueprint("store", __name__)

from app.blueprints.store import views  # noqa: E402,F401
