"""hr: the 人力资源部 pages."""

from flask import Blueprint

from app.blueprints.hr import models  # noqa: F401  (registers the tables and URL ids)

bp = Blueprint("hr", __name__)


@bp.record_once
def _register_company_setup(state) -> None:
    """Every new company gets the default 入职/离职清单 templates (app.tenants)."""
    from app.blueprints.hr.checklist_templates import install_default_templates
    from app.tenants import register_company_setup

    register_company_setup("hr.checklist_templates", install_default_templates)


@bp.record_once
def _register_approval_kinds(state) -> None:
    """请假, 加班, 奖惩, 人事变动, 离职 and 工资表 in the one approval flow (app.approvals)."""
    from app.blueprints.hr.approval_kinds import register

    register()


@bp.record_once
def _register_audit_labels(state) -> None:
    """HR's codes in words on the audit log (app.audit_display)."""
    from app.blueprints.hr import audit_labels  # noqa: F401  (registers at import)


# Each screen in its own module, imported for its routes (in the order the rules were
# registered before the split: url_map and the OpenAPI document keep their order).
# isort: off
from app.blueprints.hr import views  # noqa: E402,F401
from app.blueprints.hr import views_changes, views_pay, views_rewards  # noqa: E402,F401
from app.blueprints.hr import views_lifecycle, views_onboarding  # noqa: E402,F401
from app.blueprints.hr import views_offboarding, views_checklist_templates  # noqa: E402,F401
from app.blueprints.hr import views_payroll  # noqa: E402,F401
from app.blueprints.hr import views_time, views_time_schedule, views_time_mine  # noqa: E402,F401
from app.blueprints.hr import views_time_clocks, views_time_leave  # noqa: E402,F401
from app.blueprints.hr import views_time_sheets, views_tax  # noqa: E402,F401
# isort: on
