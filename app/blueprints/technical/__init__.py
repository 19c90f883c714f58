"""technical: the 技术部 pages."""

from flask import Blueprint

bp = Blueprint("technical", __name__)

from app.blueprints.technical import models, views  # noqa: E402,F401
