"""store: the 门店前台 of one store — room board, guests, orders, rotation, checkout."""

from flask import Blueprint

bp = Blueprint("store", __name__)

from app.blueprints.store import models, views  # noqa: E402,F401
from app.blueprints.store import views_cards, views_catalogue, views_checkout  # noqa: E402,F401,I001
from app.blueprints.store import views_closing  # noqa: E402,F401
from app.blueprints.store import views_customers, views_feedback, views_reservations  # noqa: E402,F401,I001
from app.blueprints.store import views_dispatch  # noqa: E402,F401
from app.blueprints.store import views_orders  # noqa: E402,F401
