"""service: the 服务部 pages."""

from flask import Blueprint

bp = Blueprint("service", __name__)

from app.blueprints.service import views  # noqa: E402,F401
