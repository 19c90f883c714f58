"""finance: the 财务部 pages."""

from flask import Blueprint

bp = Blueprint("finance", __name__)

from app.blueprints.finance import views  # noqa: E402,F401
