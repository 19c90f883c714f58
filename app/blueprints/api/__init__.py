"""api: the JSON REST API ``/api/v1`` (flask-smorest, OpenAPI at /api/v1/openapi.json)."""

from flask import Flask


def register_api(app: Flask) -> None:
    from app.blueprints.api import accounts as accounts_resources
    from app.blueprints.api import approvals as approvals_resources
    from app.blueprints.api import attendance as attendance_resources
    from app.blueprints.api import auth as auth_resources
    from app.blueprints.api import cards as cards_resources
    from app.blueprints.api import catalogue as catalogue_resources
    from app.blueprints.api import checkout as checkout_resources
    from app.blueprints.api import closing as closing_resources
    from app.blueprints.api import customers as customers_resources
    from app.blueprints.api import dispatch as dispatch_resources
    from app.blueprints.api import employees as employees_resources
    from app.blueprints.api import feedback as feedback_resources
    from app.blueprints.api import finance_budgets as finance_budgets_resources
    from app.blueprints.api import finance_expenses as finance_expenses_resources
    from app.blueprints.api import finance_reports as finance_reports_resources
    from app.blueprints.api import gm_dashboard as gm_dashboard_resources
    from app.blueprints.api import gm_reports as gm_reports_resources
    from app.blueprints.api import gm_targets as gm_targets_resources
    from app.blueprints.api import jobs as jobs_resources
    from app.blueprints.api import logistics_assets as logistics_assets_resources
    from app.blueprints.api import logistics_counts as logistics_counts_resources
    from app.blueprints.api import logistics_dorms as logistics_dorms_resources
    from app.blueprints.api import logistics_issued_items as logistics_issued_items_resources
    from app.blueprints.api import logistics_purchases as logistics_purchases_resources
    from app.blueprints.api import logistics_stock as logistics_stock_resources
    from app.blueprints.api import logistics_tickets as logistics_tickets_resources
    from app.blueprints.api import offboarding as offboarding_resources
    from app.blueprints.api import orders as orders_resources
    from app.blueprints.api import pay_settings as pay_settings_resources
    from app.blueprints.api import payroll as payroll_resources
    from app.blueprints.api import positions as positions_resources
    from app.blueprints.api import reservations as reservations_resources
    from app.blueprints.api import rewards as rewards_resources
    from app.blueprints.api import rooms as rooms_resources
    from app.blueprints.api import service_care as service_care_resources
    from app.blueprints.api import service_complaints as service_complaints_resources
    from app.blueprints.api import service_disinfection as service_disinfection_resources
    from app.blueprints.api import service_evaluations as service_evaluations_resources
    from app.blueprints.api import service_inspections as service_inspections_resources
    from app.blueprints.api import service_satisfaction as service_satisfaction_resources
    from app.blueprints.api import service_sops as service_sops_resources
    from app.blueprints.api import signup as signup_resources
    from app.blueprints.api import store_settings as store_settings_resources
    from app.blueprints.api import stores as stores_resources
    from app.blueprints.api import technical_assessment as technical_assessment_resources
    from app.blueprints.api import technical_discipline as technical_discipline_resources
    from app.blueprints.api import technical_exams as technical_exams_resources
    from app.blueprints.api import technical_investigations, technical_proposals
    from app.blueprints.api import technical_profiles as technical_profiles_resources
    from app.blueprints.api import technical_training as technical_training_resources
    from app.blueprints.api.common import document_decimals_as_strings, limit_api_writes
    from app.extensions import api, csrf

    # Each resource module exposes ``blp``; add new ones to this tuple.
    resources = (auth_resources, jobs_resources, signup_resources, stores_resources,
                 rooms_resources, employees_resources, accounts_resources,
                 customers_resources, reservations_resources, feedback_resources,
                 closing_resources, dispatch_resources, orders_resources,
                 checkout_resources, cards_resources, catalogue_resources,
                 rewards_resources)
    resources += (payroll_resources,)
    resources += (attendance_resources,)
    resources += (approvals_resources,)
    resources += (positions_resources, pay_settings_resources, offboarding_resources)
    resources += (store_settings_resources,)
    resources += (technical_discipline_resources,)
    resources += (technical_training_resources,)
    resources += (technical_exams_resources,)
    resources += (technical_investigations, technical_proposals)
    resources += (technical_profiles_resources,)
    resources += (technical_assessment_resources,)
    resources += (finance_expenses_resources, finance_budgets_resources)
    resources += (logistics_counts_resources,)
    resources += (logistics_purchases_resources, logistics_tickets_resources)
    resources += (service_inspections_resources, service_disinfection_resources)
    resources += (logistics_assets_resources,)
    resources += (logistics_issued_items_resources, logistics_dorms_resources)
    resources += (logistics_stock_resources,)
    resources += (finance_reports_resources,)
    resources += (service_sops_resources, service_evaluations_resources)
    resources += (gm_reports_resources,)
    resources += (gm_dashboard_resources,)
    resources += (gm_targets_resources,)
    resources += (service_complaints_resources, service_satisfaction_resources,
                  service_care_resources)
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "POST /api/v1/auth/token"})
    document_decimals_as_strings(api)
    limit_api_writes(module.blp for module in resources)
    for blueprint in (module.blp for module in resources):
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix or ''}")
