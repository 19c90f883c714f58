"""hr: the 人力资源部 pages."""

from flask import Blueprint

bp = Blueprint("hr", __name__)

from app.blueprints.hr import views  # noqa: E402,F401
