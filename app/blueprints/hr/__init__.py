"""hr: the 人力资源部 pages."""

from flask import Blueprint

from app.blueprints.hr import models  # noqa: F401  (registers the tables and URL ids)

bp = Blueprint("hr", __name__)

from app.blueprints.hr import views, views_lifecycle, views_payroll, views_time  # noqa: E402,F401
