"""今日营收 page: each store's money so far today, before its 日结."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from app.blueprints.finance import bp
from app.blueprints.finance.takings import methods_shown, takings_for
from app.permissions import permission_required, store_scope


@bp.route("/takings")
@permission_required("finance.view")
def takings():
    from app.blueprints.store.days import today_for_store

    result = takings_for(today_for_store(), store_scope(current_user))
    return render_template("finance/takings.html", takings=result,
                           methods=methods_shown(result))
