"""技术部: landing page with what waits for the department and the therapist roster
(技师名册) per store."""

from flask import render_template
from flask_login import current_user

from app.blueprints.hr import services as hr_services
from app.blueprints.hr.common import tenant_today
from app.blueprints.technical import bp
from app.blueprints.technical.overview import overview_cards
from app.permissions import permission_required, store_scope


@bp.route("/")
@permission_required("technical.view")
def index():
    """Therapists per store; technical and trainee supervisors see their own stores only."""
    scope = store_scope(current_user)
    therapists = hr_services.therapist_roster(scope)
    stores = [s for s in hr_services.stores() if scope is None or s.id in scope]
    roster = [(store, [t for t in therapists if t.store_id == store.id]) for store in stores]
    return render_template("technical/index.html", roster=roster,
                           cards=overview_cards(scope, tenant_today()))
